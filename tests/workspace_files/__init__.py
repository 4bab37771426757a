"""Tests of otp_bench.workspace_files."""
