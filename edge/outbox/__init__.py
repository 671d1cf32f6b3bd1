"""Provides the durable device outbox (SQLite) and the MQTT publisher that drains it."""
