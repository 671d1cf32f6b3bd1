"""Provides request-parameter parsing shared by central's routers (GTINs in paths)."""

from __future__ import annotations

from central.errors import InvalidInput
from contracts.gtin import to_gtin14


def parse_gtin(code: str) -> str:
    """Normalises a GTIN path parameter (8, 12, 13 or 14 digits) to GTIN-14.

    Raises:
        InvalidInput: if `code` is not a GTIN with a correct check digit (answered as 422).
    """
    try:
        return to_gtin14(code)
    except ValueError as exc:
        raise InvalidInput(
            f"{code!r} is not a GTIN: expected 8, 12, 13 or 14 digits with a valid check digit"
        ) from exc
