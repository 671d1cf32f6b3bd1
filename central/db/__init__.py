"""Provides central's storage: a connection wrapper, the schema and the repositories."""
