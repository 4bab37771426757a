"""otp-bench: an offline testbench for Salesforce Experience Cloud custom OTP delivery providers."""

__version__ = "0.1.0"
