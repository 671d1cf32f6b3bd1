"""Provides the barcode scanner: engines, image variants and the per-frame decoding pipeline."""
