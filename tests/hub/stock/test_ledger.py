"""Tests the stock ledger fed by ingest: sales, receipts, shrink, counts and sightings become
movements (or evidence) named after their event, once; negative stock is flagged; snapshots
keep on-hand equal to the sum of every movement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hub_builders import OAT_MILK, T0, make_envelope
from sqlite_utils import Database

from contracts.envelope import Envelope
from contracts.topics import events_topic
from hub.db import shelf, stock
from hub.db.connection import write_transaction
from hub.ingest.processor import EventProcessor

CEREAL = "05012345678900"


def _sale(store: str, seq: int, lines: list[tuple[str, int]], device: str = "pos-1") -> Envelope:
    payload = {
        "till": device,
        "receipt": f"r{seq}",
        "lines": [{"gtin": g, "quantity": q, "unit_price_cents": 249} for g, q in lines],
    }
    return make_envelope(store, device, seq, type="sale", payload=payload)


def _stock(store: str, seq: int, kind: str, gtin: str, quantity: int, **extra: Any) -> Envelope:
    payload = {"kind": kind, "gtin": gtin, "quantity": quantity, **extra}
    return make_envelope(store, "staff-1", seq, type="stock", payload=payload)


def _apply(processor: EventProcessor, *envelopes: Envelope) -> None:
    processor.handle_batch(
        [(events_topic(e.store, e.device), e.to_json_bytes()) for e in envelopes]
    )


def _movements(db: Database) -> list[tuple[str, str, int, str]]:
    rows = db.execute(
        "SELECT gtin, kind, quantity, source_event FROM stock_movements ORDER BY id"
    ).fetchall()
    return [(str(r[0]), str(r[1]), int(r[2]), str(r[3])) for r in rows]


def test_movements_name_their_event_and_apply_once(hub_db: Database, store_id: str) -> None:
    processor = EventProcessor(hub_db, store_id=store_id, clock=lambda: T0)
    receipt = _stock(store_id, 1, "receipt", OAT_MILK, 10, reference="DN-1")
    sale = _sale(store_id, 1, [(OAT_MILK, 2), (CEREAL, 1), (OAT_MILK, 1)])
    shrink = _stock(store_id, 2, "shrink", OAT_MILK, 1, reason="damaged")
    _apply(processor, receipt, sale, shrink)
    _apply(processor, sale, receipt)  # redelivered: nothing more

    assert _movements(hub_db) == [
        (OAT_MILK, "receipt", 10, receipt.id),
        (OAT_MILK, "sale", -3, sale.id),
        (CEREAL, "sale", -1, sale.id),
        (OAT_MILK, "shrink", -1, shrink.id),
    ]
    assert stock.on_hand_many(hub_db, [OAT_MILK, CEREAL]) == {OAT_MILK: 6, CEREAL: -1}
    (price,) = [p for p in shelf.shelf_prices(hub_db) if p.gtin == OAT_MILK]
    assert (price.price_cents, price.source, price.source_event) == (249, "pos", sale.id)


def test_negative_stock_is_a_flag_opened_and_cleared_by_named_events(
    hub_db: Database, store_id: str
) -> None:
    processor = EventProcessor(hub_db, store_id=store_id, clock=lambda: T0)
    sale = _sale(store_id, 1, [(OAT_MILK, 2)])
    _apply(processor, sale)
    (flag,) = stock.list_flags(hub_db)
    assert (flag.gtin, flag.on_hand, flag.opened_by, flag.cleared_at) == (
        OAT_MILK,
        -2,
        sale.id,
        None,
    )

    late_receipt = _stock(store_id, 1, "receipt", OAT_MILK, 5)
    _apply(processor, late_receipt)
    assert stock.list_flags(hub_db) == []
    (closed,) = stock.list_flags(hub_db, open_only=False)
    assert (closed.cleared_by, closed.on_hand) == (late_receipt.id, 3)


def test_a_count_books_the_difference_and_a_sighting_books_nothing(
    hub_db: Database, store_id: str
) -> None:
    processor = EventProcessor(hub_db, store_id=store_id, clock=lambda: T0)
    _apply(processor, _stock(store_id, 1, "receipt", OAT_MILK, 10))
    count = _stock(store_id, 2, "count", OAT_MILK, 7, location="Aisle 5, bay 2")
    same_count = _stock(store_id, 3, "count", OAT_MILK, 7)
    sighting = _stock(
        store_id, 4, "sighting", OAT_MILK, 4, location="Aisle 6, bay 1", shelf_price_cents=259
    )
    _apply(processor, count, same_count, sighting)

    assert _movements(hub_db)[1:] == [(OAT_MILK, "adjustment", -3, count.id)]
    assert stock.on_hand(hub_db, OAT_MILK) == 7
    assert stock.shelf_location(hub_db, OAT_MILK) == "Aisle 6, bay 1"
    (seen,) = shelf.latest_sightings(hub_db)
    assert (seen.units_seen, seen.shelf_price_cents, seen.source_event) == (4, 259, sighting.id)
    (price,) = shelf.shelf_prices(hub_db)
    assert (price.price_cents, price.source) == (259, "sighting")


def test_snapshots_keep_on_hand_equal_to_the_sum_of_movements(
    hub_db: Database, store_id: str
) -> None:
    clock = iter(T0 + timedelta(seconds=s) for s in range(1000))
    processor = EventProcessor(hub_db, store_id=store_id, clock=lambda: next(clock))
    _apply(processor, _stock(store_id, 1, "receipt", OAT_MILK, 50))
    for seq in range(1, 6):
        _apply(processor, _sale(store_id, seq, [(OAT_MILK, seq), (CEREAL, 1)]))
        if seq in (2, 4):
            with write_transaction(hub_db):
                assert stock.take_snapshots(hub_db, T0) >= 1
    with write_transaction(hub_db):
        assert stock.take_snapshots(hub_db, T0) == 2
        assert stock.take_snapshots(hub_db, T0) == 0  # nothing new since

    _apply(processor, _stock(store_id, 2, "shrink", CEREAL, 2))
    expected = {CEREAL: -7, OAT_MILK: 35}
    assert stock.on_hand_all(hub_db) == stock.on_hand_from_movements(hub_db) == expected
    assert stock.on_hand_many(hub_db, [OAT_MILK, CEREAL, "00000000000000"]) == {
        OAT_MILK: 35,
        CEREAL: -7,
        "00000000000000": 0,
    }
