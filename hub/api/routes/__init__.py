"""Provides one FastAPI router per resource."""
