"""Provides the kiosk's screens: home (scan or type), card, unknown code and error."""
