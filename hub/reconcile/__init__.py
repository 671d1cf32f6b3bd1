"""Provides reconciliation of the store hub with central (runs, reports)."""
