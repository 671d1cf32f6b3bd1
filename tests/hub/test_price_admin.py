"""Tests `aisle hub propose-prices`: the job over a real database file, twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hub_builders import OAT_MILK, T0, catalog_product, change
from sqlite_utils import Database

from hub.__main__ import main as hub_main
from hub.db import catalog, pricing, stock
from hub.db.connection import write_transaction
from hub.db.stock import Movement


def test_propose_prices_proposes_once_then_keeps(
    db_path: Path, hub_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with write_transaction(hub_db):
        catalog.apply_change(hub_db, change(1, catalog_product(OAT_MILK)), T0)
        stock.record_movement(hub_db, Movement(OAT_MILK, "receipt", 90, "delivery:1"), T0)
    assert hub_main(["propose-prices", "--db", str(db_path)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first == {"products": 1, "proposed": 1, "kept": 0, "superseded": 0, "open": 1}
    assert hub_main(["propose-prices", "--db", str(db_path)]) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["proposed"], second["kept"], second["open"]) == (0, 1, 1)
    (open_one,) = pricing.list_proposals(hub_db)
    assert (open_one.proposal.kind, open_one.proposal.proposed_cents) == ("markdown", 209)
