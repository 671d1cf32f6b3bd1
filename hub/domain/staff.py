"""Provides the staff rules: roles and what each may do, username and password policy, lock-out
(per username and client address, plus a per-address rate limit).

Pure: no I/O and no clock (callers pass `now` and the recorded failures).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

Role = Literal["associate", "manager"]
Permission = Literal["view", "pickups", "discrepancies", "prices", "users"]
ROLES: tuple[Role, ...] = ("associate", "manager")
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "associate": frozenset({"view", "pickups"}),
    "manager": frozenset({"view", "pickups", "discrepancies", "prices", "users"}),
}
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
PASSWORD_MIN_CHARS = 10
PASSWORD_MAX_CHARS = 256
LOCKOUT_FAILURES = 5
ADDRESS_LOCKOUT_FAILURES = 20
LOCKOUT_WINDOW = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=2)
SESSION_MAX = timedelta(hours=12)


def can(role: str, permission: Permission) -> bool:
    """True when `role` holds `permission` (an unknown role holds none)."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def username_problem(username: str) -> str | None:
    """Why a username is not acceptable, or None when it is."""
    if not USERNAME_PATTERN.match(username):
        return "3-64 characters: letters, digits, '.', '_' or '-'"
    return None


def password_problem(password: str, *, username: str) -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < PASSWORD_MIN_CHARS:
        return f"at least {PASSWORD_MIN_CHARS} characters"
    if len(password) > PASSWORD_MAX_CHARS:
        return f"at most {PASSWORD_MAX_CHARS} characters"
    if password.casefold() == username.casefold():
        return "must differ from the username"
    return None


def role_problem(role: str) -> str | None:
    """Why a role name is not acceptable, or None when it is."""
    return None if role in ROLES else f"one of {', '.join(ROLES)}"


def locked_until(
    failures: Sequence[datetime], *, now: datetime, limit: int = LOCKOUT_FAILURES
) -> datetime | None:
    """When a lock-out ends, or None when a login may be tried now.

    Args:
        failures: times of failed logins (any order): of one username from one address since
            their last success, or of one address for any username.
        now: the current UTC time.
        limit: failures within `LOCKOUT_WINDOW` that lock (`LOCKOUT_FAILURES` per username and
            address, `ADDRESS_LOCKOUT_FAILURES` per address).

    Returns:
        The end of the lock-out: `limit` failures within `LOCKOUT_WINDOW` lock until the oldest
        of them leaves the window.
    """
    recent = sorted(t for t in failures if now - t < LOCKOUT_WINDOW)
    if len(recent) < limit:
        return None
    return recent[-limit] + LOCKOUT_WINDOW


def session_expiry(created_at: datetime, last_seen_at: datetime) -> datetime:
    """When a session ends: after `SESSION_IDLE` without use, and `SESSION_MAX` after login."""
    return min(last_seen_at + SESSION_IDLE, created_at + SESSION_MAX)
