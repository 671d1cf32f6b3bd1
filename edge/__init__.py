"""Provides the edge agent: camera frames in, vision features, events out over MQTT."""
