"""Provides `/dashboard/users`: managers list staff accounts and add new ones."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from hub.api.deps import Services
from hub.api.staff.auth import StaffForm, UserAdmin
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db import staff as staff_db
from hub.db.connection import write_transaction
from hub.domain.dashboard.forms import FormCheck, check_new_user
from hub.domain.passwords import hash_password
from hub.domain.staff import ROLES

logger = logging.getLogger(__name__)
router = APIRouter(tags=["staff"], include_in_schema=False)
PATH = f"{STAFF_PREFIX}/users"


def _users_page(
    services: Services,
    request: Request,
    session: staff_db.StaffSession,
    check: FormCheck,
    *,
    status: int = 200,
    flash: str = "",
) -> HTMLResponse:
    return page(
        services,
        request,
        "staff/users.html",
        {
            "title": "Staff",
            "active": "users",
            "users": staff_db.list_users(services.db),
            "roles": ROLES,
            "values": check.values,
            "errors": check.errors,
            "flash": flash,
        },
        session=session,
        status_code=status,
    )


@router.get(PATH, response_class=HTMLResponse)
async def list_users(
    request: Request, services: Services, session: UserAdmin, added: str = ""
) -> HTMLResponse:
    """Staff accounts and the form to add one."""
    flash = f"Added {added}." if added else ""
    return _users_page(services, request, session, FormCheck({"role": "associate"}), flash=flash)


@router.post(PATH, response_class=HTMLResponse)
async def add_user(
    request: Request, services: Services, session: UserAdmin, form: StaffForm
) -> Response:
    """Adds an account (field errors keep what was typed, never the password)."""
    check = check_new_user(form)
    taken = staff_db.find_user(services.db, check.values["username"]) is not None
    if taken:
        check.errors["username"] = "this username is taken"
    if not check.ok:
        check.values.pop("password", None)
        return _users_page(services, request, session, check, status=422)
    password_hash = await run_in_threadpool(hash_password, check.values["password"])
    with write_transaction(services.db):
        user = staff_db.add_user(
            services.db,
            check.values["username"],
            role=check.values["role"],
            password_hash=password_hash,
            created_by=session.user.username,
            now=services.clock(),
        )
    logger.info("staff account added username=%s by=%s", user.username, session.user.username)
    return RedirectResponse(f"{PATH}?added={user.username}", status_code=303)
