"""Provides the hub's SQLite store: connection setup, migrations and repository functions."""
