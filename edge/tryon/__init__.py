"""Provides the kiosk's live try-on: asset loading, rendering and the per-frame session."""
