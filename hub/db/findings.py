"""Provides the discrepancy findings staff act on, and the record of every action taken.

Once the reconciler has finished a run, the findings are those of its latest report
(`reconciliation_findings`). Before the first run they are read live: unknown GTINs from
`demand_signals` and open device seq gaps from `seq_gaps`. Each finding has a stable id
(`<kind>:<key>`), so the actions in `discrepancy_actions` stay attached to it across runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from hub.db.codec import from_db_time, from_json, to_db_time
from hub.domain.dashboard.discrepancies import ActionFacts, FindingFacts


@dataclass(frozen=True, slots=True)
class NewAction:
    """An action to record (see `record_action`)."""

    finding_id: str
    action: str
    actor: str
    gtin: str | None = None
    counted_units: int | None = None
    reason: str | None = None
    movement_id: int | None = None
    outbox_key: str | None = None


_UNKNOWN = (
    "SELECT 'unknown_gtin:' || code AS fid, 'unknown_gtin', code, NULL, SUM(count),"
    " MIN(first_seen), MAX(last_seen), group_concat(device, ', ') FROM demand_signals"
    " GROUP BY code"
)
_GAPS = (
    "SELECT 'seq_gap:' || id AS fid, 'seq_gap', NULL, device, to_seq - from_seq + 1,"
    " detected_at, detected_at, device FROM seq_gaps WHERE filled = 0"
)
_OPEN_LIVE = "NOT EXISTS (SELECT 1 FROM discrepancy_actions a WHERE a.finding_id = f.fid)"
_REPORT = (
    "SELECT f.kind || ':' || f.key, f.kind, f.gtin, f.device, f.detail, f.cause, f.action,"
    " (SELECT MIN(r0.started_at) FROM reconciliation_findings g"
    "  JOIN reconciliation_runs r0 ON r0.id = g.run_id WHERE g.kind = f.kind AND g.key = f.key),"
    " r.started_at FROM reconciliation_findings f JOIN reconciliation_runs r ON r.id = f.run_id"
)


def _finding(row: tuple[object, ...]) -> FindingFacts:
    return FindingFacts(
        id=str(row[0]),
        kind=str(row[1]),
        gtin=None if row[2] is None else str(row[2]),
        device=None if row[3] is None else str(row[3]),
        count=int(str(row[4])),
        first_seen=from_db_time(str(row[5])),
        last_seen=from_db_time(str(row[6])),
        devices=str(row[7] or ""),
    )


def latest_run_id(db: Database) -> int | None:
    """The latest finished reconciliation run, or None before the first."""
    if "reconciliation_runs" not in db.table_names():
        return None
    row = db.execute(
        "SELECT MAX(id) FROM reconciliation_runs WHERE finished_at IS NOT NULL"
    ).fetchone()
    return None if row[0] is None else int(row[0])


def _reported(row: tuple[object, ...]) -> FindingFacts:
    detail = from_json(str(row[4] or "{}"))
    count = detail.get("count", 1) if isinstance(detail, dict) else 1
    return FindingFacts(
        id=str(row[0]),
        kind=str(row[1]),
        gtin=None if row[2] is None else str(row[2]),
        device=None if row[3] is None else str(row[3]),
        count=int(count) if isinstance(count, int) else 1,
        first_seen=from_db_time(str(row[7])),
        last_seen=from_db_time(str(row[8])),
        devices=str(row[3] or ""),
        cause=str(row[5]),
        proposed=str(row[6]),
        reported_at=from_db_time(str(row[8])),
    )


# A reported finding needs a person unless its latest action is a dismissal, or a count or
# correction made after the run that reported it (`hub.domain.dashboard.discrepancies.is_open`).
_OPEN_REPORTED = (
    "NOT EXISTS (SELECT 1 FROM discrepancy_actions a WHERE a.finding_id = f.kind || ':' || f.key"
    " AND a.id = (SELECT MAX(b.id) FROM discrepancy_actions b WHERE b.finding_id = a.finding_id)"
    " AND (a.action = 'dismiss' OR a.acted_at >= r.started_at))"
)


def _open_reported(db: Database, run_id: int, *, limit: int) -> list[FindingFacts]:
    rows = db.execute(
        f"{_REPORT} WHERE f.run_id = ? AND {_OPEN_REPORTED} ORDER BY f.id LIMIT ?",
        [run_id, limit],
    ).fetchall()
    return [_reported(row) for row in rows]


def list_open_findings(db: Database, *, limit: int) -> list[FindingFacts]:
    """Findings that need a person: the latest report's (or, before any run, the live ones)."""
    run_id = latest_run_id(db)
    if run_id is not None:
        return _open_reported(db, run_id, limit=limit)
    rows = db.execute(
        f"SELECT * FROM ({_UNKNOWN} UNION ALL {_GAPS}) f WHERE {_OPEN_LIVE}"
        " ORDER BY 7 DESC, 1 LIMIT ?",
        [limit],
    ).fetchall()
    return [_finding(row) for row in rows]


