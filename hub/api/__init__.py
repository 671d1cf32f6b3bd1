"""Provides the hub's HTTP API and staff dashboard (FastAPI)."""
