"""Provides the devices pages' reads beyond `repo`: rejected messages per device and one
device's newest events."""

from __future__ import annotations

from sqlite_utils import Database

from hub.db.codec import from_db_time, from_json
from hub.db.repo import EventRecord

_EVENT_COLUMNS = "pos, id, store, device, seq, type, ts, received_at, payload"


def _event(row: tuple[object, ...]) -> EventRecord:
    pos, event_id, store, device, seq, kind, ts, received_at, payload = row
    return EventRecord(
        pos=int(str(pos)),
        id=str(event_id),
        store=str(store),
        device=str(device),
        seq=int(str(seq)),
        type=str(kind),
        ts=from_db_time(str(ts)),
        received_at=from_db_time(str(received_at)),
        payload=from_json(str(payload)),
    )


def dead_letters_by_device(db: Database) -> dict[str, int]:
    """Rejected messages per device, read from their topic (`aisle/<store>/dev/<device>/...`)."""
    rows = db.execute(
        "SELECT substr(rest, 1, instr(rest, '/') - 1) AS device, COUNT(*) FROM ("
        " SELECT substr(topic, instr(topic, '/dev/') + 5) || '/' AS rest FROM dead_letters"
        " WHERE instr(topic, '/dev/') > 0) GROUP BY device"
    ).fetchall()
    return {str(device): int(count) for device, count in rows}


def device_events(db: Database, device: str, *, limit: int) -> list[EventRecord]:
    """A device's newest events by seq, newest first."""
    rows = db.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE device = ? ORDER BY seq DESC LIMIT ?",
        [device, limit],
    ).fetchall()
    return [_event(row) for row in rows]


def get_event(db: Database, event_id: str) -> EventRecord | None:
    """One accepted event by id, or None."""
    row = db.execute(f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", [event_id]).fetchone()
    return None if row is None else _event(row)
