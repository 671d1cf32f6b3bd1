"""Tests the availability push's Idempotency-Key: same key and body -> the first answer again,
same key with another body -> 409, like orders; pushes without a key stay idempotent by as_of."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from central_seed import CEREAL, NOT_IN_CATALOG, OAT_MILK, StepClock
from fastapi.testclient import TestClient

from central.repository import CentralRepository

PATH = "/v1/stores/demo/availability"


def body(as_of: str, rows: list[tuple[str, int]]) -> dict[str, Any]:
    """An availability push body."""
    return {"as_of": as_of, "items": [{"gtin": g, "on_hand": n} for g, n in rows]}


def on_hand(client: TestClient) -> list[tuple[str, int]]:
    """What central holds for store `demo`."""
    return [(row["gtin"], row["on_hand"]) for row in client.get(PATH).json()]


def test_same_key_and_body_gets_the_first_answer(client: TestClient) -> None:
    push = body("2026-01-05T10:00:00Z", [(OAT_MILK, 12), (CEREAL, 0), (NOT_IN_CATALOG, 3)])
    key = {"Idempotency-Key": "availability-demo-m7"}
    first = client.put(PATH, json=push, headers=key)
    again = client.put(PATH, json=push, headers=key)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert first.json()["applied"] == 2  # not "0 applied, 2 unchanged": the same answer
    assert on_hand(client) == [(OAT_MILK, 12), (CEREAL, 0)]


def test_same_key_with_another_body_is_409_and_changes_nothing(client: TestClient) -> None:
    key = {"Idempotency-Key": "availability-demo-m8"}
    first = client.put(PATH, json=body("2026-01-05T10:00:00Z", [(OAT_MILK, 12)]), headers=key)
    assert first.status_code == 200
    other = body("2026-01-05T11:00:00Z", [(OAT_MILK, 3)])
    refused = client.put(PATH, json=other, headers=key)
    assert refused.status_code == 409
    assert refused.json()["code"] == "idempotency_key_reused"
    assert on_hand(client) == [(OAT_MILK, 12)]
    other_store = client.put(
        "/v1/stores/other/availability",
        json=body("2026-01-05T10:00:00Z", [(OAT_MILK, 12)]),
        headers=key,
    )
    assert other_store.status_code == 409  # a key belongs to one store's push
    fresh = client.put(PATH, json=other, headers={"Idempotency-Key": "availability-demo-m9"})
    assert fresh.status_code == 200 and on_hand(client) == [(OAT_MILK, 3)]


def test_a_bad_key_is_422(client: TestClient) -> None:
    response = client.put(
        PATH, json=body("2026-01-05T10:00:00Z", []), headers={"Idempotency-Key": "has space"}
    )
    assert response.status_code == 422


def test_a_version_1_database_gets_the_key_table(tmp_path: Path) -> None:
    path = tmp_path / "central.db"
    CentralRepository.from_path(path, clock=StepClock())
    with sqlite3.connect(path) as conn:  # back to how session 1 left it
        conn.execute("DROP TABLE availability_pushes")
        conn.execute("UPDATE schema_version SET version = 1")
    CentralRepository.from_path(path, clock=StepClock())
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT version FROM schema_version").fetchone()[0]
    assert "availability_pushes" in tables and version == 2