def count_open_findings(db: Database) -> int:
    """How many findings need a person."""
    run_id = latest_run_id(db)
    if run_id is not None:
        row = db.execute(
            "SELECT COUNT(*) FROM reconciliation_findings f JOIN reconciliation_runs r"
            f" ON r.id = f.run_id WHERE f.run_id = ? AND {_OPEN_REPORTED}",
            [run_id],
        ).fetchone()
        return int(row[0])
    row = db.execute(
        f"SELECT COUNT(*) FROM ({_UNKNOWN} UNION ALL {_GAPS}) f WHERE {_OPEN_LIVE}"
    ).fetchone()
    return int(row[0])


def list_handled_findings(db: Database, *, limit: int) -> list[FindingFacts]:
    """Findings staff acted on, most recent action first."""
    rows = db.execute(
        "SELECT finding_id FROM discrepancy_actions GROUP BY finding_id"
        " ORDER BY MAX(id) DESC LIMIT ?",
        [limit],
    ).fetchall()
    found = (get_finding(db, str(row[0])) for row in rows)
    return [facts for facts in found if facts is not None]


def get_finding(db: Database, finding_id: str) -> FindingFacts | None:
    """One finding by id (open or handled), or None when no such finding exists."""
    kind, _, key = finding_id.partition(":")
    if latest_run_id(db) is not None:
        row = db.execute(
            f"{_REPORT} WHERE f.kind = ? AND f.key = ? ORDER BY f.run_id DESC LIMIT 1",
            [kind, key],
        ).fetchone()
        if row is not None:
            return _reported(row)
    if kind == "unknown_gtin":
        query, params = f"{_UNKNOWN} HAVING code = ?", [key]
    elif kind == "seq_gap" and key.isdigit():
        query = _GAPS.replace("WHERE filled = 0", "WHERE id = ?")
        params = [key]
    else:
        return None
    row = db.execute(query, params).fetchone()
    return None if row is None else _finding(row)


def record_action(db: Database, action: NewAction, *, now: datetime) -> int:
    """Appends a staff action on a finding; returns its id."""
    cursor = db.execute(
        "INSERT INTO discrepancy_actions (finding_id, action, gtin, counted_units, reason,"
        " movement_id, outbox_key, actor, acted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            action.finding_id,
            action.action,
            action.gtin,
            action.counted_units,
            action.reason,
            action.movement_id,
            action.outbox_key,
            action.actor,
            to_db_time(now),
        ],
    )
    return int(cursor.lastrowid or 0)


def actions_for(db: Database, finding_ids: list[str]) -> dict[str, list[ActionFacts]]:
    """The actions recorded on each of `finding_ids`, oldest first."""
    if not finding_ids:
        return {}
    marks = ",".join("?" * len(finding_ids))
    rows = db.execute(
        "SELECT id, finding_id, action, gtin, counted_units, reason, movement_id, outbox_key,"
        f" actor, acted_at FROM discrepancy_actions WHERE finding_id IN ({marks}) ORDER BY id",
        finding_ids,
    ).fetchall()
    found: dict[str, list[ActionFacts]] = {fid: [] for fid in finding_ids}
    for r in rows:
        record = ActionFacts(
            int(r[0]), str(r[1]), str(r[2]), r[3], r[4], r[5], r[6], r[7], str(r[8]),
            from_db_time(str(r[9])),
        )  # fmt: skip
        found[record.finding_id].append(record)
    return found
