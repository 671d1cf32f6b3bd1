"""Provides the overview page's view model: today's tiles, device health and the feed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.domain.dashboard.events import COUNTED_TYPES, FeedRow


@dataclass(frozen=True, slots=True)
class Tile:
    """One number on the overview.

    Attributes:
        key: stable name (the live script updates tiles by key).
        tone: `ok`, `warn` or `bad` (drives the colour).
        href: the page that explains the number, if any.
    """

    key: str
    label: str
    value: int
    tone: str = "ok"
    href: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceHealth:
    """Devices per status."""

    online: int
    degraded: int
    offline: int

    @property
    def tone(self) -> str:
        """`bad` when any device is offline, `warn` when one is degraded, else `ok`."""
        return "bad" if self.offline else "warn" if self.degraded else "ok"


@dataclass(frozen=True, slots=True)
class OverviewView:
    """Everything the overview page shows."""

    day_start: datetime
    tiles: tuple[Tile, ...]
    devices: DeviceHealth
    feed: tuple[FeedRow, ...]
    live_after: int


def day_start(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day (the overview's "today")."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def device_health(statuses: Sequence[str]) -> DeviceHealth:
    """Counts device statuses; `unknown` (never sent a state) counts as offline."""
    online = sum(1 for s in statuses if s == "online")
    degraded = sum(1 for s in statuses if s == "degraded")
    return DeviceHealth(online, degraded, len(statuses) - online - degraded)


def overview_view(
    *,
    now: datetime,
    event_counts: Mapping[str, int],
    reservations_today: int,
    orders_today: int,
    open_findings: int,
    device_statuses: Sequence[str],
    feed: Sequence[FeedRow],
) -> OverviewView:
    """Builds the overview from the numbers read for it.

    Args:
        now: the current UTC time.
        event_counts: events per type since the start of today.
        reservations_today: pickup reservations made today.
        orders_today: delivery orders placed today.
        open_findings: discrepancies without a staff action.
        device_statuses: the status of every known device.
        feed: the newest events, newest first.
    """
    tiles = [Tile(kind, label, int(event_counts.get(kind, 0))) for kind, label in COUNTED_TYPES]
    tone = "warn" if open_findings else "ok"
    tiles += [
        Tile("reservations", "Reservations", reservations_today, href="/dashboard/pickups"),
        Tile("orders", "Delivery orders", orders_today, href="/dashboard/pickups"),
        Tile(
            "discrepancies", "Open discrepancies", open_findings, tone, "/dashboard/discrepancies"
        ),
    ]
    return OverviewView(
        day_start=day_start(now),
        tiles=tuple(tiles),
        devices=device_health(device_statuses),
        feed=tuple(feed),
        live_after=feed[0].pos if feed else 0,
    )
