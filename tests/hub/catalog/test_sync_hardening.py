"""Tests what makes the change-feed pull safe: pages are checked before anything is applied,
and two syncs pulling the same page (the sync thread and a reconciliation run) apply each change
once, the cursor never moving back."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest
from hub_builders import CEREAL, T0, catalog_product, change
from hub_harness import ServedApp, utc_now

from contracts.catalog import ChangePage
from hub.catalog.client import CentralClient
from hub.catalog.sync import CatalogSync, check_page
from hub.db import catalog
from hub.db.connection import open_database
from hub.errors import CatalogProtocolError


def _page(cursors: list[int], next_cursor: int) -> ChangePage:
    products = [catalog_product(CEREAL, version=c) for c in cursors]
    return ChangePage(
        changes=[change(c, p) for c, p in zip(cursors, products, strict=True)],
        next_cursor=next_cursor,
        has_more=False,
        as_of=T0,
    )


@pytest.mark.parametrize(
    ("asked_after", "cursors", "next_cursor", "expectation"),
    [
        (0, [1, 2, 3], 3, nullcontext()),
        (5, [], 5, nullcontext()),
        (3, [4, 9], 12, nullcontext()),
        (3, [2, 4], 4, pytest.raises(CatalogProtocolError, match="must grow past 3")),
        (0, [1, 3, 2], 3, pytest.raises(CatalogProtocolError, match="must grow past 3")),
        (0, [1, 1], 1, pytest.raises(CatalogProtocolError, match="must grow past 1")),
        (0, [1, 2], 1, pytest.raises(CatalogProtocolError, match="behind the page's last")),
        (7, [], 6, pytest.raises(CatalogProtocolError, match="went backwards")),
    ],
)
def test_a_page_is_checked_before_anything_applies(
    asked_after: int,
    cursors: list[int],
    next_cursor: int,
    expectation: AbstractContextManager[object],
) -> None:
    with expectation:
        check_page(asked_after, _page(cursors, next_cursor))


def test_two_syncs_applying_the_same_page_apply_each_change_once(
    db_path: Path, central: ServedApp
) -> None:
    syncs = [
        CatalogSync(
            CentralClient(central.base_url, timeout_s=5),
            open_database(db_path, run_migrations=False),
            clock=utc_now,
            page_limit=50,
        )
        for _ in range(2)
    ]
    client = CentralClient(central.base_url, timeout_s=5)
    first_page = client.changes(0, limit=50)
    assert syncs[0].apply_page(0, first_page) == 50
    assert syncs[1].apply_page(0, first_page) == 0  # fetched before the other one committed
    report = syncs[1].run_once()
    db = open_database(db_path, run_migrations=False)
    state = catalog.load_sync_state(db)
    assert state.changes_applied == state.cursor == report.cursor  # every change once
    assert syncs[0].apply_page(0, first_page) == 0
    assert catalog.load_sync_state(db).cursor == report.cursor  # never moved back
