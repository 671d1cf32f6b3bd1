"""Provides central's exceptions; the app translates each into an HTTP status and an `ErrorBody`."""

from __future__ import annotations


class CentralError(Exception):
    """Base of central's errors.

    Attributes:
        code: stable machine-readable code sent in the error body.
        status: the HTTP status the API answers with.
    """

    code = "central_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CentralError):
    """A product, order, warehouse or review does not exist."""

    code = "not_found"
    status = 404


class UnknownProduct(NotFound):
    """No product has this GTIN."""

    code = "unknown_gtin"


class UnknownOrder(NotFound):
    """No order has this id."""

    code = "unknown_order"


class UnknownWarehouse(NotFound):
    """No warehouse has this id."""

    code = "unknown_warehouse"


class InvalidInput(CentralError):
    """The request is well-formed but names something it may not (e.g. an unknown GTIN)."""

    code = "invalid_request"
    status = 422


class Conflict(CentralError):
    """The request conflicts with central's state."""

    code = "conflict"
    status = 409


class IdempotencyKeyReused(Conflict):
    """An idempotency key was sent again with a different body."""

    code = "idempotency_key_reused"


class InsufficientStock(Conflict):
    """No warehouse holds enough units for an order line."""

    code = "insufficient_stock"


class NotSoldOnline(Conflict):
    """An order names a product without an online price."""

    code = "not_sold_online"


class SeedError(CentralError):
    """A seed catalog file cannot be read or does not match the expected format."""

    code = "bad_seed"
