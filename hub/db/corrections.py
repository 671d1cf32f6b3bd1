"""Provides what staff actions on a discrepancy write: a count becomes a ledger adjustment, a
correction becomes an availability push in the central outbox, a dismissal only its record.

Each function runs inside the caller's write transaction, so the action, its movement and its
outbox row are committed together or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from contracts.catalog import StoreAvailability, StoreAvailabilityItem
from contracts.ids import new_ulid
from hub.db import stock
from hub.db.findings import NewAction, record_action
from hub.db.stock import Movement
from hub.outbox.store import OutboxWrite, enqueue


def _ulid(now: datetime) -> str:
    return new_ulid(int(now.timestamp() * 1000))


def accept_count(
    db: Database, finding_id: str, *, gtin: str, counted_units: int, actor: str, now: datetime
) -> int:
    """Records a shelf count: an adjustment brings the ledger to `counted_units`.

    Nothing is overwritten: the adjustment is a movement (counted - on hand) named after the
    action, and no movement is written when the ledger already agrees.

    Returns:
        The id of the recorded action.
    """
    delta = counted_units - stock.on_hand(db, gtin)
    movement_id = None
    if delta != 0:
        source = f"count:{_ulid(now)}"
        note = f"shelf count {counted_units} by {actor} ({finding_id})"
        stock.record_movement(db, Movement(gtin, "adjustment", delta, source, note), now)
        row = db.execute(
            "SELECT id FROM stock_movements WHERE source_event = ? AND gtin = ?", [source, gtin]
        ).fetchone()
        movement_id = int(row[0])
    action = NewAction(
        finding_id, "accept_count", actor, gtin=gtin, counted_units=counted_units,
        movement_id=movement_id,
    )  # fmt: skip
    return record_action(db, action, now=now)


def push_correction(
    db: Database,
    finding_id: str,
    *,
    store_id: str,
    gtin: str,
    reason: str | None,
    actor: str,
    now: datetime,
) -> int:
    """Queues the ledger's on-hand of `gtin` for central (idempotent availability PUT).

    Returns:
        The id of the recorded action.
    """
    units = max(0, stock.on_hand(db, gtin))
    body = StoreAvailability(as_of=now, items=[StoreAvailabilityItem(gtin=gtin, on_hand=units)])
    key = f"correction-{store_id}-{_ulid(now)}"
    write = OutboxWrite(
        kind="availability",
        idempotency_key=key,
        method="PUT",
        path=f"/v1/stores/{store_id}/availability",
        body=body.model_dump_json(),
        ref=finding_id,
    )
    enqueue(db, write, now=now)
    action = NewAction(
        finding_id, "push_correction", actor, gtin=gtin, reason=reason or None, outbox_key=key
    )
    return record_action(db, action, now=now)


def dismiss(db: Database, finding_id: str, *, reason: str, actor: str, now: datetime) -> int:
    """Records that staff looked at a finding and why it needs nothing more.

    Returns:
        The id of the recorded action.
    """
    return record_action(db, NewAction(finding_id, "dismiss", actor, reason=reason), now=now)
