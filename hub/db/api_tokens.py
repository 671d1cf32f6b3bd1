"""Provides device and kiosk API tokens (stored as SHA-256 only) and the rest of migration 0010.

Migration 0010 (`ACCESS_AND_PRICE_TABLES`) creates:
- `api_tokens`: one row per token a device, kiosk or service holds for `/api/v1`; only the
  SHA-256 of the token is kept, so a copy of the database opens nothing;
- an index on `staff_login_attempts (remote, attempted_at)` for the per-address lock-out;
- `price_proposals` and `store_prices` (see `hub.db.pricing`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from hub.db.codec import from_db_time, to_db_time

ACCESS_AND_PRICE_TABLES = (
    """
    CREATE TABLE api_tokens (
        token_sha256 TEXT PRIMARY KEY CHECK (length(token_sha256) = 64),
        device TEXT NOT NULL CHECK (length(device) BETWEEN 1 AND 64),
        role TEXT NOT NULL CHECK (role IN ('kiosk', 'device', 'service')),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at TEXT
    )
    """,
    "CREATE INDEX api_tokens_device ON api_tokens (device, revoked_at)",
    "CREATE INDEX staff_login_attempts_remote ON staff_login_attempts (remote, attempted_at)",
    """
    CREATE TABLE price_proposals (
        id INTEGER PRIMARY KEY,
        gtin TEXT NOT NULL CHECK (length(gtin) = 14),
        kind TEXT NOT NULL CHECK (kind IN ('markdown', 'match_central', 'restore')),
        current_cents INTEGER NOT NULL CHECK (current_cents >= 0),
        proposed_cents INTEGER NOT NULL CHECK (proposed_cents >= 0),
        floor_cents INTEGER NOT NULL CHECK (floor_cents >= 0),
        reason TEXT NOT NULL,
        inputs TEXT NOT NULL DEFAULT '{}',
        rule_version TEXT NOT NULL,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'approved', 'rejected', 'superseded')),
        decided_by TEXT,
        decided_at TEXT,
        decided_cents INTEGER CHECK (decided_cents >= 0),
        decision_reason TEXT
    )
    """,
    "CREATE UNIQUE INDEX price_proposals_open ON price_proposals (gtin) WHERE state = 'open'",
    "CREATE INDEX price_proposals_state ON price_proposals (state, id)",
    """
    CREATE TABLE store_prices (
        gtin TEXT PRIMARY KEY CHECK (length(gtin) = 14),
        price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
        proposal_id INTEGER NOT NULL,
        approved_by TEXT NOT NULL,
        approved_at TEXT NOT NULL
    )
    """,
)

TOKEN_ROLES = ("kiosk", "device", "service")
TOKEN_BYTES = 32


class UnknownTokenRole(ValueError):
    """A token role outside `TOKEN_ROLES`."""


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A stored token (never the token itself).

    Attributes:
        token_sha256: hex SHA-256 of the token.
        device: the device, kiosk or service id it was issued to.
        role: `kiosk`, `device` or `service`.
        created_at: when it was issued (UTC).
        created_by: who issued it (`cli`, `aisle store up`, a test...).
        revoked_at: when it was revoked, or None while it is live.
    """

    token_sha256: str
    device: str
    role: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


def token_sha256(token: str) -> str:
    """The hex SHA-256 a token is stored under."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    db: Database, *, device: str, role: str, now: datetime, created_by: str = "cli"
) -> str:
    """Makes a new random token for `device`, stores its SHA-256 and returns the token (once).

    Raises:
        UnknownTokenRole: if `role` is not one of `TOKEN_ROLES`.
        ValueError: if `device` is empty or longer than 64 characters.
    """
    if role not in TOKEN_ROLES:
        raise UnknownTokenRole(f"token role must be one of {', '.join(TOKEN_ROLES)}, got {role!r}")
    if not 1 <= len(device) <= 64:
        raise ValueError(f"device id must be 1-64 characters, got {device!r}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.execute(
        "INSERT INTO api_tokens (token_sha256, device, role, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?)",
        [token_sha256(token), device, role, to_db_time(now), created_by],
    )
    return token


def revoke_device_tokens(db: Database, device: str, *, now: datetime) -> int:
    """Revokes every live token of `device`; returns how many were revoked."""
    cursor = db.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE device = ? AND revoked_at IS NULL",
        [to_db_time(now), device],
    )
    return int(cursor.rowcount)


def _token(row: tuple[object, ...]) -> ApiToken:
    revoked = row[5]
    return ApiToken(
        token_sha256=str(row[0]),
        device=str(row[1]),
        role=str(row[2]),
        created_at=from_db_time(str(row[3])),
        created_by=str(row[4]),
        revoked_at=None if revoked is None else from_db_time(str(revoked)),
    )


_COLUMNS = "token_sha256, device, role, created_at, created_by, revoked_at"


def find_live_token(db: Database, token: str) -> ApiToken | None:
    """The live (not revoked) stored token matching `token`, or None.

    The digest found by the lookup is compared again with `hmac.compare_digest`, so the final
    decision does not depend on how many characters matched.
    """
    digest = token_sha256(token)
    row = db.execute(
        f"SELECT {_COLUMNS} FROM api_tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
        [digest],
    ).fetchone()
    if row is None or not hmac.compare_digest(str(row[0]), digest):
        return None
    return _token(row)


def list_tokens(db: Database) -> list[ApiToken]:
    """Every stored token (live and revoked), by device then issue time."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM api_tokens ORDER BY device, created_at").fetchall()
    return [_token(row) for row in rows]
