"""Provides the DDL of the central outbox (0004) and of reservations and delivery orders (0005).

Released migrations never change: these statements are what `hub.db.schema` ran for them.
"""

from __future__ import annotations

OUTBOX_TABLES = (
    """
    CREATE TABLE central_outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
        idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        method TEXT NOT NULL CHECK (method IN ('POST', 'PUT')),
        path TEXT NOT NULL CHECK (substr(path, 1, 1) = '/'),
        body TEXT NOT NULL,
        ref TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'failed_permanent')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at TEXT,
        created_at TEXT NOT NULL,
        last_attempt_at TEXT,
        finished_at TEXT,
        last_error TEXT,
        response_status INTEGER,
        response_body TEXT,
        CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL))
    )
    """,
    "CREATE INDEX central_outbox_due ON central_outbox (state, next_attempt_at, id)",
    "CREATE INDEX central_outbox_ref ON central_outbox (kind, ref)",
)

ORDER_TABLES = (
    """
    CREATE TABLE reservations (
        id TEXT PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        request_sha256 TEXT NOT NULL,
        pickup_code TEXT NOT NULL,
        gtin TEXT NOT NULL CHECK (length(gtin) = 14),
        quantity INTEGER NOT NULL CHECK (quantity >= 1),
        device TEXT NOT NULL,
        state TEXT NOT NULL
            CHECK (state IN ('new', 'ready', 'picked_up', 'expired', 'cancelled')),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX reservations_open ON reservations (state, expires_at)",
    """
    CREATE TABLE delivery_orders (
        id TEXT PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        request_sha256 TEXT NOT NULL,
        device TEXT NOT NULL,
        lines TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'accepted', 'failed')),
        outbox_key TEXT NOT NULL UNIQUE,
        central_order_id TEXT,
        currency TEXT,
        total_cents INTEGER,
        delivery_days INTEGER,
        failure_reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX delivery_orders_state ON delivery_orders (state, created_at)",
)
