"""Provides central's schema and its migrations (SQLite DDL; the only per-dialect SQL).

A PostgreSQL port replaces `INTEGER PRIMARY KEY` row ids with `BIGINT GENERATED ... AS IDENTITY`
and `TEXT` timestamps with `TIMESTAMPTZ`; the repositories' statements stay as they are. The
change-feed cursor comes from the `feed_counter` row, whose update also serialises writers on
PostgreSQL, so cursors are visible in commit order there too.
"""

from __future__ import annotations

from central.db.connection import SqlDatabase
from central.db.pushes import PUSHES_DDL

SCHEMA_VERSION = 2

_V1 = """
CREATE TABLE IF NOT EXISTS products (
    gtin TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    brand TEXT NOT NULL,
    category TEXT NOT NULL,
    subcategory TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    online_price_cents INTEGER,
    attributes_json TEXT NOT NULL DEFAULT '{}',
    complements_json TEXT NOT NULL DEFAULT '[]',
    age_min_months INTEGER,
    age_max_months INTEGER,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT
);
CREATE TABLE IF NOT EXISTS warehouses (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS online_stock (
    gtin TEXT NOT NULL REFERENCES products (gtin),
    warehouse TEXT NOT NULL REFERENCES warehouses (id),
    quantity INTEGER NOT NULL,
    delivery_days INTEGER NOT NULL,
    PRIMARY KEY (gtin, warehouse)
);
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY,
    gtin TEXT NOT NULL REFERENCES products (gtin),
    rating INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    helpful_votes INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_by_gtin ON reviews (gtin, helpful_votes);
CREATE TABLE IF NOT EXISTS feed_counter (
    id INTEGER PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO feed_counter (id, value) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS changes (
    cursor INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    gtin TEXT NOT NULL,
    at TEXT NOT NULL,
    product_json TEXT NOT NULL,
    review_json TEXT
);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_sha256 TEXT NOT NULL,
    order_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS store_availability (
    store TEXT NOT NULL,
    gtin TEXT NOT NULL REFERENCES products (gtin),
    on_hand INTEGER NOT NULL,
    as_of TEXT NOT NULL,
    PRIMARY KEY (store, gtin)
);
CREATE TABLE IF NOT EXISTS schema_version (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO schema_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO NOTHING;
"""

MIGRATIONS: dict[int, str] = {1: _V1, 2: PUSHES_DDL}  # 2: availability push keys


def migrate(database: SqlDatabase) -> int:
    """Brings the database up to `SCHEMA_VERSION` (idempotent).

    Args:
        database: the database to migrate.

    Returns:
        The schema version after migrating.
    """
    current = _current_version(database)
    for version in sorted(MIGRATIONS):
        if version > current:
            database.executescript(MIGRATIONS[version])
            with database.write() as tx:
                tx.execute("UPDATE schema_version SET version = :v WHERE id = 1", {"v": version})
    return max(current, SCHEMA_VERSION)


def _current_version(database: SqlDatabase) -> int:
    with database.read() as tx:
        exists = tx.scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
        if not exists:
            return 0
        return int(tx.scalar("SELECT version FROM schema_version WHERE id = 1") or 0)
