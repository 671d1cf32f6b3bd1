"""Provides the store hub: MQTT ingest, the store database, catalog sync with central, and the API.

One hub process runs per store (`aisle hub --config PATH`). It never imports edge, kiosk or
central: it talks to devices over MQTT and to central over HTTP, through `contracts` models.
"""
