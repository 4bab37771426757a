"""Workspace editors: org settings, sites, users, providers."""
