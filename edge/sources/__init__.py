"""Provides frame sources behind one interface: live camera, video file and replay fixture."""
