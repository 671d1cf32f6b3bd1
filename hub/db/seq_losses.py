"""Provides the permanent seq losses: ranges a device said it can no longer resend.

A device answers a `resend` command for seqs it no longer holds with a `seq_unavailable` event.
Its effect records the range here, inside the ingest transaction of that event (so at most once
per report; the same range reported twice is kept once). The seq gap itself stays open in
`seq_gaps`, so the reconciliation report keeps showing it; the hub only stops asking for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from contracts.payloads import SeqUnavailablePayload
from hub.db.codec import to_db_time
from hub.domain.sequence import SeqGap

SEQ_LOSS_TABLES = (
    """
    CREATE TABLE seq_losses (
        id INTEGER PRIMARY KEY,
        device TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        reason TEXT NOT NULL,
        event_id TEXT NOT NULL,
        reported_at TEXT NOT NULL,
        UNIQUE (device, from_seq, to_seq),
        CHECK (1 <= from_seq AND from_seq <= to_seq)
    )
    """,
)


@dataclass(frozen=True, slots=True)
class SeqLoss:
    """A range of one device's seqs that is gone for good.

    Attributes:
        device: the device.
        gap: the seqs, both ends included.
        reason: the device's reason (`pruned`, `never_allocated`).
        event_id: the `seq_unavailable` event that reported it.
    """

    device: str
    gap: SeqGap
    reason: str
    event_id: str


def record_loss(
    db: Database, device: str, body: SeqUnavailablePayload, *, event_id: str, now: datetime
) -> None:
    """Keeps a reported loss (a range already kept is left as it is)."""
    db.execute(
        "INSERT OR IGNORE INTO seq_losses (device, from_seq, to_seq, reason, event_id,"
        " reported_at) VALUES (?, ?, ?, ?, ?, ?)",
        [device, body.from_seq, body.to_seq, body.reason, event_id, to_db_time(now)],
    )


def losses(db: Database, device: str | None = None) -> list[SeqLoss]:
    """Every recorded loss (of one device when given), by device and seq."""
    where, args = ("WHERE device = ?", [device]) if device is not None else ("", [])
    rows = db.execute(
        f"SELECT device, from_seq, to_seq, reason, event_id FROM seq_losses {where}"
        " ORDER BY device, from_seq",
        args,
    ).fetchall()
    return [SeqLoss(str(d), SeqGap(int(a), int(b)), str(r), str(e)) for d, a, b, r, e in rows]


def open_gaps(db: Database) -> list[tuple[str, SeqGap]]:
    """Every open seq gap of every device, by device and seq."""
    rows = db.execute(
        "SELECT device, from_seq, to_seq FROM seq_gaps WHERE filled = 0 ORDER BY device, from_seq"
    ).fetchall()
    return [(str(device), SeqGap(int(a), int(b))) for device, a, b in rows]
