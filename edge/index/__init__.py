"""Provides photo-search index distribution on the device: file format, transfer, receiver."""
