"""Provides the reconciliation checks of things that should have moved on: orders still queued
for central, reservations past their expiry, stock below zero, shelves the ledger calls empty."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from hub.domain.reconciliation import Finding


def order_findings(
    orders: Iterable[tuple[str, datetime, int, str | None]],
    *,
    now: datetime,
    stuck_after: timedelta,
    central_reachable: bool,
) -> list[Finding]:
    """Delivery orders still queued for central longer than `stuck_after`.

    Args:
        orders: `(order id, created_at, outbox attempts, last error)` of queued orders.
        now: the run's time.
        stuck_after: how long an order may wait before it is reported.
        central_reachable: whether the latest attempt to reach central succeeded.
    """
    findings = []
    for order_id, created, attempts, error in orders:
        waited = now - created
        if waited < stuck_after:
            continue
        cause = "central unreachable" if not central_reachable else "central has not accepted it"
        cause += f"; queued {int(waited.total_seconds())} s, {attempts} attempts"
        if error:
            cause += f", last error: {error}"
        findings.append(
            Finding(
                "order_stuck",
                order_id,
                cause,
                "the hub outbox keeps retrying with the same idempotency key (central owns "
                "delivery orders; no second order can result)",
                True,
                detail={"waited_s": int(waited.total_seconds()), "attempts": attempts},
            )
        )
    return findings


def reservation_findings(
    reservations: Iterable[tuple[str, str, str, datetime]], *, now: datetime, grace: timedelta
) -> list[Finding]:
    """Reservations still open longer than `grace` after they expired (the sweeper is behind).

    Args:
        reservations: `(id, gtin, state, expires_at)` of reservations still new or ready.
        now: the run's time.
        grace: how late the sweeper may be before it is reported.
    """
    return [
        Finding(
            "reservation_stuck",
            reservation_id,
            f"still {state} {int((now - expires).total_seconds())} s after it expired",
            "staff: hand it over or cancel it; the expiry sweeper releases its units",
            False,
            gtin=gtin,
            detail={"state": state, "expires_at": expires.isoformat()},
        )
        for reservation_id, gtin, state, expires in reservations
        if now - expires > grace
    ]


def negative_findings(flags: Iterable[tuple[str, int, str, datetime]]) -> list[Finding]:
    """Open negative-stock flags: `(gtin, on_hand, opened_by, opened_at)`."""
    return [
        Finding(
            "negative_stock",
            gtin,
            f"on-hand {units}: went below zero with event {event} at {opened:%Y-%m-%d %H:%M} UTC"
            " (sold before a receipt was booked, or a receipt is missing)",
            "staff: count the product; the count books the difference",
            False,
            gtin=gtin,
            detail={"on_hand": units, "opened_by": event},
        )
        for gtin, units, event, opened in flags
    ]


def shelf_findings(
    sightings: Iterable[tuple[str, int, str]], ledger: Mapping[str, int]
) -> list[Finding]:
    """Products seen on the shelf that the ledger says are out: `(gtin, units_seen, event)`."""
    return [
        Finding(
            "shelf_without_stock",
            gtin,
            f"{seen} units seen on the shelf (event {event}) but the ledger holds "
            f"{ledger.get(gtin, 0)}",
            "staff: count the product; the count books the difference",
            False,
            gtin=gtin,
            detail={"seen": seen, "ledger": ledger.get(gtin, 0)},
        )
        for gtin, seen, event in sightings
        if seen > 0 and ledger.get(gtin, 0) <= 0
    ]
