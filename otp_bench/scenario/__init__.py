"""Scenarios: YAML files that set up a workspace, run flows and check expectations (SPEC §3)."""
