"""Provides the central outbox table: writes the hub owes central, kept until central has them.

A row is written in the same transaction as the thing it delivers (an order, an availability
snapshot), so nothing is lost when central is down or the hub stops. Each row carries the
idempotency key central dedupes on; enqueueing the same key twice keeps the first row.
Functions take a `Database` and run inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from hub.db.codec import from_db_time, optional_time, to_db_time
from hub.domain.retry import OutboxState, RetryDecision, WriteMethod

_COLUMNS = (
    "id, kind, idempotency_key, method, path, body, ref, state, attempts, next_attempt_at,"
    " created_at, last_attempt_at, finished_at, last_error, response_status, response_body"
)
MAX_ERROR_CHARS = 500
OUTBOX_STATES: tuple[OutboxState, ...] = ("pending", "sent", "failed_permanent")


@dataclass(frozen=True, slots=True)
class OutboxWrite:
    """A write to queue for central.

    Attributes:
        kind: what it is (`order`, `availability`, ...); picks the result handler.
        idempotency_key: central's dedupe key; the same on every retry.
        method: POST or PUT.
        path: the path under central's base URL.
        body: the JSON body.
        ref: the local id it belongs to (e.g. the hub's order id), or None.
    """

    kind: str
    idempotency_key: str
    method: WriteMethod
    path: str
    body: str
    ref: str | None = None

    def __post_init__(self) -> None:
        if not self.kind or len(self.kind) > 40:
            raise ValueError(f"kind must be 1-40 characters, got {self.kind!r}")
        key = self.idempotency_key
        if not 1 <= len(key) <= 255 or not all(0x21 <= ord(c) <= 0x7E for c in key):
            raise ValueError(f"idempotency key must be 1-255 visible ASCII chars, got {key!r}")
        if not self.path.startswith("/"):
            raise ValueError(f"path must start with '/', got {self.path!r}")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One stored outbox row (see `OutboxWrite` for the request fields)."""

    id: int
    write: OutboxWrite
    state: OutboxState
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    last_attempt_at: datetime | None
    finished_at: datetime | None
    last_error: str | None
    response_status: int | None
    response_body: str | None


def _row(values: tuple[object, ...]) -> OutboxRow:
    (row_id, kind, key, method, path, body, ref, state, attempts, next_at) = values[:10]
    created, last_attempt, finished, error, status, answer = values[10:]
    return OutboxRow(
        id=int(str(row_id)),
        write=OutboxWrite(str(kind), str(key), _method(method), str(path), str(body), _text(ref)),
        state=_state(state),
        attempts=int(str(attempts)),
        next_attempt_at=optional_time(_text(next_at)),
        created_at=from_db_time(str(created)),
        last_attempt_at=optional_time(_text(last_attempt)),
        finished_at=optional_time(_text(finished)),
        last_error=_text(error),
        response_status=None if status is None else int(str(status)),
        response_body=_text(answer),
    )


def _method(value: object) -> WriteMethod:
    if value == "POST":
        return "POST"
    if value == "PUT":
        return "PUT"
    raise ValueError(f"outbox row has an unknown method {value!r}")


def _state(value: object) -> OutboxState:
    for state in OUTBOX_STATES:
        if value == state:
            return state
    raise ValueError(f"outbox row has an unknown state {value!r}")


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def enqueue(db: Database, write: OutboxWrite, *, now: datetime) -> OutboxRow:
    """Queues a write, due at once; a write with a key already queued keeps the first row.

    Returns:
        The stored row (the earlier one when the key was already queued).
    """
    db.execute(
        "INSERT OR IGNORE INTO central_outbox"
        " (kind, idempotency_key, method, path, body, ref, state, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        [
            write.kind,
            write.idempotency_key,
            write.method,
            write.path,
            write.body,
            write.ref,
            to_db_time(now),
            to_db_time(now),
        ],
    )
    row = by_key(db, write.idempotency_key)
    if row is None:
        raise RuntimeError(f"outbox row {write.idempotency_key!r} vanished after insert")
    return row


