"""Provides the repository functions of ingest: events, devices, sequence gaps and dead letters.

Every function takes the `Database` it works on and never commits on its own: callers group
writes with `hub.db.connection.write_transaction`, so an event, its seq bookkeeping and its
effects land together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from contracts.envelope import Envelope
from contracts.payloads import DeviceState
from hub.db.codec import from_db_time, from_json, optional_time, to_db_time, to_json
from hub.domain.sequence import SeqDecision, SeqGap

DEAD_LETTER_MAX_BYTES = 256 * 1024
_IN_CHUNK = 500  # ids per `IN (...)` lookup, well under SQLite's variable limit


@dataclass(frozen=True, slots=True)
class EventRow:
    """An accepted event about to be stored: the envelope, its digest and arrival time."""

    envelope: Envelope
    digest: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One accepted event as stored (`pos` orders events by arrival at the hub)."""

    pos: int
    id: str
    store: str
    device: str
    seq: int
    type: str
    ts: datetime
    received_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """One device as the hub knows it (from its events and its retained state)."""

    id: str
    profile: str | None
    status: str
    reasons: list[str]
    last_seen: datetime | None
    state_ts: datetime | None
    last_seq: int
    events_applied: int
    duplicates: int
    open_gaps: int
    models: dict[str, str]
    index_version: str | None
    fps: float | None
    outbox_depth: int | None


@dataclass(frozen=True, slots=True)
class GapRecord:
    """One recorded sequence gap."""

    id: int
    device: str
    from_seq: int
    to_seq: int
    detected_at: datetime
    filled: bool
    filled_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeadLetterRecord:
    """One rejected message, kept with its reason and its bytes."""

    id: int
    topic: str
    reason: str
    payload: bytes
    payload_size: int
    truncated: bool
    received_at: datetime


def find_event_digest(db: Database, event_id: str) -> str | None:
    """Returns the content digest stored for an event id, or None if the id was never applied."""
    row = db.execute("SELECT content_sha256 FROM events WHERE id = ?", [event_id]).fetchone()
    return None if row is None else str(row[0])


def insert_event(db: Database, envelope: Envelope, *, digest: str, received_at: datetime) -> int:
    """Stores an accepted event; returns its arrival position `pos`.

    Raises:
        sqlite3.IntegrityError: if the id is already stored (callers check first).
    """
    cursor = db.execute(
        "INSERT INTO events (id, store, device, seq, type, ts, received_at, payload,"
        " content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            envelope.id,
            envelope.store,
            envelope.device,
            envelope.seq,
            envelope.type,
            to_db_time(envelope.ts),
            to_db_time(received_at),
            to_json(envelope.payload),
            digest,
        ],
    )
    return int(cursor.lastrowid or 0)


def _ensure_device(db: Database, device: str) -> None:
    db.execute("INSERT OR IGNORE INTO devices (id) VALUES (?)", [device])


def device_seq_state(db: Database, device: str) -> tuple[int, list[SeqGap]]:
    """Returns a device's last seq (0 if unknown) and its open gaps, lowest first."""
    row = db.execute("SELECT last_seq FROM devices WHERE id = ?", [device]).fetchone()
    gaps = db.execute(
        "SELECT from_seq, to_seq FROM seq_gaps WHERE device = ? AND filled = 0 ORDER BY from_seq",
        [device],
    ).fetchall()
    return (0 if row is None else int(row[0])), [SeqGap(int(a), int(b)) for a, b in gaps]


def record_seq_decision(db: Database, device: str, decision: SeqDecision, now: datetime) -> None:
    """Persists a seq decision: the device's last seq, a new gap, or a (partly) filled gap."""
    _ensure_device(db, device)
    db.execute("UPDATE devices SET last_seq = ? WHERE id = ?", [decision.last_seq, device])
    record_gap_change(db, device, decision, now)


