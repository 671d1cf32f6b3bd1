"""Provides the AI audit log: every model output that drove an action, with the model's name,
version and sha256, a hash of its input, its score and threshold, and who approved it.

Append-only (triggers refuse UPDATE and DELETE). `record_ai_decision` runs inside the caller's
transaction, so the decision and the action it drove are committed together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from hub.db.codec import from_db_time, from_json, to_db_time, to_json

AUTO_APPROVED = "auto"


@dataclass(frozen=True, slots=True)
class AiDecision:
    """One AI output that drove an action.

    Attributes:
        kind: what produced it: `scan`, `search`, `price_proposal`, `stock_correction`, ...
        action: what it drove, e.g. `card_lookup`, `price_change`, `ledger_adjustment`.
        model_name: the model (or decoder) name.
        model_version: its version (`unknown` when the device did not report one).
        input_sha256: SHA-256 of the input the model saw (hex); frames never leave the device,
            so for device outputs this is the hash of what the device sent.
        approved_by: a staff username, or `auto` / `auto:<policy>` for automatic actions.
        subject: what it is about (e.g. a GTIN), if anything.
        model_sha256: the model file's SHA-256, when known.
        score: the output's score (confidence, votes, ...), when it has one.
        threshold: the threshold the score was compared with, when there is one.
        output: the output itself, JSON-ready.
        device: the device that produced it, if any.
        event_id: the event that carried it, if any (one row per event and kind).
    """

    kind: str
    action: str
    model_name: str
    model_version: str
    input_sha256: str
    approved_by: str
    subject: str | None = None
    model_sha256: str | None = None
    score: float | None = None
    threshold: float | None = None
    output: dict[str, Any] = field(default_factory=dict)
    device: str | None = None
    event_id: str | None = None

    def __post_init__(self) -> None:
        if len(self.input_sha256) != 64 or any(
            c not in "0123456789abcdef" for c in self.input_sha256
        ):
            raise ValueError(
                f"input_sha256 must be 64 lowercase hex digits, got {self.input_sha256!r}"
            )
        if not self.kind or not self.action or not self.model_name or not self.approved_by:
            raise ValueError("kind, action, model_name and approved_by must not be empty")


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One stored decision with its id and time."""

    id: int
    recorded_at: datetime
    decision: AiDecision


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 (hex) of bytes or of a string's UTF-8 bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def record_ai_decision(db: Database, decision: AiDecision, *, now: datetime) -> bool:
    """Appends a decision (once per event and kind when it names an event).

    Returns:
        True if recorded, False if this event's decision of this kind was already recorded.
    """
    cursor = db.execute(
        "INSERT OR IGNORE INTO ai_audit (recorded_at, kind, action, subject, model_name,"
        " model_version, model_sha256, input_sha256, score, threshold, output, approved_by,"
        " device, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            to_db_time(now), decision.kind, decision.action, decision.subject,
            decision.model_name, decision.model_version, decision.model_sha256,
            decision.input_sha256, decision.score, decision.threshold, to_json(decision.output),
            decision.approved_by, decision.device, decision.event_id,
        ],
    )  # fmt: skip
    return cursor.rowcount == 1


_COLUMNS = (
    "id, recorded_at, kind, action, subject, model_name, model_version, model_sha256,"
    " input_sha256, score, threshold, output, approved_by, device, event_id"
)


def _row(r: tuple[Any, ...]) -> AuditRow:
    decision = AiDecision(
        kind=r[2], action=r[3], subject=r[4], model_name=r[5], model_version=r[6],
        model_sha256=r[7], input_sha256=r[8], score=r[9], threshold=r[10],
        output=from_json(r[11]), approved_by=r[12], device=r[13], event_id=r[14],
    )  # fmt: skip
    return AuditRow(int(r[0]), from_db_time(r[1]), decision)


def list_decisions(
    db: Database, *, kind: str = "", model: str = "", before_id: int | None, limit: int
) -> list[AuditRow]:
    """Decisions newest first, optionally of one kind and/or one model, before an id (paging)."""
    clauses = ["id < ?"]
    params: list[object] = [before_id if before_id is not None else 2**62]
    if kind:
        clauses.append("kind = ?")
        params.append(kind)
    if model:
        clauses.append("model_name = ?")
        params.append(model)
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM ai_audit WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [_row(r) for r in rows]


def audit_facets(db: Database) -> tuple[list[str], list[str]]:
    """The kinds and model names present in the log (for the filters)."""
    kinds = [str(r[0]) for r in db.execute("SELECT DISTINCT kind FROM ai_audit ORDER BY 1")]
    models = [str(r[0]) for r in db.execute("SELECT DISTINCT model_name FROM ai_audit ORDER BY 1")]
    return kinds, models


def record_scan_decision(
    db: Database,
    *,
    event_id: str,
    device: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Records a confirmed device scan that drives a product lookup (called by ingest).

    The decoder's version comes from the device's reported models (`unknown` if not reported);
    the score is the number of frames that agreed.

    Returns:
        True if recorded, False if the event was already recorded or carries no GTIN.
    """
    gtin = payload.get("gtin")
    if not gtin:
        return False
    engine = str(payload.get("engine") or "decoder")
    row = db.execute("SELECT models FROM devices WHERE id = ?", [device]).fetchone()
    models: dict[str, str] = from_json(row[0]) if row is not None else {}
    decision = AiDecision(
        kind="scan",
        action="card_lookup",
        model_name=engine,
        model_version=str(models.get(engine, models.get("scan", "unknown"))),
        input_sha256=sha256_hex(to_json(payload)),
        approved_by=f"{AUTO_APPROVED}:multi-frame consensus",
        subject=str(gtin),
        score=float(payload.get("frames_confirmed", 0)),
        output={"gtin": gtin, "symbology": payload.get("symbology")},
        device=device,
        event_id=event_id,
    )
    return record_ai_decision(db, decision, now=now)
