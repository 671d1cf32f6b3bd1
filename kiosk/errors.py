"""Provides the kiosk's exceptions: one base, `KioskError`, with a named subclass per failure."""

from __future__ import annotations


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose; its message is safe to show a shopper."""


class ConfigError(KioskError):
    """The kiosk settings are incomplete (e.g. the broker password variable is not set)."""


class InvalidCode(KioskError):
    """A typed code is not a barcode number the kiosk can look up."""


class HubUnavailable(KioskError):
    """The hub could not be reached, timed out, or failed (HTTP 5xx)."""


class HubResponseError(KioskError):
    """The hub answered, but not with what the card contract says (wrong URL, version, body)."""


class ImageUnavailable(KioskError):
    """A product image could not be fetched or decoded (the card shows a placeholder)."""


class ActionRefused(KioskError):
    """The hub refused a reservation or an order (e.g. not enough stock); retrying will not help.

    Attributes:
        code: the hub's machine-readable reason, e.g. `insufficient_stock`.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
