"""Provides `OutboxStore`: the device's durable event queue in SQLite, written before publishing.

Every event becomes a full `Envelope` inside one transaction that also allocates its `seq`, so
sequence numbers are gap-free per device and survive restarts (the last one is kept in `meta`,
not derived from rows, which are deleted on PUBACK). The file runs in WAL mode with
`synchronous=FULL`: once `append` returns, the event survives a power cut.

Disk budget and priority lanes (see firmware_configs/README.md for the sizing formula):
    critical  (order, reservation, sale): never dropped; refused with `OutboxFull` when the budget
              is full. Only they may use the last `CRITICAL_RESERVE_SHARE` of the budget.
    standard  (scan, stock and unknown types): kept at least `STANDARD_RETENTION_S`; older ones
              are dropped only to make room; refused with `OutboxFull` when nothing can go.
    telemetry: dropped oldest first whenever room is needed.
A dropped event leaves a gap in the seqs the hub receives, which the hub reports: that is the
honest account of what the device could not keep.

Delivered rows are not deleted but moved to the sent archive (`edge/outbox/archive.py`), which
answers the hub's resend requests and gives up its room first whenever a new event needs it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

from contracts.envelope import ENVELOPE_VERSION, Envelope
from contracts.ids import check_identifier, new_ulid
from edge.errors import OutboxFull
from edge.outbox import archive
from edge.outbox.archive import ResendLookup, SeqRange

logger = logging.getLogger(__name__)


class Lane(IntEnum):
    """Priority lane of an event type; lower values are kept longer."""

    CRITICAL = 0
    STANDARD = 1
    TELEMETRY = 2


LANE_BY_TYPE: Mapping[str, Lane] = {
    "order": Lane.CRITICAL,
    "reservation": Lane.CRITICAL,
    "sale": Lane.CRITICAL,  # a till's sale is money taken: the ledger must get every one
    "scan": Lane.STANDARD,
    "stock": Lane.STANDARD,
    "telemetry": Lane.TELEMETRY,
}
STANDARD_RETENTION_S = 7 * 24 * 3600
CRITICAL_RESERVE_SHARE = 0.10
ROW_OVERHEAD_BYTES = 128  # SQLite row + index entry, estimated; counted against the budget

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    lane INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_lane_seq ON outbox (lane, seq);
"""


def wall_clock_ms() -> int:
    """Milliseconds since the Unix epoch (the device clock events are stamped with)."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One stored event, exactly as it will be published.

    Attributes:
        seq: per-device sequence number (gap-free from 1).
        id: the envelope's ULID.
        type: the envelope's payload type.
        lane: its priority lane.
        created_ms: creation time, ms since the epoch.
        body: the serialised envelope (UTF-8 JSON), the MQTT payload.
    """

    seq: int
    id: str
    type: str
    lane: Lane
    created_ms: int
    body: bytes

    def __post_init__(self) -> None:
        if self.seq < 1:
            raise ValueError(f"seq must be >= 1, got {self.seq}")


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """Counters of an outbox.

    Attributes:
        depth: events waiting for a PUBACK.
        used_bytes: bytes those events count against the budget.
        budget_bytes: the disk budget.
        last_seq: the last seq allocated (0 before the first event).
        dropped: events dropped to make room since this process opened the outbox.
        refused: events refused (`OutboxFull`) since this process opened the outbox.
        archived: delivered events kept in the sent archive (for resend requests).
        archived_bytes: bytes the archive counts against the budget.
    """

    depth: int
    used_bytes: int
    budget_bytes: int
    last_seq: int
    dropped: int
    refused: int
    archived: int = 0
    archived_bytes: int = 0


