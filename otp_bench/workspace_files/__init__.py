"""Workspace files: a workspace's settings, providers, sites, users and connected apps in the
scenario file format (SPEC §3) — read, validated, applied to an engine, and written back.

A scenario file is a workspace file plus ``steps``: ``otp_bench.scenario`` adds the steps and runs
them, ``otp_bench.export`` offers ``otp-bench workspace export|import``; both build on this
package, which sits above the engine and below both, so neither needs the other.
"""
