"""Provides build and maintenance scripts (models, fixtures); nothing imports them."""
