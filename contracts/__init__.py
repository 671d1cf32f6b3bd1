"""Provides the wire contracts shared by edge, hub, kiosk and central: envelope, topics, payloads.

This package imports none of the apps. It holds pure code only: pydantic models, topic builders,
identifiers and GTIN arithmetic.
"""
