"""Provides the staff tables: users, server-side sessions and login attempts.

Session tokens are stored as their SHA-256 only: a copy of the database does not let anyone
log in. Functions take a `Database` and never commit on their own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from hub.db.codec import from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class StaffUser:
    """One staff account (without its password hash)."""

    id: int
    username: str
    role: str
    active: bool
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A live staff session joined with its user.

    Attributes:
        csrf_token: the synchronizer token every form of this session must carry.
    """

    token_sha256: str
    user: StaffUser
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class UsernameTaken(ValueError):
    """A staff account with this username (case-insensitive) already exists."""


def token_digest(token: str) -> str:
    """The SHA-256 (hex) a session token is stored under."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_USER_COLUMNS = "id, username, role, active, created_at, created_by"


def _user(row: tuple[object, ...]) -> StaffUser:
    return StaffUser(
        id=int(str(row[0])),
        username=str(row[1]),
        role=str(row[2]),
        active=bool(row[3]),
        created_at=from_db_time(str(row[4])),
        created_by=str(row[5]),
    )


def add_user(
    db: Database, username: str, *, role: str, password_hash: str, created_by: str, now: datetime
) -> StaffUser:
    """Creates a staff account.

    Raises:
        UsernameTaken: if the username exists (in any letter case).
    """
    if find_user(db, username) is not None:
        raise UsernameTaken(f"a staff account named {username!r} already exists")
    stamp = to_db_time(now)
    db.execute(
        "INSERT INTO staff_users (username, role, password_hash, created_at, created_by,"
        " password_changed_at) VALUES (?, ?, ?, ?, ?, ?)",
        [username, role, password_hash, stamp, created_by, stamp],
    )
    user = find_user(db, username)
    assert user is not None
    return user


def find_user(db: Database, username: str) -> StaffUser | None:
    """The account with this username (case-insensitive), or None."""
    row = db.execute(
        f"SELECT {_USER_COLUMNS} FROM staff_users WHERE username = ?", [username]
    ).fetchone()
    return None if row is None else _user(row)


def password_hash_of(db: Database, user_id: int) -> str:
    """The stored password hash of an account."""
    row = db.execute("SELECT password_hash FROM staff_users WHERE id = ?", [user_id]).fetchone()
    return "" if row is None else str(row[0])


def set_password_hash(db: Database, user_id: int, password_hash: str, *, now: datetime) -> None:
    """Replaces an account's password hash (e.g. re-hashed with a higher cost)."""
    db.execute(
        "UPDATE staff_users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
        [password_hash, to_db_time(now), user_id],
    )


def list_users(db: Database) -> list[StaffUser]:
    """Every staff account, by username."""
    rows = db.execute(f"SELECT {_USER_COLUMNS} FROM staff_users ORDER BY username").fetchall()
    return [_user(row) for row in rows]


def record_attempt(
    db: Database, username: str, *, succeeded: bool, remote: str | None, now: datetime
) -> None:
    """Records one login attempt (kept for the lock-out and for the audit trail)."""
    db.execute(
        "INSERT INTO staff_login_attempts (username, remote, succeeded, attempted_at)"
        " VALUES (?, ?, ?, ?)",
        [username, remote, int(succeeded), to_db_time(now)],
    )


def failures_since_success(
    db: Database, username: str, *, remote: str | None, since: datetime
) -> list[datetime]:
    """Failed login times of a username from one client address, after `since` and after the
    last successful login of that username from that address (the per-pair lock-out)."""
    rows = db.execute(
        "SELECT attempted_at FROM staff_login_attempts WHERE username = ? AND remote IS ?"
        " AND succeeded = 0 AND attempted_at > ? AND attempted_at > COALESCE((SELECT"
        " MAX(attempted_at) FROM staff_login_attempts WHERE username = ? AND remote IS ?"
        " AND succeeded = 1), '')",
        [username, remote, to_db_time(since), username, remote],
    ).fetchall()
    return [from_db_time(str(row[0])) for row in rows]


def failures_from_address(db: Database, remote: str | None, *, since: datetime) -> list[datetime]:
    """Failed login times from one client address for any username after `since` (the
    per-address rate limit)."""
    rows = db.execute(
        "SELECT attempted_at FROM staff_login_attempts WHERE remote IS ? AND succeeded = 0"
        " AND attempted_at > ?",
        [remote, to_db_time(since)],
    ).fetchall()
    return [from_db_time(str(row[0])) for row in rows]


def create_session(
    db: Database, token: str, *, user_id: int, csrf_token: str, now: datetime, expires_at: datetime
) -> None:
    """Stores a new session under the digest of `token`."""
    stamp = to_db_time(now)
    db.execute(
        "INSERT INTO staff_sessions (token_sha256, user_id, csrf_token, created_at,"
        " last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        [token_digest(token), user_id, csrf_token, stamp, stamp, to_db_time(expires_at)],
    )


def load_session(db: Database, token: str) -> StaffSession | None:
    """The session of a token with its (active) user, or None; expiry is the caller's check."""
    row = db.execute(
        "SELECT s.token_sha256, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,"
        f" {', '.join('u.' + c.strip() for c in _USER_COLUMNS.split(','))}"
        " FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id"
        " WHERE s.token_sha256 = ? AND u.active = 1",
        [token_digest(token)],
    ).fetchone()
    if row is None:
        return None
    return StaffSession(
        token_sha256=str(row[0]),
        user=_user(row[5:]),
        csrf_token=str(row[1]),
        created_at=from_db_time(str(row[2])),
        last_seen_at=from_db_time(str(row[3])),
        expires_at=from_db_time(str(row[4])),
    )


def touch_session(db: Database, token_sha256: str, *, now: datetime, expires_at: datetime) -> None:
    """Marks a session used at `now` and moves its expiry."""
    db.execute(
        "UPDATE staff_sessions SET last_seen_at = ?, expires_at = ? WHERE token_sha256 = ?",
        [to_db_time(now), to_db_time(expires_at), token_sha256],
    )


def delete_session(db: Database, token_sha256: str) -> None:
    """Ends a session (logout or expiry)."""
    db.execute("DELETE FROM staff_sessions WHERE token_sha256 = ?", [token_sha256])


def delete_expired_sessions(db: Database, *, now: datetime) -> int:
    """Removes every expired session; returns how many."""
    cursor = db.execute("DELETE FROM staff_sessions WHERE expires_at <= ?", [to_db_time(now)])
    return int(cursor.rowcount)
