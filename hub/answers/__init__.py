"""Provides the hub's short answers to glasses: a scan in, one line back on the device's topic."""
