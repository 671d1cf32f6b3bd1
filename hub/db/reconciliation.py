"""Provides the reconciliation tables: the inputs a run reads, the runs and their findings.

A run row is written when the run starts and finished with its findings in one transaction, so
a run that died half-way is visible as unfinished (with no findings) rather than missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.db.codec import from_db_time, from_json, optional_time, to_db_time, to_json
from hub.domain.reconciliation import Finding

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One reconciliation run as stored."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    central_reachable: bool
    cursor_before: int | None
    cursor_after: int | None
    changes_applied: int
    availability_key: str | None
    availability_items: int
    findings: int
    error: str | None


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run found, written when it finishes."""

    central_reachable: bool
    cursor_before: int | None
    cursor_after: int | None
    changes_applied: int
    availability_key: str | None
    availability_items: int
    error: str | None


def start_run(db: Database, now: datetime) -> int:
    """Records the start of a run; returns its id."""
    cursor = db.execute(
        "INSERT INTO reconciliation_runs (started_at) VALUES (?)", [to_db_time(now)]
    )
    return int(cursor.lastrowid or 0)


def finish_run(
    db: Database, run_id: int, summary: RunSummary, findings: Sequence[Finding], now: datetime
) -> None:
    """Stores a run's findings and summary (call inside the run's final transaction)."""
    db.conn.executemany(
        "INSERT INTO reconciliation_findings (run_id, kind, key, gtin, device, detail, cause,"
        " action, action_taken) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                run_id,
                f.kind,
                f.key,
                f.gtin,
                f.device,
                to_json(dict(f.detail)),
                f.cause,
                f.action,
                int(f.action_taken),
            )
            for f in findings
        ],
    )
    db.execute(
        "UPDATE reconciliation_runs SET finished_at = ?, central_reachable = ?, cursor_before = ?,"
        " cursor_after = ?, changes_applied = ?, availability_key = ?, availability_items = ?,"
        " findings = ?, error = ? WHERE id = ?",
        [
            to_db_time(now),
            int(summary.central_reachable),
            summary.cursor_before,
            summary.cursor_after,
            summary.changes_applied,
            summary.availability_key,
            summary.availability_items,
            len(findings),
            summary.error,
            run_id,
        ],
    )


_RUN_COLUMNS = (
    "id, started_at, finished_at, central_reachable, cursor_before, cursor_after,"
    " changes_applied, availability_key, availability_items, findings, error"
)


def _run(row: Sequence[Any]) -> RunRecord:
    return RunRecord(
        int(row[0]),
        from_db_time(row[1]),
        optional_time(row[2]),
        bool(row[3]),
        row[4],
        row[5],
        int(row[6]),
        row[7],
        int(row[8]),
        int(row[9]),
        row[10],
    )


def list_runs(db: Database, *, limit: int) -> list[RunRecord]:
    """The most recent runs, newest first."""
    rows = db.execute(
        f"SELECT {_RUN_COLUMNS} FROM reconciliation_runs ORDER BY id DESC LIMIT ?", [limit]
    ).fetchall()
    return [_run(r) for r in rows]


def get_run(db: Database, run_id: int) -> RunRecord | None:
    """One run by id, or None."""
    row = db.execute(
        f"SELECT {_RUN_COLUMNS} FROM reconciliation_runs WHERE id = ?", [run_id]
    ).fetchone()
    return None if row is None else _run(row)


def latest_finished_run(db: Database) -> RunRecord | None:
    """The newest finished run, or None before the first one finished."""
    row = db.execute(
        f"SELECT {_RUN_COLUMNS} FROM reconciliation_runs WHERE finished_at IS NOT NULL"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else _run(row)


def run_findings(db: Database, run_id: int) -> list[Finding]:
    """The findings of one run, by kind and key."""
    rows = db.execute(
        "SELECT kind, key, cause, action, action_taken, gtin, device, detail"
        " FROM reconciliation_findings WHERE run_id = ? ORDER BY kind, key",
        [run_id],
    ).fetchall()
    return [
        Finding(r[0], r[1], r[2], r[3], bool(r[4]), gtin=r[5], device=r[6], detail=from_json(r[7]))
        for r in rows
    ]


def catalog_prices(db: Database, gtins: Iterable[str]) -> dict[str, int]:
    """Central's base price of each of `gtins` the local catalog copy holds."""
    wanted = list(dict.fromkeys(gtins))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        rows = db.execute(
            f"SELECT gtin, price_cents FROM products WHERE gtin IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        found.update((str(g), int(p)) for g, p in rows)
    return found


def unknown_demand(db: Database) -> list[tuple[str, int, str]]:
    """`(code, scans, devices)` of scanned codes the local catalog copy does not hold."""
    rows = db.execute(
        "SELECT code, SUM(count), group_concat(device, ', ') FROM demand_signals"
        " WHERE code NOT IN (SELECT gtin FROM products) GROUP BY code ORDER BY code"
    ).fetchall()
    return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]


def open_gaps(db: Database) -> list[tuple[str, int, int, datetime]]:
    """`(device, from_seq, to_seq, detected_at)` of every open seq gap."""
    rows = db.execute(
        "SELECT device, from_seq, to_seq, detected_at FROM seq_gaps WHERE filled = 0"
        " ORDER BY device, from_seq"
    ).fetchall()
    return [(str(r[0]), int(r[1]), int(r[2]), from_db_time(r[3])) for r in rows]


def queued_orders(db: Database) -> list[tuple[str, datetime, int, str | None]]:
    """`(order id, created_at, outbox attempts, last error)` of orders still queued."""
    rows = db.execute(
        "SELECT o.id, o.created_at, COALESCE(c.attempts, 0), c.last_error FROM delivery_orders o"
        " LEFT JOIN central_outbox c ON c.idempotency_key = o.outbox_key"
        " WHERE o.state = 'queued' ORDER BY o.created_at"
    ).fetchall()
    return [(str(r[0]), from_db_time(r[1]), int(r[2]), r[3]) for r in rows]


def open_reservations(db: Database) -> list[tuple[str, str, str, datetime]]:
    """`(id, gtin, state, expires_at)` of reservations still new or ready."""
    rows = db.execute(
        "SELECT id, gtin, state, expires_at FROM reservations WHERE state IN ('new', 'ready')"
        " ORDER BY expires_at"
    ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2]), from_db_time(r[3])) for r in rows]


def last_movement_id(db: Database) -> int:
    """The id of the newest stock movement (0 when the ledger is empty)."""
    row = db.execute("SELECT COALESCE(MAX(id), 0) FROM stock_movements").fetchone()
    return int(row[0])


def latest_push_state(db: Database) -> str | None:
    """The state of the newest availability push in the central outbox, if any."""
    row = db.execute(
        "SELECT state FROM central_outbox WHERE kind = 'availability' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])
