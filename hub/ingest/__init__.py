"""Provides the MQTT ingest: the paho adapter and the message processor it feeds."""
