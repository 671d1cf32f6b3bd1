"""Provides the outbox's sent archive: delivered events kept to answer the hub's resend requests.

A PUBACK means the broker has the event, not that the hub does: a broker that forgets its queues
across a restart (amqtt) loses events the device already deleted. So on PUBACK a row moves from
`outbox` to `sent` instead of being deleted, and a `resend` command for a seq range is answered
from there with the exact stored envelopes (same ids, so the hub's dedupe holds).

The archive is bounded twice (see firmware_configs/README.md for the sizing):
- by age, per lane (`SENT_RETENTION_S`): rows older than their lane's retention are pruned;
- by the device's disk budget: archived rows count against it, and whenever a new event needs
  room they are the first to go (telemetry first, then standard, then critical; oldest first),
  before any event still waiting for delivery.
A seq asked for that is no longer archived is reported to the hub as `pruned`, never ignored.

These functions run on the outbox's connection, inside its lock and transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

SENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    lane INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sent_lane_seq ON sent (lane, seq);
"""

# Lane value (critical 0, standard 1, telemetry 2) -> how long a delivered event stays archived.
SENT_RETENTION_S: dict[int, int] = {0: 7 * 24 * 3600, 1: 2 * 24 * 3600, 2: 3600}
PRUNE_EVERY = 256  # archive moves between two age prunes


@dataclass(frozen=True, slots=True)
class SeqRange:
    """A contiguous range of seqs, both ends included."""

    from_seq: int
    to_seq: int


@dataclass(frozen=True, slots=True)
class ResendLookup:
    """What the outbox holds for a resend request.

    Attributes:
        rows: archived rows in the range, oldest first: (seq, body) to publish again.
        pending: seqs in the range still waiting for delivery (they will be sent anyway).
        pruned: ranges the device allocated but no longer holds.
        never_allocated: the part of the request above the device's last seq, if any.
    """

    rows: list[tuple[int, bytes]]
    pending: list[int]
    pruned: list[SeqRange]
    never_allocated: SeqRange | None


def add_sent_bytes(db: sqlite3.Connection, delta_bytes: int) -> None:
    """Adds to the archive's byte count in `meta`."""
    db.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'sent_bytes'",
        (delta_bytes,),
    )


def sent_bytes(db: sqlite3.Connection) -> int:
    """Bytes the archive counts against the budget."""
    row = db.execute("SELECT value FROM meta WHERE key = 'sent_bytes'").fetchone()
    return int(row[0])


def archive(db: sqlite3.Connection, seq: int) -> int | None:
    """Moves a delivered row from `outbox` to `sent`; returns its size (None if it was gone)."""
    row = db.execute("SELECT size_bytes FROM outbox WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        return None
    db.execute("INSERT OR REPLACE INTO sent SELECT * FROM outbox WHERE seq = ?", (seq,))
    db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
    add_sent_bytes(db, int(row[0]))
    return int(row[0])


def prune_by_age(db: sqlite3.Connection, now_ms: int) -> int:
    """Drops archived rows older than their lane's retention; returns how many."""
    dropped = 0
    for lane, retention_s in SENT_RETENTION_S.items():
        cutoff_ms = now_ms - retention_s * 1000
        freed, count = db.execute(
            "SELECT COALESCE(SUM(size_bytes), 0), COUNT(*) FROM sent"
            " WHERE lane = ? AND created_ms < ?",
            (lane, cutoff_ms),
        ).fetchone()
        if count:
            db.execute("DELETE FROM sent WHERE lane = ? AND created_ms < ?", (lane, cutoff_ms))
            add_sent_bytes(db, -int(freed))
            dropped += int(count)
    return dropped


def free_archive(db: sqlite3.Connection, needed_bytes: int) -> int:
    """Drops archived rows (telemetry, then standard, then critical; oldest first) until
    `needed_bytes` are free or the archive is empty; returns the bytes freed."""
    freed = 0
    victims: list[tuple[int]] = []
    for seq, size in db.execute("SELECT seq, size_bytes FROM sent ORDER BY lane DESC, seq"):
        if freed >= needed_bytes:
            break
        victims.append((int(seq),))
        freed += int(size)
    db.executemany("DELETE FROM sent WHERE seq = ?", victims)
    add_sent_bytes(db, -freed)
    return freed


def _ranges(seqs: Sequence[int]) -> list[SeqRange]:
    """Contiguous ranges of sorted seqs."""
    ranges: list[SeqRange] = []
    for seq in seqs:
        if ranges and ranges[-1].to_seq == seq - 1:
            ranges[-1] = SeqRange(ranges[-1].from_seq, seq)
        else:
            ranges.append(SeqRange(seq, seq))
    return ranges


def lookup(db: sqlite3.Connection, wanted: SeqRange, last_seq: int) -> ResendLookup:
    """Finds what the device holds of `wanted` (archive and pending rows).

    Args:
        db: the outbox connection.
        wanted: the requested range.
        last_seq: the device's last allocated seq.
    """
    top = min(wanted.to_seq, last_seq)
    rows: list[tuple[int, bytes]] = []
    pending: list[int] = []
    if wanted.from_seq <= top:
        bounds = (wanted.from_seq, top)
        rows = [
            (int(seq), bytes(body))
            for seq, body in db.execute(
                "SELECT seq, body FROM sent WHERE seq BETWEEN ? AND ? ORDER BY seq", bounds
            )
        ]
        pending = [
            int(seq)
            for (seq,) in db.execute("SELECT seq FROM outbox WHERE seq BETWEEN ? AND ?", bounds)
        ]
    held = {seq for seq, _ in rows} | set(pending)
    missing = [seq for seq in range(wanted.from_seq, top + 1) if seq not in held]
    beyond = SeqRange(max(wanted.from_seq, last_seq + 1), wanted.to_seq)
    return ResendLookup(
        rows, pending, _ranges(missing), beyond if wanted.to_seq > last_seq else None
    )
