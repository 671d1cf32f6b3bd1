"""Provides the kiosk's widgets: the product card and the status bar."""
