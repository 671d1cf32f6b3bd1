"""Provides the staff dashboard: server-rendered pages behind a staff login, live over SSE."""
