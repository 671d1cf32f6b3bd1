"""Tests ingest of `search` events: stored once, their demand signals ("searched, no good match",
"searched but out of stock here"), their AI audit rows, and the glasses' answer to them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hub_builders import OAT_MILK, T0, UNKNOWN_GTIN, catalog_product, change, gtin14, make_envelope
from hub_harness import utc_now
from sqlite_utils import Database

from contracts.envelope import Envelope
from contracts.payloads import DeviceState
from contracts.topics import answer_topic, events_topic, state_topic
from hub.answers.search_answer import build_search_answer
from hub.db import audit, catalog, stock
from hub.db.connection import write_transaction
from hub.db.search_signals import list_search_signals, search_demand
from hub.db.stock import Movement
from hub.ingest.processor import EventProcessor

GRANOLA = gtin14("5014521002622")
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "payloads"


def _seed(db: Database) -> None:
    oat = catalog_product(OAT_MILK, name="Oat milk 1 l", price_cents=249)
    granola = catalog_product(GRANOLA, name="Crunchy oat granola 500 g", price_cents=399)
    with write_transaction(db):
        catalog.apply_change(db, change(1, oat), T0)
        catalog.apply_change(db, change(2, granola), T0)
        stock.record_movement(db, Movement(OAT_MILK, "receipt", 14, "seed:test"), T0)


def _search(
    store: str, device: str, seq: int, hits: list[str], *, abstained: bool, **extra: Any
) -> Envelope:
    payload = json.loads((FIXTURES / "search_v1.json").read_text())["payload"]
    payload.update(
        hits=[{"gtin": g, "score": 0.9 - 0.1 * i, "in_stock": True} for i, g in enumerate(hits)],
        abstained=abstained,
        top_score=0.9 if hits else 0.0,
        **extra,
    )
    return make_envelope(store, device, seq, type="search", payload=payload)


@pytest.fixture
def processor(hub_db: Database, store_id: str) -> EventProcessor:
    """A processor on a hub database that knows oat milk (14 on hand) and granola (none)."""
    _seed(hub_db)
    return EventProcessor(hub_db, store_id=store_id, clock=utc_now)


def _apply(processor: EventProcessor, envelope: Envelope) -> None:
    outcome = processor.handle(
        events_topic(envelope.store, envelope.device), envelope.to_json_bytes()
    )
    assert outcome.result in ("applied", "duplicate"), outcome.reason


@pytest.mark.parametrize(
    ("hits", "abstained", "kind", "gtin"),
    [
        ([OAT_MILK, GRANOLA], False, None, None),  # sure and on the shelf: no signal
        ([GRANOLA, OAT_MILK], False, "out_of_stock", GRANOLA),
        ([OAT_MILK, GRANOLA], True, "no_match", OAT_MILK),  # candidates are kept
        ([UNKNOWN_GTIN], False, "no_match", UNKNOWN_GTIN),  # the hub's catalog lacks it
        ([], True, "no_match", None),
    ],
)
def test_a_search_records_its_demand_signal_and_audit_row(
    processor: EventProcessor,
    hub_db: Database,
    store_id: str,
    hits: list[str],
    abstained: bool,
    kind: str | None,
    gtin: str | None,
) -> None:
    envelope = _search(store_id, "kiosk-1", 1, hits, abstained=abstained)
    _apply(processor, envelope)
    _apply(processor, envelope)  # redelivered: nothing twice
    signals = list_search_signals(hub_db)
    assert [(s.kind, s.gtin, s.candidates) for s in signals] == (
        [] if kind is None else [(kind, gtin, tuple(hits))]
    )
    (row,) = audit.list_decisions(hub_db, kind="search", before_id=None, limit=10)
    decision = row.decision
    assert decision.event_id == envelope.id and decision.action == "search_results"
    assert decision.subject == (None if abstained or not hits else hits[0])
    assert decision.input_sha256 == envelope.payload["input_sha256"]
    assert (decision.score, decision.threshold) == (envelope.payload["top_score"], 0.79)
    assert decision.model_sha256 == envelope.payload["model_sha256"]


def test_search_demand_sums_per_product(
    processor: EventProcessor, hub_db: Database, store_id: str
) -> None:
    for seq in (1, 2, 3):
        _apply(processor, _search(store_id, "kiosk-1", seq, [GRANOLA], abstained=False))
    _apply(processor, _search(store_id, "glasses-1", 1, [OAT_MILK], abstained=True))
    demand = {(d.kind, d.gtin): d.count for d in search_demand(hub_db, since=T0)}
    assert demand == {("out_of_stock", GRANOLA): 3, ("no_match", OAT_MILK): 1}


def _announce_glasses(processor: EventProcessor, store: str, device: str) -> None:
    state = DeviceState.model_validate(
        {"device": device, "profile": "glasses", "status": "online", "ts": T0}
    )
    processor.handle(state_topic(store, device), state.model_dump_json().encode())


@pytest.mark.parametrize(
    ("hits", "abstained", "text", "gtin"),
    [
        ([OAT_MILK], False, "Oat milk 1 l, 2.49 here (92% sure)", OAT_MILK),
        (
            [GRANOLA],
            False,
            "Crunchy oat granola 500 g, 3.99 here, none in stock here (92% sure)",
            GRANOLA,
        ),
        (
            [OAT_MILK, UNKNOWN_GTIN, GRANOLA],
            True,
            "Not sure — maybe Oat milk 1 l or Crunchy oat granola 500 g",
            None,
        ),
        ([UNKNOWN_GTIN], False, "Not sure what this is", None),
    ],
)
def test_glasses_answer_to_a_search(
    processor: EventProcessor,
    hub_db: Database,
    store_id: str,
    hits: list[str],
    abstained: bool,
    text: str,
    gtin: str | None,
) -> None:
    _announce_glasses(processor, store_id, "glasses-1")
    envelope = _search(store_id, "glasses-1", 1, hits, abstained=abstained)
    _apply(processor, envelope)
    built = build_search_answer(hub_db, envelope.id)
    assert built is not None
    topic, answer = built
    assert topic == answer_topic(store_id, "glasses-1")
    assert (answer.event_id, answer.text, answer.gtin) == (envelope.id, text, gtin)
    (row,) = audit.list_decisions(hub_db, kind="search", before_id=None, limit=10)
    assert row.decision.action == "glasses_answer"


def test_kiosk_searches_are_not_answered(
    processor: EventProcessor, hub_db: Database, store_id: str
) -> None:
    envelope = _search(store_id, "kiosk-1", 1, [OAT_MILK], abstained=False)
    _apply(processor, envelope)
    assert build_search_answer(hub_db, envelope.id) is None
