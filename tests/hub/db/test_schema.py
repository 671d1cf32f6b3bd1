"""Tests the hub schema on a real SQLite file: migrations, WAL, and the invariants it enforces."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.db.connection import open_database
from hub.db.schema import applied_migrations, migrate, migrations
from hub.db.stock import Movement, on_hand, record_movement

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
GTIN = "04006381333931"
EXPECTED_TABLES = {
    "events",
    "devices",
    "seq_gaps",
    "dead_letters",
    "products",
    "warehouse_stock",
    "reviews",
    "sync_state",
    "stock_movements",
    "shelf_locations",
    "demand_signals",
}


def test_migrations_create_every_table_once_and_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    db = open_database(path)
    assert set(db.table_names()) >= EXPECTED_TABLES
    fresh = open_database(tmp_path / "fresh.db", run_migrations=False)
    every_migration = [migration.name for migration in migrations.pending(fresh)]
    assert applied_migrations(db) == every_migration
    assert every_migration[0] == "0001_ingest"
    db.close()

    reopened = open_database(path, run_migrations=False)
    assert migrate(reopened) == []
    assert reopened.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_event_ids_are_unique_and_events_append_only(tmp_path: Path) -> None:
    db = open_database(tmp_path / "hub.db")
    row = ["01JD2Q7Z3V8K5R4N6M9P0QXYZA", "demo", "kiosk-1", 1, "scan", "t", "t", "{}", "x"]
    sql = (
        "INSERT INTO events (id, store, device, seq, type, ts, received_at, payload,"
        " content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    db.execute(sql, row)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(sql, row)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE events SET seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM events")


def test_movements_are_append_only_signed_and_once_per_source(tmp_path: Path) -> None:
    db = open_database(tmp_path / "hub.db")
    with db.atomic():
        assert record_movement(db, Movement(GTIN, "receipt", 10, "seed:demo"), NOW)
        assert not record_movement(db, Movement(GTIN, "receipt", 10, "seed:demo"), NOW)
        assert record_movement(db, Movement(GTIN, "sale", -3, "evt-1"), NOW)
        assert record_movement(db, Movement(GTIN, "reservation", -2, "res-1"), NOW)
        assert record_movement(db, Movement(GTIN, "release", 2, "res-1"), NOW)
    assert on_hand(db, GTIN) == 7
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE stock_movements SET quantity = 100")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(
            "INSERT INTO stock_movements (gtin, kind, quantity, source_event, recorded_at)"
            " VALUES (?, 'sale', 5, 'evt-2', 't')",
            [GTIN],
        )


@pytest.mark.parametrize(
    ("kind", "quantity"),
    [("receipt", -1), ("sale", 1), ("shrink", 0), ("adjustment", 0), ("release", -2)],
)
def test_movement_refuses_a_sign_that_does_not_fit_its_kind(kind: str, quantity: int) -> None:
    with pytest.raises(ValueError, match="cannot have quantity"):
        Movement(GTIN, kind, quantity, "evt")  # type: ignore[arg-type]
