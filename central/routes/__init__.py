"""Provides central's HTTP routers, one per resource, each built around the repository it uses."""
