"""Tests the AI audit log: ingest records each confirmed scan once, rows are append-only, and
`record_ai_decision` refuses a malformed input hash."""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from typing import Any

import pytest
from hub_builders import make_envelope
from sqlite_utils import Database
from web_harness import FakeClock

from contracts.topics import events_topic
from hub.db.audit import AiDecision, list_decisions, sha256_hex
from hub.ingest.processor import EventProcessor


def test_ingest_records_a_confirmed_scan_once(hub_db: Database, clock: FakeClock) -> None:
    processor = EventProcessor(hub_db, store_id="demo", clock=clock)
    envelope = make_envelope("demo", "kiosk-1", 1)
    topic = events_topic("demo", "kiosk-1")
    processor.handle(topic, envelope.to_json_bytes())
    processor.handle(topic, envelope.to_json_bytes())  # redelivered: deduped
    rows = list_decisions(hub_db, before_id=None, limit=10)
    assert len(rows) == 1
    decision = rows[0].decision
    assert (decision.kind, decision.action, decision.model_name) == ("scan", "card_lookup", "zxing")
    assert (decision.event_id, decision.subject, decision.score) == (
        envelope.id,
        envelope.payload["gtin"],
        3.0,
    )
    assert decision.approved_by == "auto:multi-frame consensus"
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        hub_db.execute("DELETE FROM ai_audit")


@pytest.mark.parametrize(
    ("overrides", "expectation"),
    [
        ({}, nullcontext()),
        ({"input_sha256": "abc"}, pytest.raises(ValueError, match="64 lowercase hex")),
        ({"approved_by": ""}, pytest.raises(ValueError, match="must not be empty")),
    ],
)
def test_ai_decision_checks_its_fields(overrides: dict[str, Any], expectation: Any) -> None:
    fields: dict[str, Any] = {
        "kind": "price_proposal",
        "action": "price_change",
        "model_name": "markdown-rule",
        "model_version": "1",
        "input_sha256": sha256_hex("stock 2, days to expiry 1"),
        "approved_by": "morgan",
        "score": 0.91,
        "threshold": 0.8,
    }
    with expectation:
        AiDecision(**{**fields, **overrides})