def by_key(db: Database, idempotency_key: str) -> OutboxRow | None:
    """The row with this idempotency key, or None."""
    found = db.execute(
        f"SELECT {_COLUMNS} FROM central_outbox WHERE idempotency_key = ?", [idempotency_key]
    ).fetchone()
    return None if found is None else _row(tuple(found))


def get(db: Database, row_id: int) -> OutboxRow | None:
    """The row with this id, or None."""
    found = db.execute(f"SELECT {_COLUMNS} FROM central_outbox WHERE id = ?", [row_id]).fetchone()
    return None if found is None else _row(tuple(found))


def due(db: Database, *, now: datetime, limit: int) -> list[OutboxRow]:
    """Pending rows whose next attempt time has come, oldest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM central_outbox WHERE state = 'pending'"
        " AND next_attempt_at <= ? ORDER BY id LIMIT ?",
        [to_db_time(now), limit],
    ).fetchall()
    return [_row(tuple(r)) for r in rows]


def next_due_at(db: Database) -> datetime | None:
    """The earliest next attempt time of any pending row, or None when nothing is pending."""
    found = db.execute(
        "SELECT MIN(next_attempt_at) FROM central_outbox WHERE state = 'pending'"
    ).fetchone()
    return optional_time(None if found is None else _text(found[0]))


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """What one attempt produced, to store on its row.

    Attributes:
        decision: the row's next state (and next attempt time when pending).
        error: why it failed, or None when delivered.
        response_status: central's HTTP status, None when central was not reached.
        response_body: central's answer text, None when not reached.
    """

    decision: RetryDecision
    error: str | None
    response_status: int | None
    response_body: str | None


def record_attempt(db: Database, row_id: int, record: AttemptRecord, *, now: datetime) -> None:
    """Stores the outcome of one attempt: attempts + 1, the new state and central's answer."""
    decision = record.decision
    finished = None if decision.state == "pending" else to_db_time(now)
    next_at = None if decision.next_attempt_at is None else to_db_time(decision.next_attempt_at)
    error = None if record.error is None else record.error[:MAX_ERROR_CHARS]
    db.execute(
        "UPDATE central_outbox SET attempts = attempts + 1, state = ?, next_attempt_at = ?,"
        " last_attempt_at = ?, finished_at = ?, last_error = ?,"
        " response_status = COALESCE(?, response_status),"
        " response_body = COALESCE(?, response_body) WHERE id = ?",
        [
            decision.state,
            next_at,
            to_db_time(now),
            finished,
            error,
            record.response_status,
            record.response_body,
            row_id,
        ],
    )


def wake_all(db: Database, *, now: datetime) -> int:
    """Makes every pending row due now (e.g. staff pressed "retry now").

    Returns:
        How many rows were rescheduled.
    """
    cursor = db.execute(
        "UPDATE central_outbox SET next_attempt_at = ? WHERE state = 'pending'",
        [to_db_time(now)],
    )
    return int(cursor.rowcount)


def count_by_state(db: Database) -> dict[str, int]:
    """Row counts per state (every state present, zero when empty)."""
    counts: dict[str, int] = dict.fromkeys(OUTBOX_STATES, 0)
    for state, count in db.execute(
        "SELECT state, COUNT(*) FROM central_outbox GROUP BY state"
    ).fetchall():
        counts[str(state)] = int(count)
    return counts


def list_rows(
    db: Database, *, state: OutboxState | None = None, kind: str | None = None, limit: int
) -> list[OutboxRow]:
    """Rows newest first, optionally of one state and/or kind."""
    clauses: list[str] = []
    params: list[object] = []
    if state is not None:
        clauses.append("state = ?")
        params.append(state)
    if kind is not None:
        clauses.append("kind = ?")
        params.append(kind)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM central_outbox{where} ORDER BY id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [_row(tuple(r)) for r in rows]
