"""Provides the hub's exceptions: one base class and a named subclass per failure kind."""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class ConfigInvalid(HubError):
    """The hub's configuration file or flags do not validate.

    Attributes:
        problems: one line per error: file -> key path -> value -> message.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class CatalogUnavailable(HubError):
    """Central could not be reached, timed out or answered with a server error."""


class CatalogProtocolError(HubError):
    """Central answered, but not as `contracts.catalog` says (bad status or body)."""


class SeedStockInvalid(HubError):
    """The initial store stock file is missing, unreadable or does not validate."""
