"""Provides `/login` and `/logout`: staff sign-in with a scrypt-checked password, lock-out after
repeated failures, a session cookie on success, and CSRF on both forms.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hub.api.deps import Services
from hub.api.staff.auth import (
    SESSION_COOKIE,
    Staff,
    StaffForm,
    check_csrf,
    parse_form,
    set_session_cookie,
)
from hub.api.staff.pages import STAFF_PREFIX, render
from hub.db import staff as staff_db
from hub.db.connection import write_transaction
from hub.domain.dashboard.forms import FormCheck, check_login
from hub.domain.passwords import hash_password, needs_rehash, verify_password
from hub.domain.staff import (
    ADDRESS_LOCKOUT_FAILURES,
    LOCKOUT_WINDOW,
    locked_until,
    session_expiry,
)

logger = logging.getLogger(__name__)
router = APIRouter(tags=["staff"], include_in_schema=False)

LOGIN_CSRF_COOKIE = "aisle_login_csrf"
WRONG_CREDENTIALS = "Wrong username or password."
# Verified when the username is unknown, so both answers take as long (a hash of a random
# password nobody kept).
_DUMMY_HASH = "scrypt$15$8$1$BsEfC+mq/fvGOpqCe8lwbg==$XFSvIIia2WQ2Atkx13h30VH/g9Wra11v33QxZcLWv5w="


def safe_next(path: str | None) -> str:
    """Where to go after login: a local path only (never another site)."""
    if path and path.startswith("/") and not path.startswith(("//", "/\\")):
        return path
    return STAFF_PREFIX


def _login_page(
    services: Services, request: Request, check: FormCheck, *, status: int, message: str = ""
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        services.templates,
        request,
        "staff/login.html",
        {
            "title": "Log in",
            "active": "",
            "values": check.values,
            "errors": check.errors,
            "message": message,
            "login_csrf": token,
            "next": safe_next(request.query_params.get("next") or check.values.get("next")),
        },
        session=None,
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.get("/", response_class=RedirectResponse)
async def root() -> RedirectResponse:
    """The hub's root leads to the dashboard (which asks for a login first)."""
    return RedirectResponse(STAFF_PREFIX, status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, services: Services) -> HTMLResponse:
    """The login form."""
    return _login_page(services, request, FormCheck({"username": ""}), status=200)


async def _password_matches(services: Services, user: staff_db.StaffUser | None, pw: str) -> bool:
    stored = _DUMMY_HASH if user is None else staff_db.password_hash_of(services.db, user.id)
    matches = await run_in_threadpool(verify_password, pw, stored)
    return matches and user is not None and user.active


def _lock_message(
    services: Services, username: str, remote: str | None, now: datetime
) -> str | None:
    """Why this username may not try from this address now, or None.

    Failures lock a username only for the address they came from (nobody can lock a colleague
    out from another till), and too many failures from one address lock that address for every
    username (guessing across accounts).
    """
    since = now - LOCKOUT_WINDOW
    pair = staff_db.failures_since_success(services.db, username, remote=remote, since=since)
    address = staff_db.failures_from_address(services.db, remote, since=since)
    by_address = locked_until(address, now=now, limit=ADDRESS_LOCKOUT_FAILURES)
    until = by_address or locked_until(pair, now=now)
    if until is None:
        return None
    minutes = max(1, round((until - now).total_seconds() / 60))
    if by_address is not None:
        return f"Too many failed logins from this address: try again in {minutes} minute(s)."
    return f"Too many failed attempts: this account is locked for {minutes} more minute(s)."


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, services: Services) -> Response:
    """Checks the credentials; on success starts a session and goes to `next`."""
    form = parse_form(await request.body())
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form)
    check = check_login(form)
    check.values["next"] = form.get("next", "")
    if not check.ok:
        return _login_page(services, request, check, status=422)
    username, now = check.values["username"], services.clock()
    remote = request.client.host if request.client else None
    locked = _lock_message(services, username, remote, now)
    if locked is not None:
        return _login_page(services, request, check, status=429, message=locked)
    user = staff_db.find_user(services.db, username)
    if not await _password_matches(services, user, check.values["password"]):
        with write_transaction(services.db):
            staff_db.record_attempt(services.db, username, succeeded=False, remote=remote, now=now)
        logger.warning("staff login refused username=%s remote=%s", username, remote)
        return _login_page(services, request, check, status=401, message=WRONG_CREDENTIALS)
    assert user is not None
    return await _start_session(services, request, user, check, remote=remote)


async def _start_session(
    services: Services,
    request: Request,
    user: staff_db.StaffUser,
    check: FormCheck,
    *,
    remote: str | None,
) -> Response:
    now, db = services.clock(), services.db
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    stored = staff_db.password_hash_of(db, user.id)
    fresh_hash = None
    if needs_rehash(stored):
        fresh_hash = await run_in_threadpool(hash_password, check.values["password"])
    with write_transaction(db):
        staff_db.record_attempt(db, user.username, succeeded=True, remote=remote, now=now)
        staff_db.delete_expired_sessions(db, now=now)
        staff_db.create_session(
            db,
            token,
            user_id=user.id,
            csrf_token=csrf,
            now=now,
            expires_at=session_expiry(now, now),
        )
        if fresh_hash is not None:
            staff_db.set_password_hash(db, user.id, fresh_hash, now=now)
    logger.info("staff login username=%s role=%s remote=%s", user.username, user.role, remote)
    response = RedirectResponse(safe_next(check.values.get("next")), status_code=303)
    set_session_cookie(response, request, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", response_class=RedirectResponse)
async def logout(services: Services, session: Staff, form: StaffForm) -> Response:
    """Ends the session (CSRF-checked) and returns to the login form."""
    del form
    with write_transaction(services.db):
        staff_db.delete_session(services.db, session.token_sha256)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
