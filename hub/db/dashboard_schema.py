"""Provides the staff dashboard's tables and indexes, applied by migrations 0006 and 0008 in
`hub.db.schema` (kept here so the shared schema module stays short).

- `staff_users`, `staff_sessions` (token SHA-256 only), `staff_login_attempts` (lock-out);
- `discrepancy_actions`: every staff action on a finding (append-only);
- `ai_audit`: every AI output that drove an action (append-only, one row per event and kind);
- indexes for the dashboard's reads at 100,000 products / 1,000,000 movements.
"""

from __future__ import annotations

STAFF_TABLES: tuple[str, ...] = (
    """
    CREATE TABLE staff_users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 3 AND 64),
        role TEXT NOT NULL CHECK (role IN ('associate', 'manager')),
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        password_changed_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE staff_sessions (
        token_sha256 TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX staff_sessions_user ON staff_sessions (user_id)",
    """
    CREATE TABLE staff_login_attempts (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL COLLATE NOCASE,
        remote TEXT,
        succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
        attempted_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX staff_login_attempts_user ON staff_login_attempts (username, attempted_at)",
    """
    CREATE TABLE discrepancy_actions (
        id INTEGER PRIMARY KEY,
        finding_id TEXT NOT NULL CHECK (length(finding_id) BETWEEN 1 AND 200),
        action TEXT NOT NULL CHECK (action IN ('accept_count', 'push_correction', 'dismiss')),
        gtin TEXT,
        counted_units INTEGER CHECK (counted_units >= 0),
        reason TEXT,
        movement_id INTEGER,
        outbox_key TEXT,
        actor TEXT NOT NULL,
        acted_at TEXT NOT NULL,
        CHECK (action <> 'dismiss' OR length(reason) >= 3),
        CHECK (action <> 'accept_count' OR counted_units IS NOT NULL)
    )
    """,
    "CREATE INDEX discrepancy_actions_finding ON discrepancy_actions (finding_id, id)",
    """
    CREATE TRIGGER discrepancy_actions_no_update BEFORE UPDATE ON discrepancy_actions
    BEGIN SELECT RAISE(ABORT, 'discrepancy actions are append-only'); END
    """,
    """
    CREATE TABLE ai_audit (
        id INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
        action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 80),
        subject TEXT,
        model_name TEXT NOT NULL,
        model_version TEXT NOT NULL,
        model_sha256 TEXT,
        input_sha256 TEXT NOT NULL,
        score REAL,
        threshold REAL,
        output TEXT NOT NULL DEFAULT '{}',
        approved_by TEXT NOT NULL,
        device TEXT,
        event_id TEXT
    )
    """,
    "CREATE INDEX ai_audit_recorded ON ai_audit (recorded_at)",
    "CREATE UNIQUE INDEX ai_audit_event ON ai_audit (event_id, kind) WHERE event_id IS NOT NULL",
    """
    CREATE TRIGGER ai_audit_no_update BEFORE UPDATE ON ai_audit
    BEGIN SELECT RAISE(ABORT, 'the AI audit log is append-only'); END
    """,
    """
    CREATE TRIGGER ai_audit_no_delete BEFORE DELETE ON ai_audit
    BEGIN SELECT RAISE(ABORT, 'the AI audit log is append-only'); END
    """,
)

DASHBOARD_INDEXES: tuple[str, ...] = (
    "CREATE INDEX products_name ON products (name, brand, gtin)",
    "CREATE INDEX products_category ON products (category)",
    "CREATE INDEX events_received ON events (received_at, type)",
    "CREATE INDEX reservations_gtin ON reservations (gtin, state)",
    "CREATE INDEX reservations_created ON reservations (created_at)",
    "CREATE INDEX delivery_orders_created ON delivery_orders (created_at)",
    "CREATE INDEX ai_audit_kind ON ai_audit (kind, id)",
    "CREATE INDEX ai_audit_model ON ai_audit (model_name, id)",
)
