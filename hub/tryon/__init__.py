"""Provides the hub's try-on asset builder: garment cut-out, anchors, versioned assets."""
