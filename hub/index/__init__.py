"""Provides the photo-search index on the hub: reference photos, builds, versions, publishing."""
