"""Tests the POS feed end to end: the till simulator's sales travel through its outbox and a
real mosquitto into the hub's ledger, each unit exactly once, even when the till runs twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hub_harness import RunningIngest
from sqlite_utils import Database

from aisle.broker import BrokerEndpoint
from hub.db import stock
from tools import pos_sim


def _sold_in_ledger(db: Database) -> dict[str, int]:
    rows = db.execute(
        "SELECT gtin, -SUM(quantity) FROM stock_movements WHERE kind = 'sale' GROUP BY gtin"
    ).fetchall()
    return {str(g): int(q) for g, q in rows}


def test_pos_sales_reach_the_ledger_exactly_once(
    mqtt_broker: BrokerEndpoint,
    running_ingest: RunningIngest,
    hub_db: Database,
    store_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(pos_sim.PASSWORD_ENV, mqtt_broker.password)
    url = f"mqtt://{mqtt_broker.username}@{mqtt_broker.host}:{mqtt_broker.port}"
    expected_path = tmp_path / "expected.json"
    args = ["--broker-url", url, "--store", store_id, "--register", "pos-7", "--sales", "30"]
    args += ["--outbox", str(tmp_path / "pos.db"), "--expected", str(expected_path)]
    assert pos_sim.main(args) == 0
    running_ingest.wait_received(30)
    expected = json.loads(expected_path.read_text())
    assert _sold_in_ledger(hub_db) == expected

    # Ringing up the next 10 sales (another seed) from the same outbox continues the seq.
    assert pos_sim.main([*args[:-4], "--sales", "10", "--seed", "2", "--outbox", args[-3]]) == 0
    running_ingest.wait_received(40)
    (till,) = [d for d in running_ingest.processor.counters.by_type.items() if d[0] == "sale"]
    assert till == ("sale", 40)
    assert stock.list_flags(
        hub_db
    )  # no goods were received here: every product sold is flagged negative
    assert running_ingest.processor.counters.gaps_opened == 0
