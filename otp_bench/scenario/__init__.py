"""Scenarios: a workspace file (``otp_bench.workspace_files``) plus steps that run flows and check
expectations (SPEC §3); run one by one or in parallel, recorded from the app."""
