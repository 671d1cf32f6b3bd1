"""Provides the hub's pure rules: no I/O, no clock, no logging; stdlib and `contracts` only."""