def record_gap_change(db: Database, device: str, decision: SeqDecision, now: datetime) -> None:
    """Persists the gap part of a seq decision: a new gap, or a (partly) filled one.

    A partly filled gap is marked filled and its remaining pieces are stored as new open gaps
    that keep the original detection time.
    """
    stamp = to_db_time(now)
    if decision.opened is not None:
        db.execute(
            "INSERT INTO seq_gaps (device, from_seq, to_seq, detected_at) VALUES (?, ?, ?, ?)",
            [device, decision.opened.from_seq, decision.opened.to_seq, stamp],
        )
    if decision.filled is not None:
        gap = decision.filled
        row = db.execute(
            "SELECT id, detected_at FROM seq_gaps WHERE device = ? AND filled = 0"
            " AND from_seq = ? AND to_seq = ?",
            [device, gap.from_seq, gap.to_seq],
        ).fetchone()
        db.execute("UPDATE seq_gaps SET filled = 1, filled_at = ? WHERE id = ?", [stamp, row[0]])
        db.conn.executemany(
            "INSERT INTO seq_gaps (device, from_seq, to_seq, detected_at) VALUES (?, ?, ?, ?)",
            [(device, piece.from_seq, piece.to_seq, row[1]) for piece in decision.remaining],
        )


def add_device_tally(
    db: Database, device: str, *, last_seq: int, applied: int, duplicates: int, now: datetime
) -> None:
    """Adds one batch's counts to a device: its new last seq, events applied and duplicates."""
    _ensure_device(db, device)
    db.execute(
        "UPDATE devices SET last_seq = ?, events_applied = events_applied + ?,"
        " duplicates = duplicates + ?, last_seen = ? WHERE id = ?",
        [last_seq, applied, duplicates, to_db_time(now), device],
    )


def find_event_digests(db: Database, event_ids: Sequence[str]) -> dict[str, str]:
    """Returns the stored content digest of each of `event_ids` already applied."""
    found: dict[str, str] = {}
    for start in range(0, len(event_ids), _IN_CHUNK):
        chunk = list(event_ids[start : start + _IN_CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT id, content_sha256 FROM events WHERE id IN ({marks})", chunk
        ).fetchall()
        found.update((str(event_id), str(digest)) for event_id, digest in rows)
    return found


def insert_events(db: Database, rows: Sequence[EventRow]) -> None:
    """Stores accepted events in the given order (their arrival positions follow it).

    Raises:
        sqlite3.IntegrityError: if an id is already stored (callers dedupe first).
    """
    stamps: dict[datetime, str] = {}
    values = []
    for row in rows:
        received = stamps.get(row.received_at)
        if received is None:
            received = stamps[row.received_at] = to_db_time(row.received_at)
        envelope = row.envelope
        values.append(
            (
                envelope.id,
                envelope.store,
                envelope.device,
                envelope.seq,
                envelope.type,
                to_db_time(envelope.ts),
                received,
                to_json(envelope.payload),
                row.digest,
            )
        )
    db.conn.executemany(
        "INSERT INTO events (id, store, device, seq, type, ts, received_at, payload,"
        " content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )


def count_applied(db: Database, device: str, now: datetime) -> None:
    """Counts one applied event for a device and marks it seen."""
    _ensure_device(db, device)
    db.execute(
        "UPDATE devices SET events_applied = events_applied + 1, last_seen = ? WHERE id = ?",
        [to_db_time(now), device],
    )


def count_duplicate(db: Database, device: str, now: datetime) -> None:
    """Counts one redelivered (ignored) event for a device and marks it seen."""
    _ensure_device(db, device)
    db.execute(
        "UPDATE devices SET duplicates = duplicates + 1, last_seen = ? WHERE id = ?",
        [to_db_time(now), device],
    )


def save_device_state(db: Database, state: DeviceState, now: datetime) -> None:
    """Stores a device's retained state document (profile, status, models, fps, outbox)."""
    _ensure_device(db, state.device)
    db.execute(
        "UPDATE devices SET profile = ?, status = ?, reasons = ?, last_seen = ?, state_ts = ?,"
        " models = ?, index_version = ?, fps = ?, outbox_depth = ? WHERE id = ?",
        [
            state.profile,
            state.status,
            to_json(state.reasons),
            to_db_time(now),
            None if state.ts is None else to_db_time(state.ts),
            to_json(state.models),
            state.index_version,
            state.fps,
            state.outbox_depth,
            state.device,
        ],
    )


def insert_dead_letter(
    db: Database, *, topic: str, reason: str, payload: bytes, received_at: datetime
) -> int:
    """Keeps a rejected message with its reason (its bytes up to `DEAD_LETTER_MAX_BYTES`)."""
    kept = payload[:DEAD_LETTER_MAX_BYTES]
    cursor = db.execute(
        "INSERT INTO dead_letters (topic, reason, payload, payload_size, truncated, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [topic, reason, kept, len(payload), int(len(kept) < len(payload)), to_db_time(received_at)],
    )
    return int(cursor.lastrowid or 0)


_EVENT_COLUMNS = "pos, id, store, device, seq, type, ts, received_at, payload"


def _event(row: tuple[Any, ...]) -> EventRecord:
    pos, event_id, store, device, seq, kind, ts, received_at, payload = row
    return EventRecord(
        pos=int(pos),
        id=str(event_id),
        store=str(store),
        device=str(device),
        seq=int(seq),
        type=str(kind),
        ts=from_db_time(ts),
        received_at=from_db_time(received_at),
        payload=from_json(payload),
    )


def recent_events(db: Database, *, limit: int) -> list[EventRecord]:
    """The `limit` most recently accepted events, newest first."""
    rows = db.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY pos DESC LIMIT ?", [limit]
    ).fetchall()
    return [_event(row) for row in rows]


def events_after(db: Database, pos: int, *, limit: int) -> list[EventRecord]:
    """Accepted events with a position after `pos`, oldest first (for live streams)."""
    rows = db.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE pos > ? ORDER BY pos LIMIT ?", [pos, limit]
    ).fetchall()
    return [_event(row) for row in rows]


