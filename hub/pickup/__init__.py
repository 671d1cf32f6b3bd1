"""Provides the pickup side of the store: the reservation expiry sweeper."""
