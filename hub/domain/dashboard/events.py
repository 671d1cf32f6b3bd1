"""Provides how device events read on the dashboard: a one-line detail and the feed row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

DETAIL_MAX_CHARS = 160
# event types counted on the overview, in display order
COUNTED_TYPES: tuple[tuple[str, str], ...] = (
    ("scan", "Scans"),
    ("search", "Searches"),
    ("tryon", "Try-ons"),
)


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One row of the live event feed.

    Attributes:
        pos: the event's arrival position at the hub (the SSE event id).
        received_at: ISO 8601 UTC arrival time.
        time_hms: arrival time of day, `HH:MM:SS` UTC.
    """

    pos: int
    received_at: str
    time_hms: str
    device: str
    seq: int
    type: str
    detail: str


def describe_event(event_type: str, payload: dict[str, Any]) -> str:
    """A short human description of an event's payload."""
    if event_type == "scan":
        code = payload.get("gtin") or payload.get("text") or "?"
        return f"{payload.get('symbology', '')} {code} ({payload.get('engine', '?')})".strip()
    if event_type == "search":
        best = payload.get("results") or payload.get("matches") or []
        top = best[0] if isinstance(best, list) and best else {}
        gtin = top.get("gtin", "no match") if isinstance(top, dict) else "no match"
        return f"search → {gtin}"
    text = ", ".join(f"{key}={value}" for key, value in sorted(payload.items()))
    return text[:DETAIL_MAX_CHARS]


def feed_row(
    *, pos: int, received_at: datetime, device: str, seq: int, event_type: str, payload: Any
) -> FeedRow:
    """Builds a feed row from a stored event's fields."""
    body = payload if isinstance(payload, dict) else {}
    return FeedRow(
        pos=pos,
        received_at=received_at.isoformat().replace("+00:00", "Z"),
        time_hms=received_at.strftime("%H:%M:%S"),
        device=device,
        seq=seq,
        type=event_type,
        detail=describe_event(event_type, body),
    )
