"""Provides the discrepancy findings staff act on, and the record of every action taken.

Findings are read where they are kept: unknown GTINs from `demand_signals`, device seq gaps
from `seq_gaps` (open ones only), and the reconciliation report rows when that table exists.
Each finding has a stable id (`<kind>:<key>`), so the actions in `discrepancy_actions` stay
attached to it; a finding with an action recorded is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from hub.db.codec import from_db_time, to_db_time
from hub.domain.dashboard.discrepancies import ActionFacts, FindingFacts

FINDING_KINDS = ("unknown_gtin", "seq_gap")


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
_RESOLVED = "EXISTS (SELECT 1 FROM discrepancy_actions a WHERE a.finding_id = f.fid)"


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


def list_findings(db: Database, *, resolved: bool, limit: int) -> list[FindingFacts]:
    """Open (or resolved) findings, most recently seen first."""
    condition = _RESOLVED if resolved else f"NOT {_RESOLVED}"
    rows = db.execute(
        f"SELECT * FROM ({_UNKNOWN} UNION ALL {_GAPS}) f WHERE {condition}"
        " ORDER BY 7 DESC, 1 LIMIT ?",
        [limit],
    ).fetchall()
    return [_finding(row) for row in rows]


def count_open_findings(db: Database) -> int:
    """How many findings have no action recorded."""
    row = db.execute(
        f"SELECT COUNT(*) FROM ({_UNKNOWN} UNION ALL {_GAPS}) f WHERE NOT {_RESOLVED}"
    ).fetchone()
    return int(row[0])


def get_finding(db: Database, finding_id: str) -> FindingFacts | None:
    """One finding by id (open or resolved), or None when no such finding exists."""
    kind, _, key = finding_id.partition(":")
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
