"""Tests delivery orders (idempotency keys) and store availability pushes."""

from __future__ import annotations

from typing import Any

import pytest
from central_seed import CEREAL, KETTLE, NOT_IN_CATALOG, OAT_MILK
from fastapi.testclient import TestClient

from contracts.catalog import AvailabilityReceipt, ChangePage, Order


def order_body(quantity: int = 2, gtin: str = OAT_MILK) -> dict[str, Any]:
    """An order request body for one line."""
    return {"store": "demo", "lines": [{"gtin": gtin, "quantity": quantity}]}


def post_order(client: TestClient, body: dict[str, Any], key: str | None) -> Any:
    """Posts an order with an optional Idempotency-Key header."""
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post("/v1/orders", json=body, headers=headers)


def test_new_order_is_priced_and_allocated(client: TestClient) -> None:
    response = post_order(client, order_body(2), "key-1")
    assert response.status_code == 201
    order = Order.model_validate(response.json())
    assert order.total_cents == 2 * 229
    assert order.lines[0].warehouse == "wh-north"  # fastest warehouse with enough stock
    assert order.delivery_days == 1
    assert client.get(f"/v1/orders/{order.id}").json() == response.json()
    stock = client.get(f"/v1/products/{OAT_MILK}").json()["online_stock"]
    assert stock[0]["quantity"] == 3


def test_same_key_same_body_returns_the_same_order(client: TestClient) -> None:
    first = post_order(client, order_body(2), "key-2")
    again = post_order(client, order_body(2), "key-2")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    stock = client.get(f"/v1/products/{OAT_MILK}").json()["online_stock"]
    assert stock[0]["quantity"] == 3  # taken once


def test_same_key_other_body_is_409(client: TestClient) -> None:
    post_order(client, order_body(2), "key-3")
    response = post_order(client, order_body(1), "key-3")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


def test_large_order_ships_from_the_warehouse_that_has_it(client: TestClient) -> None:
    order = post_order(client, order_body(10), "key-4").json()
    assert order["lines"][0]["warehouse"] == "wh-south"
    assert order["delivery_days"] == 3


def test_order_appends_a_stock_change(client: TestClient) -> None:
    cursor = client.get("/v1/health").json()["last_cursor"]
    post_order(client, order_body(1), "key-5")
    page = ChangePage.model_validate(client.get("/v1/changes", params={"cursor": cursor}).json())
    assert [(c.kind, c.gtin) for c in page.changes] == [("stock", OAT_MILK)]
    assert page.changes[0].product.online_quantity == 44


@pytest.mark.parametrize(
    ("body", "key", "status", "code"),
    [
        (order_body(1), None, 422, "invalid_request"),  # no Idempotency-Key
        (order_body(1), "has space", 422, "invalid_request"),
        (order_body(0), "k", 422, "invalid_request"),
        ({"store": "demo", "lines": []}, "k", 422, "invalid_request"),
        ({"store": "bad/store", "lines": [{"gtin": OAT_MILK, "quantity": 1}]}, "k", 422, None),
        (order_body(1, "04006381333932"), "k", 422, "invalid_request"),  # bad check digit
        (order_body(1, NOT_IN_CATALOG), "k", 422, "invalid_request"),
        (order_body(1, KETTLE), "k", 409, "not_sold_online"),
        (order_body(50, CEREAL), "k", 409, "insufficient_stock"),
    ],
)
def test_bad_orders(
    client: TestClient, body: dict[str, Any], key: str | None, status: int, code: str | None
) -> None:
    response = post_order(client, body, key)
    assert response.status_code == status
    if code is not None:
        assert response.json()["code"] == code
    assert response.json()["message"]


def test_rejected_order_leaves_the_key_free(client: TestClient) -> None:
    assert post_order(client, order_body(50, CEREAL), "key-6").status_code == 409
    assert post_order(client, order_body(1, CEREAL), "key-6").status_code == 201


def push(client: TestClient, as_of: str, rows: list[tuple[str, int]]) -> AvailabilityReceipt:
    """Pushes availability for store `demo` and returns central's receipt."""
    body = {"as_of": as_of, "items": [{"gtin": g, "on_hand": n} for g, n in rows]}
    response = client.put("/v1/stores/demo/availability", json=body)
    assert response.status_code == 200, response.text
    return AvailabilityReceipt.model_validate(response.json())


def test_availability_push_is_idempotent(client: TestClient) -> None:
    rows = [(OAT_MILK, 12), (CEREAL, 0), (NOT_IN_CATALOG, 3)]
    first = push(client, "2026-01-05T10:00:00Z", rows)
    assert (first.applied, first.unchanged, first.unknown_gtins) == (2, 0, [NOT_IN_CATALOG])
    again = push(client, "2026-01-05T10:00:00Z", rows)
    assert (again.applied, again.unchanged) == (0, 2)
    stored = client.get("/v1/stores/demo/availability").json()
    assert [(row["gtin"], row["on_hand"]) for row in stored] == [(OAT_MILK, 12), (CEREAL, 0)]


def test_older_availability_never_overwrites_newer(client: TestClient) -> None:
    push(client, "2026-01-05T10:00:00Z", [(OAT_MILK, 12)])
    older = push(client, "2026-01-05T09:00:00+00:00", [(OAT_MILK, 50)])
    assert older.applied == 0
    newer = push(client, "2026-01-05T12:00:00+02:00", [(OAT_MILK, 11)])  # 10:00Z: same time
    assert newer.applied == 0
    latest = push(client, "2026-01-05T10:00:01Z", [(OAT_MILK, 9)])
    assert latest.applied == 1
    assert client.get("/v1/stores/demo/availability").json()[0]["on_hand"] == 9


@pytest.mark.parametrize(
    ("store", "body"),
    [
        ("demo", {"as_of": "2026-01-05T10:00:00", "items": []}),  # no UTC offset
        ("demo", {"as_of": "2026-01-05T10:00:00Z", "items": [{"gtin": OAT_MILK, "on_hand": -1}]}),
        ("demo", {"items": []}),
        ("bad store", {"as_of": "2026-01-05T10:00:00Z", "items": []}),
    ],
)
def test_bad_availability_is_422(client: TestClient, store: str, body: dict[str, Any]) -> None:
    response = client.put(f"/v1/stores/{store}/availability", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
