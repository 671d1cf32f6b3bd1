"""Provides the staff-session dependencies: who is logged in, what their role allows, and the
CSRF-checked form of a POST.

Sessions live server-side (`staff_sessions`); the browser holds only a random token in an
HttpOnly, SameSite=Lax cookie (Secure when the page came over https). Device and kiosk
credentials never open a staff session: only this cookie does.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request, Response

from hub.api.deps import Services
from hub.db import staff as staff_db
from hub.db.connection import write_transaction
from hub.domain.staff import SESSION_MAX, Permission, can, session_expiry

SESSION_COOKIE = "aisle_session"
MAX_FORM_BYTES = 16 * 1024
TOUCH_EVERY = timedelta(seconds=60)


class LoginRequired(Exception):
    """No valid staff session: pages redirect to /login, streams answer 401.

    Attributes:
        next_path: where to return after logging in.
    """

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PermissionDenied(Exception):
    """The staff member's role does not allow this page or action (403 page)."""


class FormRejected(Exception):
    """A POST without a valid CSRF token, or a body that is not a small url-encoded form."""


def _next_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """Puts a session token in the browser: HttpOnly, SameSite=Lax, Secure over https."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_MAX.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


async def current_staff(request: Request, services: Services) -> staff_db.StaffSession:
    """The staff session of the request's cookie (sliding idle expiry).

    Raises:
        LoginRequired: if there is no cookie, or its session is unknown, expired or disabled.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired(_next_path(request))
    db, now = services.db, services.clock()
    session = staff_db.load_session(db, token)
    if session is None or session.expires_at <= now:
        if session is not None:
            with write_transaction(db):
                staff_db.delete_session(db, session.token_sha256)
        raise LoginRequired(_next_path(request))
    if now - session.last_seen_at >= TOUCH_EVERY:
        with write_transaction(db):
            staff_db.touch_session(
                db,
                session.token_sha256,
                now=now,
                expires_at=session_expiry(session.created_at, now),
            )
    return session


Staff = Annotated[staff_db.StaffSession, Depends(current_staff)]


def _requirer(
    permission: Permission,
) -> Callable[[staff_db.StaffSession], Awaitable[staff_db.StaffSession]]:
    async def dependency(session: Staff) -> staff_db.StaffSession:
        if not can(session.user.role, permission):
            raise PermissionDenied(f"a {session.user.role} may not use {permission}")
        return session

    return dependency


PickupsStaff = Annotated[staff_db.StaffSession, Depends(_requirer("pickups"))]
DiscrepancyStaff = Annotated[staff_db.StaffSession, Depends(_requirer("discrepancies"))]
UserAdmin = Annotated[staff_db.StaffSession, Depends(_requirer("users"))]
PriceStaff = Annotated[staff_db.StaffSession, Depends(_requirer("prices"))]


def parse_form(body: bytes) -> dict[str, str]:
    """Parses an url-encoded form body (first value of each field).

    Raises:
        FormRejected: if the body is too large or not UTF-8.
    """
    if len(body) > MAX_FORM_BYTES:
        raise FormRejected(f"form body over {MAX_FORM_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormRejected("form body is not UTF-8") from exc
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


def check_csrf(expected: str, form: dict[str, str]) -> None:
    """Refuses a form whose `csrf_token` field does not match (constant-time).

    Raises:
        FormRejected: if the token is missing or wrong.
    """
    given = form.get("csrf_token", "")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise FormRejected("missing or wrong CSRF token: reload the page and try again")


async def staff_form(request: Request, session: Staff) -> dict[str, str]:
    """The CSRF-checked url-encoded form of a staff POST.

    Raises:
        FormRejected: if the token is wrong or the body is not a small url-encoded form.
    """
    form = parse_form(await request.body())
    check_csrf(session.csrf_token, form)
    return form


StaffForm = Annotated[dict[str, str], Depends(staff_form)]
