"""Provides the `aisle` command: the composition root that starts and wires the processes."""