def last_event_pos(db: Database) -> int:
    """Position of the newest accepted event (0 when there is none)."""
    row = db.execute("SELECT COALESCE(MAX(pos), 0) FROM events").fetchone()
    return int(row[0])


def list_devices(db: Database) -> list[DeviceRecord]:
    """Every known device, by id, with its count of open seq gaps."""
    rows = db.execute(
        "SELECT d.id, d.profile, d.status, d.reasons, d.last_seen, d.state_ts, d.last_seq,"
        " d.events_applied, d.duplicates,"
        " (SELECT COUNT(*) FROM seq_gaps g WHERE g.device = d.id AND g.filled = 0),"
        " d.models, d.index_version, d.fps, d.outbox_depth FROM devices d ORDER BY d.id"
    ).fetchall()
    return [
        DeviceRecord(
            id=r[0],
            profile=r[1],
            status=r[2],
            reasons=from_json(r[3]),
            last_seen=optional_time(r[4]),
            state_ts=optional_time(r[5]),
            last_seq=int(r[6]),
            events_applied=int(r[7]),
            duplicates=int(r[8]),
            open_gaps=int(r[9]),
            models=from_json(r[10]),
            index_version=r[11],
            fps=r[12],
            outbox_depth=r[13],
        )
        for r in rows
    ]


def list_gaps(db: Database, *, device: str | None = None) -> list[GapRecord]:
    """Recorded seq gaps (open and filled), optionally of one device, oldest first."""
    where, params = ("WHERE device = ?", [device]) if device is not None else ("", [])
    rows = db.execute(
        "SELECT id, device, from_seq, to_seq, detected_at, filled, filled_at FROM seq_gaps "
        f"{where} ORDER BY device, from_seq, id",
        params,
    ).fetchall()
    return [
        GapRecord(r[0], r[1], r[2], r[3], from_db_time(r[4]), bool(r[5]), optional_time(r[6]))
        for r in rows
    ]


def list_dead_letters(db: Database, *, limit: int) -> list[DeadLetterRecord]:
    """The `limit` most recent dead letters, newest first."""
    rows = db.execute(
        "SELECT id, topic, reason, payload, payload_size, truncated, received_at"
        " FROM dead_letters ORDER BY id DESC LIMIT ?",
        [limit],
    ).fetchall()
    return [
        DeadLetterRecord(r[0], r[1], r[2], bytes(r[3]), r[4], bool(r[5]), from_db_time(r[6]))
        for r in rows
    ]


def count_rows(db: Database, table: str) -> int:
    """Number of rows in one of the hub's tables.

    Raises:
        ValueError: if `table` is not a table of the hub's schema.
    """
    if table not in db.table_names():
        raise ValueError(f"no table {table!r}; tables: {sorted(db.table_names())}")
    row = db.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()
    return int(row[0])
