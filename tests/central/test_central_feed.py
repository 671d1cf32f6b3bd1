"""Tests central's change feed: paging, resume after a restart, snapshots, no-op writes."""

from __future__ import annotations

from pathlib import Path

from central_seed import CEREAL, OAT_MILK, StepClock, small_seed
from fastapi.testclient import TestClient

from central.app import create_app
from central.repository import CentralRepository
from central.routes.catalog import MAX_CHANGE_PAGE
from contracts.catalog import Change, ChangePage


def read_all(client: TestClient, cursor: int, limit: int) -> tuple[list[Change], int]:
    """Pages through the feed from `cursor`; returns every change and the final cursor."""
    changes: list[Change] = []
    for _ in range(1000):
        params = {"cursor": cursor, "limit": limit}
        page = ChangePage.model_validate(client.get("/v1/changes", params=params).json())
        changes += page.changes
        cursor = page.next_cursor
        if not page.has_more:
            return changes, cursor
    raise AssertionError("the feed never reported has_more=false")


def test_seed_appears_in_the_feed(client: TestClient) -> None:
    changes, cursor = read_all(client, 0, 500)
    kinds = [(change.kind, change.gtin) for change in changes]
    assert kinds.count(("product", OAT_MILK)) == 1
    assert kinds.count(("review", OAT_MILK)) == 2
    assert cursor == changes[-1].cursor
    reviews = [change.review for change in changes if change.kind == "review"]
    assert all(review is not None and review.gtin == OAT_MILK for review in reviews)


def test_small_pages_equal_one_big_page(client: TestClient) -> None:
    big, big_cursor = read_all(client, 0, 1000)
    small, small_cursor = read_all(client, 0, 2)
    assert [c.cursor for c in small] == [c.cursor for c in big]
    assert small_cursor == big_cursor
    cursors = [c.cursor for c in small]
    assert cursors == sorted(set(cursors))


def test_empty_page_keeps_the_cursor(client: TestClient) -> None:
    _, cursor = read_all(client, 0, 100)
    page = ChangePage.model_validate(client.get("/v1/changes", params={"cursor": cursor}).json())
    assert page.changes == []
    assert page.next_cursor == cursor
    assert page.has_more is False


def test_price_change_carries_the_new_snapshot(client: TestClient) -> None:
    _, cursor = read_all(client, 0, 100)
    response = client.put(f"/v1/admin/products/{OAT_MILK}/price", json={"online_price_cents": 199})
    assert response.status_code == 200
    changes, _ = read_all(client, cursor, 100)
    assert [(c.kind, c.gtin) for c in changes] == [("price", OAT_MILK)]
    assert changes[0].product.online_price_cents == 199
    assert changes[0].product.price_cents == 249
    assert changes[0].product.version == changes[0].cursor
    product = client.get(f"/v1/products/{OAT_MILK}").json()
    assert product["version"] == changes[0].cursor


def test_repeated_admin_write_appends_nothing(client: TestClient) -> None:
    body = {"quantity": 12, "delivery_days": 2}
    client.put(f"/v1/admin/products/{CEREAL}/stock/wh-north", json=body)
    _, cursor = read_all(client, 0, 100)
    assert client.put(f"/v1/admin/products/{CEREAL}/stock/wh-north", json=body).status_code == 200
    assert client.put(f"/v1/admin/products/{CEREAL}/price", json={"price_cents": 399}).is_success
    changes, _ = read_all(client, cursor, 100)
    assert changes == []


def test_resume_after_restart_never_reapplies(db_path: Path) -> None:
    repository = CentralRepository.from_path(db_path, clock=StepClock())
    repository.load_seed(small_seed())
    with TestClient(create_app(db_path)) as first:
        applied, stored_cursor = read_all(first, 0, 3)
        first.put(f"/v1/admin/products/{OAT_MILK}/stock/wh-north", json={"quantity": 0})
    # central restarts on the same file; the hub resumes from the cursor it stored
    with TestClient(create_app(db_path)) as second:
        second.post(f"/v1/admin/products/{CEREAL}/reviews", json={"rating": 4, "title": "Crunchy"})
        resumed, _ = read_all(second, stored_cursor, 3)
    assert [(c.kind, c.gtin) for c in resumed] == [("stock", OAT_MILK), ("review", CEREAL)]
    assert {c.cursor for c in applied}.isdisjoint(c.cursor for c in resumed)
    assert resumed[1].product.rating_count == 1


def test_seeding_twice_changes_nothing(repository: CentralRepository) -> None:
    before = repository.health().last_cursor
    assert repository.load_seed(small_seed()) == 0
    assert repository.health().last_cursor == before


def test_admin_errors(client: TestClient) -> None:
    unknown_wh = client.put(f"/v1/admin/products/{OAT_MILK}/stock/wh-mars", json={"quantity": 1})
    assert (unknown_wh.status_code, unknown_wh.json()["code"]) == (404, "unknown_warehouse")
    empty = client.put(f"/v1/admin/products/{OAT_MILK}/price", json={})
    assert empty.status_code == 422
    negative = client.put(f"/v1/admin/products/{OAT_MILK}/price", json={"price_cents": -1})
    assert negative.status_code == 422
    typo = client.put(f"/v1/admin/products/{OAT_MILK}/price", json={"prize_cents": 100})
    assert typo.status_code == 422
    assert "prize_cents" in typo.json()["message"]
    bad_rating = client.post(
        f"/v1/admin/products/{OAT_MILK}/reviews", json={"rating": 6, "title": "x"}
    )
    assert bad_rating.status_code == 422


def test_pages_of_up_to_5000_changes_are_served_and_bigger_ones_refused(
    client: TestClient,
) -> None:
    biggest = client.get("/v1/changes", params={"cursor": 0, "limit": MAX_CHANGE_PAGE})
    assert biggest.status_code == 200
    assert ChangePage.model_validate(biggest.json()).has_more is False
    too_big = client.get("/v1/changes", params={"cursor": 0, "limit": MAX_CHANGE_PAGE + 1})
    assert too_big.status_code == 422
    assert MAX_CHANGE_PAGE == 5000
