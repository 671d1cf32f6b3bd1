"""Tests the catalog copy's writes (`hub.db.catalog_write`) on a real hub database: a page ends
as the newest snapshot of each product, whatever order and repetitions it holds; a change to an
indexed column (name) is filed in the index, online stock follows the newest snapshot (rows
updated, added and dropped), and an older snapshot never wins."""

from __future__ import annotations

from typing import Any

from hub_builders import CEREAL, OAT_MILK, T0, catalog_product, change, review
from sqlite_utils import Database

from contracts.catalog import CatalogProduct, WarehouseStockLevel
from hub.db import catalog
from hub.db.connection import write_transaction


def _stock(*levels: tuple[str, int]) -> list[WarehouseStockLevel]:
    return [
        WarehouseStockLevel(warehouse=wh, name=wh.upper(), quantity=q, delivery_days=2)
        for wh, q in levels
    ]


def _product(gtin: str, version: int, **overrides: Any) -> CatalogProduct:
    return catalog_product(gtin, version=version, **overrides)


def _stored(db: Database, gtin: str) -> tuple[str, int, int, list[tuple[str, int]]]:
    record = catalog.get_product(db, gtin)
    assert record is not None
    levels = sorted((lvl.warehouse, lvl.quantity) for lvl in record.product.online_stock)
    return record.product.name, record.product.price_cents, record.product.version, levels


def _apply(db: Database, *products: CatalogProduct) -> None:
    changes = [change(p.version, p) for p in products]
    with write_transaction(db):
        catalog.apply_changes(db, changes, T0)


def test_a_page_ends_as_the_newest_snapshot_of_each_product(hub_db: Database) -> None:
    _apply(
        hub_db,
        _product(OAT_MILK, 1, price_cents=100, online_stock=_stock(("wh-1", 5))),
        _product(CEREAL, 2, name="Granola"),
        _product(OAT_MILK, 3, price_cents=120, online_stock=_stock(("wh-2", 7))),
    )
    assert _stored(hub_db, OAT_MILK) == ("Product 33931", 120, 3, [("wh-2", 7)])
    assert _stored(hub_db, CEREAL) == ("Granola", 249, 2, [])


def test_updates_file_renames_in_the_index_and_follow_the_newest_stock(
    hub_db: Database,
) -> None:
    _apply(hub_db, _product(OAT_MILK, 1, online_stock=_stock(("wh-1", 5), ("wh-2", 1))))
    _apply(hub_db, _product(OAT_MILK, 4, price_cents=80, online_stock=_stock(("wh-1", 2))))
    assert _stored(hub_db, OAT_MILK)[1:] == (80, 4, [("wh-1", 2)])
    _apply(hub_db, _product(OAT_MILK, 6, name="Oat drink", online_stock=_stock(("wh-3", 9))))
    assert _stored(hub_db, OAT_MILK) == ("Oat drink", 249, 6, [("wh-3", 9)])
    by_index = hub_db.execute(
        "SELECT gtin FROM products INDEXED BY products_name WHERE name = 'Oat drink'"
    ).fetchall()
    assert by_index == [(OAT_MILK,)]
    assert hub_db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_an_older_snapshot_or_a_replay_changes_nothing(hub_db: Database) -> None:
    newest = _product(OAT_MILK, 7, name="Oat drink", online_stock=_stock(("wh-1", 3)))
    _apply(hub_db, newest)
    _apply(hub_db, _product(OAT_MILK, 5, name="Old name", online_stock=_stock(("wh-9", 1))))
    _apply(hub_db, newest)
    assert _stored(hub_db, OAT_MILK) == ("Oat drink", 249, 7, [("wh-1", 3)])


def test_reviews_are_upserted_from_every_change_of_a_page(hub_db: Database) -> None:
    oat = _product(OAT_MILK, 1)
    changes = [
        change(1, oat, review(1, OAT_MILK, helpful_votes=1)),
        change(2, _product(OAT_MILK, 2), review(2, OAT_MILK, helpful_votes=5)),
        change(3, _product(OAT_MILK, 3), review(1, OAT_MILK, helpful_votes=9)),
    ]
    with write_transaction(hub_db):
        catalog.apply_changes(hub_db, changes, T0)
    votes = [(r.id, r.helpful_votes) for r in catalog.top_reviews(hub_db, OAT_MILK, limit=5)]
    assert votes == [(1, 9), (2, 5)]
