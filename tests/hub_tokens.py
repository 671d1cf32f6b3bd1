"""Provides the one way tests get credentials for the hub's `/api/v1` (importable from any test).

`tests/` is on `sys.path` (its conftest is the rootdir conftest), so any test can write:

    from hub_tokens import api_headers, staff_headers

    headers = api_headers(db)                    # a live `service` token (all but staff actions)
    headers = api_headers(db, role="kiosk")      # what a kiosk holds
    client = TestClient(app, headers=api_headers(db))
    staff = staff_headers(db)                    # a real staff session: cookie + X-CSRF-Token

`db` is a `sqlite_utils.Database` or the path of a hub database file (migrated on open). The
tokens and sessions are real rows made by the same code the hub uses (`hub.db.api_tokens`,
`hub.db.staff`); nothing is patched.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from hub.api.api_auth import CSRF_HEADER
from hub.api.staff.auth import SESSION_COOKIE
from hub.db import api_tokens
from hub.db import staff as staff_db
from hub.db.connection import open_database, write_transaction
from hub.domain.passwords import hash_password
from hub.domain.staff import SESSION_MAX


def _with_db(db: Database | Path) -> tuple[Database, bool]:
    if isinstance(db, Database):
        return db, False
    return open_database(Path(db)), True


def api_token(db: Database | Path, *, device: str = "test-service", role: str = "service") -> str:
    """Issues a live API token (`kiosk`, `device` or `service`) and returns it."""
    conn, owned = _with_db(db)
    try:
        with write_transaction(conn):
            return api_tokens.issue_token(
                conn, device=device, role=role, now=datetime.now(UTC), created_by="test"
            )
    finally:
        if owned:
            conn.close()


def bearer(token: str) -> dict[str, str]:
    """The `Authorization` header of a token."""
    return {"Authorization": f"Bearer {token}"}


def api_headers(
    db: Database | Path, *, device: str = "test-service", role: str = "service"
) -> dict[str, str]:
    """Headers with a fresh live token (see `api_token`)."""
    return bearer(api_token(db, device=device, role=role))


def staff_headers(
    db: Database | Path, *, username: str = "test-staff", role: str = "associate"
) -> dict[str, str]:
    """Headers of a real staff session (cookie + CSRF header), creating the user if needed."""
    conn, owned = _with_db(db)
    now = datetime.now(UTC)
    token, csrf = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    try:
        with write_transaction(conn):
            user = staff_db.find_user(conn, username)
            if user is None:
                user = staff_db.add_user(
                    conn,
                    username,
                    role=role,
                    password_hash=hash_password(secrets.token_urlsafe(16)),
                    created_by="test",
                    now=now,
                )
            staff_db.create_session(
                conn, token, user_id=user.id, csrf_token=csrf, now=now, expires_at=now + SESSION_MAX
            )
    finally:
        if owned:
            conn.close()
    return {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: csrf}
