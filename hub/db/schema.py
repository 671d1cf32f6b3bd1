"""Provides the hub database schema as an ordered list of sqlite-utils migrations.

Migrations are append-only: a released migration never changes; a new one is added after it.
Each runs in a transaction together with its record in `_sqlite_migrations`.

Invariants the schema itself enforces:
- `events.id` is unique: each device event is applied at most once.
- `stock_movements` and `events` are append-only (triggers refuse UPDATE and DELETE); store
  on-hand is the sum of movements, never a stored number.
- a movement's sign matches its kind (a receipt adds, a sale removes, ...).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from hub.db.api_tokens import ACCESS_AND_PRICE_TABLES
from hub.db.dashboard_schema import DASHBOARD_INDEXES, STAFF_TABLES
from hub.db.orders_schema import ORDER_TABLES, OUTBOX_TABLES
from hub.db.search_signals import SEARCH_SIGNAL_TABLES
from hub.db.seq_losses import SEQ_LOSS_TABLES

MIGRATION_SET = "hub"
migrations = Migrations(MIGRATION_SET)

_INGEST_TABLES = (
    """
    CREATE TABLE events (
        pos INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        store TEXT NOT NULL,
        device TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        type TEXT NOT NULL,
        ts TEXT NOT NULL,
        received_at TEXT NOT NULL,
        payload TEXT NOT NULL,
        content_sha256 TEXT NOT NULL
    )
    """,
    "CREATE INDEX events_device_seq ON events (device, seq)",
    """
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END
    """,
    """
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END
    """,
    """
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        profile TEXT,
        status TEXT NOT NULL DEFAULT 'unknown',
        reasons TEXT NOT NULL DEFAULT '[]',
        last_seen TEXT,
        state_ts TEXT,
        last_seq INTEGER NOT NULL DEFAULT 0,
        events_applied INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0,
        models TEXT NOT NULL DEFAULT '{}',
        index_version TEXT,
        fps REAL,
        outbox_depth INTEGER
    )
    """,
    """
    CREATE TABLE seq_gaps (
        id INTEGER PRIMARY KEY,
        device TEXT NOT NULL,
        from_seq INTEGER NOT NULL,
        to_seq INTEGER NOT NULL,
        detected_at TEXT NOT NULL,
        filled INTEGER NOT NULL DEFAULT 0 CHECK (filled IN (0, 1)),
        filled_at TEXT,
        CHECK (1 <= from_seq AND from_seq <= to_seq)
    )
    """,
    "CREATE INDEX seq_gaps_open ON seq_gaps (device, filled, from_seq)",
    """
    CREATE TABLE dead_letters (
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL,
        reason TEXT NOT NULL,
        payload BLOB NOT NULL,
        payload_size INTEGER NOT NULL,
        truncated INTEGER NOT NULL DEFAULT 0,
        received_at TEXT NOT NULL
    )
    """,
)

_CATALOG_TABLES = (
    """
    CREATE TABLE products (
        gtin TEXT PRIMARY KEY CHECK (length(gtin) = 14),
        name TEXT NOT NULL,
        brand TEXT NOT NULL,
        category TEXT NOT NULL,
        subcategory TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        image_url TEXT,
        currency TEXT NOT NULL,
        price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
        online_price_cents INTEGER CHECK (online_price_cents >= 0),
        attributes TEXT NOT NULL DEFAULT '{}',
        complements TEXT NOT NULL DEFAULT '[]',
        age_min_months INTEGER,
        age_max_months INTEGER,
        rating_average REAL,
        rating_count INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL,
        updated_at TEXT,
        as_of TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE warehouse_stock (
        gtin TEXT NOT NULL,
        warehouse TEXT NOT NULL,
        name TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity >= 0),
        delivery_days INTEGER NOT NULL CHECK (delivery_days >= 0),
        as_of TEXT NOT NULL,
        PRIMARY KEY (gtin, warehouse)
    )
    """,
    """
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        gtin TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        helpful_votes INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        as_of TEXT NOT NULL
    )
    """,
    "CREATE INDEX reviews_gtin_helpful ON reviews (gtin, helpful_votes DESC)",
    """
    CREATE TABLE sync_state (
        name TEXT PRIMARY KEY,
        cursor INTEGER NOT NULL DEFAULT 0,
        as_of TEXT,
        caught_up_as_of TEXT,
        changes_applied INTEGER NOT NULL DEFAULT 0,
        last_attempt_at TEXT,
        last_success_at TEXT,
        last_failure_at TEXT,
        last_error TEXT
    )
    """,
)

_STOCK_TABLES = (
    """
    CREATE TABLE stock_movements (
        id INTEGER PRIMARY KEY,
        gtin TEXT NOT NULL CHECK (length(gtin) = 14),
        kind TEXT NOT NULL CHECK (kind IN
            ('receipt', 'sale', 'adjustment', 'reservation', 'release', 'shrink')),
        quantity INTEGER NOT NULL,
        source_event TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        note TEXT,
        UNIQUE (source_event, gtin, kind),
        CHECK (
            (kind IN ('receipt', 'release') AND quantity > 0)
            OR (kind IN ('sale', 'reservation', 'shrink') AND quantity < 0)
            OR (kind = 'adjustment' AND quantity <> 0)
        )
    )
    """,
    "CREATE INDEX stock_movements_gtin ON stock_movements (gtin)",
    """
    CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
    BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END
    """,
    """
    CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
    BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END
    """,
    """
    CREATE TABLE shelf_locations (
        gtin TEXT PRIMARY KEY,
        location TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE demand_signals (
        code TEXT NOT NULL,
        device TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (code, device)
    )
    """,
)


def _run(db: Database, statements: tuple[str, ...]) -> None:
    for statement in statements:
        db.execute(statement)


@migrations(name="0001_ingest")
def _m0001_ingest(db: Database) -> None:
    _run(db, _INGEST_TABLES)


@migrations(name="0002_catalog")
def _m0002_catalog(db: Database) -> None:
    _run(db, _CATALOG_TABLES)


@migrations(name="0003_stock")
def _m0003_stock(db: Database) -> None:
    _run(db, _STOCK_TABLES)


@migrations(name="0004_central_outbox")
def _m0004_central_outbox(db: Database) -> None:
    _run(db, OUTBOX_TABLES)


@migrations(name="0005_reservations_orders")
def _m0005_reservations_orders(db: Database) -> None:
    _run(db, ORDER_TABLES)


@migrations(name="0006_staff_dashboard")
def _m0006_staff_dashboard(db: Database) -> None:
    _run(db, STAFF_TABLES)


_LEDGER_TABLES = (
    """
    CREATE TABLE stock_snapshots (
        gtin TEXT PRIMARY KEY,
        on_hand INTEGER NOT NULL,
        through_movement INTEGER NOT NULL CHECK (through_movement >= 0),
        taken_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE stock_flags (
        id INTEGER PRIMARY KEY,
        gtin TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('negative')),
        on_hand INTEGER NOT NULL,
        opened_at TEXT NOT NULL,
        opened_by TEXT NOT NULL,
        cleared_at TEXT,
        cleared_by TEXT
    )
    """,
    "CREATE UNIQUE INDEX stock_flags_open ON stock_flags (gtin, kind) WHERE cleared_at IS NULL",
    """
    CREATE TABLE shelf_sightings (
        source_event TEXT PRIMARY KEY,
        gtin TEXT NOT NULL CHECK (length(gtin) = 14),
        device TEXT NOT NULL,
        location TEXT,
        units_seen INTEGER NOT NULL CHECK (units_seen >= 0),
        shelf_price_cents INTEGER CHECK (shelf_price_cents >= 0),
        seen_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX shelf_sightings_gtin ON shelf_sightings (gtin, recorded_at)",
    """
    CREATE TABLE shelf_prices (
        gtin TEXT PRIMARY KEY,
        price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
        source TEXT NOT NULL CHECK (source IN ('sighting', 'pos')),
        source_event TEXT NOT NULL,
        seen_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE reconciliation_runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        central_reachable INTEGER NOT NULL DEFAULT 0 CHECK (central_reachable IN (0, 1)),
        cursor_before INTEGER,
        cursor_after INTEGER,
        changes_applied INTEGER NOT NULL DEFAULT 0,
        availability_key TEXT,
        availability_items INTEGER NOT NULL DEFAULT 0,
        findings INTEGER NOT NULL DEFAULT 0,
        error TEXT
    )
    """,
    """
    CREATE TABLE reconciliation_findings (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES reconciliation_runs (id),
        kind TEXT NOT NULL CHECK (kind IN ('unknown_gtin', 'availability_mismatch',
            'price_mismatch', 'seq_gap', 'order_stuck', 'reservation_stuck', 'negative_stock',
            'shelf_without_stock')),
        key TEXT NOT NULL,
        gtin TEXT,
        device TEXT,
        detail TEXT NOT NULL DEFAULT '{}',
        cause TEXT NOT NULL,
        action TEXT NOT NULL,
        action_taken INTEGER NOT NULL CHECK (action_taken IN (0, 1)),
        UNIQUE (run_id, kind, key)
    )
    """,
    "CREATE INDEX reconciliation_findings_kind ON reconciliation_findings (kind, key, run_id)",
)


@migrations(name="0007_ledger_reconciliation")
def _m0007_ledger_reconciliation(db: Database) -> None:
    _run(db, _LEDGER_TABLES)


@migrations(name="0008_dashboard_indexes")
def _m0008_dashboard_indexes(db: Database) -> None:
    _run(db, DASHBOARD_INDEXES)


@migrations(name="0009_search_signals")
def _m0009_search_signals(db: Database) -> None:
    _run(db, SEARCH_SIGNAL_TABLES)


@migrations(name="0010_api_tokens_prices")
def _m0010_api_tokens_prices(db: Database) -> None:
    _run(db, ACCESS_AND_PRICE_TABLES)


@migrations(name="0012_seq_losses")
def _m0012_seq_losses(db: Database) -> None:
    _run(db, SEQ_LOSS_TABLES)


def migrate(db: Database) -> list[str]:
    """Applies every pending migration, in order, each in its own transaction.

    Returns:
        The names of the migrations applied by this call (empty when up to date).
    """
    pending = [migration.name for migration in migrations.pending(db)]
    migrations.apply(db)
    return pending


def applied_migrations(db: Database) -> list[str]:
    """Names of the migrations recorded in the database, in the order they were applied."""
    return [migration.name for migration in migrations.applied(db)]
