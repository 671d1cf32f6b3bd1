"""Provides the column forms of Python values: UTC ISO 8601 text for times, compact JSON text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def to_db_time(value: datetime) -> str:
    """Formats an aware datetime as UTC ISO 8601 with microseconds and `Z` (sorts as text).

    Raises:
        ValueError: if `value` is naive.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"expected an aware UTC datetime, got naive {value!r}")
    text = value.astimezone(UTC).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def from_db_time(text: str) -> datetime:
    """Parses a time written by `to_db_time` (or any ISO 8601 text with an offset)."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"stored time {text!r} has no UTC offset")
    return parsed.astimezone(UTC)


def optional_time(text: str | None) -> datetime | None:
    """Parses a nullable time column."""
    return None if text is None else from_db_time(text)


def to_json(value: Any) -> str:
    """Dumps a JSON-ready value compactly, keys sorted (stable for hashing and diffs)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def from_json(text: str) -> Any:
    """Loads a JSON column."""
    return json.loads(text)