class OutboxStore:
    """The durable outbox of one device; thread-safe (one connection behind a lock)."""

    def __init__(
        self,
        path: Path,
        *,
        store_id: str,
        device_id: str,
        budget_bytes: int,
        clock_ms: Callable[[], int] = wall_clock_ms,
    ) -> None:
        """Opens (creating if needed) the outbox file.

        Args:
            path: the SQLite file; its folder is created if missing.
            store_id: store id stamped on every envelope.
            device_id: device id; an outbox file belongs to one device for life.
            budget_bytes: disk budget for waiting events.
            clock_ms: device clock, ms since the epoch, for ids and `ts`.

        Raises:
            ValueError: if the budget is not positive or the file belongs to another device.
        """
        if budget_bytes <= 0:
            raise ValueError(f"budget_bytes must be > 0, got {budget_bytes}")
        self._store_id = check_identifier("store", store_id)
        self._device_id = check_identifier("device", device_id)
        self._budget_bytes = budget_bytes
        self._clock_ms = clock_ms
        self._lock = threading.Lock()
        self._dropped = 0
        self._refused = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA + archive.SENT_SCHEMA)
        self._claim(f"{store_id}/{device_id}")
        self._moves = 0
        archive.prune_by_age(self._db, clock_ms())
        self.path = path

    def _claim(self, owner: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('owner', ?)", (owner,))
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('last_seq', '0')")
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('used_bytes', '0')")
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('sent_bytes', '0')")
        stored = self._meta("owner")
        if stored != owner:
            self._db.close()
            raise ValueError(f"outbox belongs to {stored}, not {owner}; use another file")

    def _meta(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0])

    def _add_used(self, delta_bytes: int) -> None:
        self._db.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'used_bytes'",
            (delta_bytes,),
        )

    def _make_envelope(
        self, event_type: str, payload: Mapping[str, Any], *, seq: int, now_ms: int
    ) -> Envelope:
        return Envelope(
            v=ENVELOPE_VERSION,
            id=new_ulid(now_ms),
            store=self._store_id,
            device=self._device_id,
            seq=seq,
            ts=datetime.fromtimestamp(now_ms / 1000, UTC),
            type=event_type,
            payload=dict(payload),
        )

    def append(self, event_type: str, payload: Mapping[str, Any]) -> Envelope:
        """Stores one event durably and returns its envelope (seq and id allocated here).

        Args:
            event_type: the envelope type (`scan`, `order`, ...), which also picks its lane.
            payload: the JSON-ready payload object.

        Returns:
            The envelope exactly as stored and as it will be published.

        Raises:
            OutboxFull: if the budget has no room for it (nothing was stored, no seq used).
        """
        lane = LANE_BY_TYPE.get(event_type, Lane.STANDARD)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = int(self._meta("last_seq")) + 1
                now_ms = self._clock_ms()
                envelope = self._make_envelope(event_type, payload, seq=seq, now_ms=now_ms)
                body = envelope.to_json_bytes()
                size = len(body) + ROW_OVERHEAD_BYTES
                self._make_room(lane, size, now_ms)
                self._db.execute(
                    "INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (seq, envelope.id, event_type, int(lane), now_ms, size, body),
                )
                self._add_used(size)
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'last_seq'", (str(seq),))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return envelope

    def _make_room(self, lane: Lane, size: int, now_ms: int) -> None:
        share = 1.0 if lane is Lane.CRITICAL else 1.0 - CRITICAL_RESERVE_SHARE
        limit = int(self._budget_bytes * share)
        used = int(self._meta("used_bytes")) + archive.sent_bytes(self._db)
        needed = used + size - limit
        if needed <= 0:
            return
        needed -= archive.free_archive(self._db, needed)
        if needed <= 0:
            return
        needed -= self._drop_oldest(Lane.TELEMETRY, before_ms=None, needed=needed)
        if needed > 0 and lane is not Lane.TELEMETRY:
            cutoff_ms = now_ms - STANDARD_RETENTION_S * 1000
            needed -= self._drop_oldest(Lane.STANDARD, before_ms=cutoff_ms, needed=needed)
        if needed > 0:
            self._refused += 1
            used_mb = int(self._meta("used_bytes")) / 1e6
            raise OutboxFull(
                f"outbox full: {used_mb:.3g} of {self._budget_bytes / 1e6:.3g} MB hold events "
                f"not yet delivered; {lane.name.lower()} event refused (is the broker reachable?)"
            )

    def _drop_oldest(self, lane: Lane, *, before_ms: int | None, needed: int) -> int:
        freed = 0
        rows = self._db.execute(
            "SELECT seq, size_bytes FROM outbox WHERE lane = ? AND created_ms < ? ORDER BY seq",
            (int(lane), 2**62 if before_ms is None else before_ms),
        ).fetchall()
        victims = []
        for seq, size in rows:
            if freed >= needed:
                break
            victims.append((seq,))
            freed += size
        self._db.executemany("DELETE FROM outbox WHERE seq = ?", victims)
        self._add_used(-freed)
        if victims:
            self._dropped += len(victims)
            logger.warning(
                "outbox %s dropped %d %s events to stay in budget",
                self._device_id,
                len(victims),
                lane.name.lower(),
            )
        return freed

    def pending(self, *, after_seq: int = 0, limit: int = 100) -> list[OutboxRow]:
        """Events waiting for delivery with `seq > after_seq`, oldest first, at most `limit`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, id, type, lane, created_ms, body FROM outbox WHERE seq > ? "
                "ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [
            OutboxRow(seq, id_, type_, Lane(lane), ms, bytes(body))
            for seq, id_, type_, lane, ms, body in rows
        ]

    def delete(self, seq: int) -> bool:
        """Marks an event delivered (call on PUBACK): it moves to the sent archive, which keeps
        it for resend requests within its retention and budget; False if it was already gone."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                size = archive.archive(self._db, seq)
                if size is not None:
                    self._add_used(-size)
                self._moves += 1
                if self._moves % archive.PRUNE_EVERY == 0:
                    archive.prune_by_age(self._db, self._clock_ms())
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return size is not None

    def resend_lookup(self, from_seq: int, to_seq: int) -> ResendLookup:
        """What the device holds of `from_seq..to_seq`: archived rows to publish again, seqs
        still pending, and what it no longer holds (pruned) or never allocated."""
        with self._lock:
            last_seq = int(self._meta("last_seq"))
            return archive.lookup(self._db, SeqRange(from_seq, to_seq), last_seq)

    def prune_archive(self) -> int:
        """Drops archived rows past their lane's retention now; returns how many (this also
        happens on open and every `PRUNE_EVERY` deliveries)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                dropped = archive.prune_by_age(self._db, self._clock_ms())
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return dropped

    def delivered_seq(self) -> int:
        """Every event up to this seq was acknowledged by the broker (or dropped by the budget)."""
        with self._lock:
            row = self._db.execute("SELECT MIN(seq) FROM outbox").fetchone()
            if row[0] is not None:
                return int(row[0]) - 1
            return int(self._meta("last_seq"))

    def stats(self) -> OutboxStats:
        """Depth, bytes used and counters."""
        with self._lock:
            depth = int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
            used = int(self._meta("used_bytes"))
            last_seq = int(self._meta("last_seq"))
            archived = int(self._db.execute("SELECT COUNT(*) FROM sent").fetchone()[0])
            archived_bytes = archive.sent_bytes(self._db)
        return OutboxStats(
            depth,
            used,
            self._budget_bytes,
            last_seq,
            self._dropped,
            self._refused,
            archived,
            archived_bytes,
        )

    def close(self) -> None:
        """Closes the file (pending events stay in it for the next start)."""
        with self._lock:
            self._db.close()
