"""Provides the staff dashboard's pure view models and form checks (no I/O, no clock)."""
