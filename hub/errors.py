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


class RequestRefused(HubError):
    """A shopper's or staff request cannot be carried out; the API answers with `status`.

    Attributes:
        code: stable machine-readable code for the error body.
        status: the HTTP status the API answers with.
    """

    code = "refused"
    status = 409


class NotFound(RequestRefused):
    """No reservation or order has this id."""

    code = "not_found"
    status = 404


class UnknownProduct(RequestRefused):
    """The request names a GTIN the hub's catalog does not hold."""

    code = "unknown_gtin"
    status = 422


class InsufficientStock(RequestRefused):
    """Fewer units can be reserved than asked for (first committed wins)."""

    code = "insufficient_stock"


class NotSoldOnline(RequestRefused):
    """An order names a product that has no online price."""

    code = "not_sold_online"


class InvalidTransition(RequestRefused):
    """A reservation cannot move from its state to the one asked for."""

    code = "invalid_transition"


class IdempotencyKeyReused(RequestRefused):
    """An idempotency key was sent again with a different request."""

    code = "idempotency_key_reused"
