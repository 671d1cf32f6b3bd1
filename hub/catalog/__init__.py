"""Provides the catalog sync: an HTTP client of central and the change-feed puller."""
