"""Provides how staff pages render: the shared layout context, security headers, and the error
pages (login redirect, 403, 404, rejected form) that replace tracebacks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from hub.api.deps import Services
from hub.api.staff.auth import FormRejected, LoginRequired, PermissionDenied
from hub.db.staff import StaffSession
from hub.domain.staff import ROLE_PERMISSIONS

logger = logging.getLogger(__name__)

STAFF_PREFIX = "/dashboard"
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
NAV: tuple[tuple[str, str, str], ...] = (
    ("overview", "Overview", STAFF_PREFIX),
    ("stock", "Stock", f"{STAFF_PREFIX}/stock"),
    ("discrepancies", "Discrepancies", f"{STAFF_PREFIX}/discrepancies"),
    ("pickups", "Pickups & orders", f"{STAFF_PREFIX}/pickups"),
    ("devices", "Devices", f"{STAFF_PREFIX}/devices"),
    ("demand", "Demand", f"{STAFF_PREFIX}/demand"),
    ("tryon", "Try-on photos", f"{STAFF_PREFIX}/tryon"),
    ("prices", "Prices", f"{STAFF_PREFIX}/prices"),
    ("audit", "AI audit", f"{STAFF_PREFIX}/audit"),
    ("users", "Staff", f"{STAFF_PREFIX}/users"),
)


def render(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    session: StaffSession | None,
    status_code: int = 200,
) -> HTMLResponse:
    """Renders a staff page with the layout context and the security headers.

    Args:
        templates: the hub's Jinja2 templates.
        request: the request being answered.
        name: the template, e.g. `staff/overview.html`.
        context: the page's own values (its view model).
        session: the logged-in staff session, None on the login and error pages.
        status_code: the HTTP status.
    """
    permissions = ROLE_PERMISSIONS.get(session.user.role, frozenset()) if session else frozenset()
    nav = [item for item in NAV if item[0] != "users" or "users" in permissions]
    full = {
        "staff": session,
        "permissions": permissions,
        "csrf_token": session.csrf_token if session else "",
        "nav": nav if session else [],
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/static/"))


def install_error_pages(app: FastAPI, templates: Jinja2Templates) -> None:
    """Adds the handlers that turn staff errors into pages (the JSON API keeps JSON errors).

    Args:
        app: the hub's app.
        templates: the hub's Jinja2 templates (for the error pages).
    """

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        if request.headers.get("accept", "").startswith("text/event-stream"):
            return PlainTextResponse("log in first", status_code=401)
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='')}", status_code=303)

    async def denied(request: Request, exc: Exception) -> Response:
        return _error_page(templates, request, 403, "Not allowed", str(exc))

    async def rejected(request: Request, exc: Exception) -> Response:
        return _error_page(templates, request, 400, "Form refused", str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _is_api(request):
            return await http_exception_handler(request, exc)
        title = "Not found" if exc.status_code == 404 else "Request failed"
        return _error_page(templates, request, exc.status_code, title, str(exc.detail))

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _error_page(templates, request, 422, "Invalid request", problems)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PermissionDenied, denied)
    app.add_exception_handler(FormRejected, rejected)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)


def _error_page(
    templates: Jinja2Templates, request: Request, status: int, title: str, detail: str
) -> HTMLResponse:
    return render(
        templates,
        request,
        "staff/error.html",
        {"title": title, "detail": detail, "status": status, "active": ""},
        session=None,
        status_code=status,
    )


def page(
    services: Services,
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    session: StaffSession,
    status_code: int = 200,
) -> HTMLResponse:
    """Renders a page of the logged-in dashboard (`render` with the hub's templates and store)."""
    return render(
        services.templates,
        request,
        name,
        {"store_id": services.settings.store_id, **context},
        session=session,
        status_code=status_code,
    )
