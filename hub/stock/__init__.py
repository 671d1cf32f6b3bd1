"""Provides the store stock ledger inputs: the initial stock seed."""
