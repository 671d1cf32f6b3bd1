"""Provides photo search on the device: crop, embed, search the running index, report."""
