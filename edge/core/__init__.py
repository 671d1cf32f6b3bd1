"""Provides pure edge logic: no I/O, no clock, only the stdlib, numpy and contracts."""
