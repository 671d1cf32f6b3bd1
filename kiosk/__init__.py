"""Provides the kiosk: the Textual terminal UI a shopper uses to scan items and read their cards.

The kiosk learns of scans over MQTT (its own edge agent's events topic) or from a typed code, and
asks the store hub for the product card over HTTP. It imports no other aisle app.
"""
