"""Vigil: find, triage and answer false and toxic information about public policy."""
