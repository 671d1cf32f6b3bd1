"""Provides who may call `/api/v1`: device/kiosk bearer tokens or a staff session.

Every `/api/v1` route needs `Authorization: Bearer <token>` of a live token (`aisle hub
add-token`) or a valid staff session cookie; `/api/v1/health` stays open (liveness). Without
either the answer is 401 with a `Refusal` body (`code` = `unauthorized`).

Two kinds of routes ask for more (403 `forbidden` otherwise):
- staff actions (`StaffPickupCaller`: pickup ready / picked-up / cancel) need a staff session
  whose role allows them, and with the cookie an `X-CSRF-Token` header equal to the session's
  CSRF token on every unsafe method; no device token reaches them;
- hub administration (`ServiceCaller`: reference photos, index builds, outbox retry) needs a
  `service` token or a staff session; kiosk and device tokens may not.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from contracts.orders import Refusal
from hub.api.deps import Services
from hub.api.staff.auth import SESSION_COOKIE, LoginRequired, current_staff
from hub.db import api_tokens
from hub.db.staff import StaffSession
from hub.domain.staff import Permission, can
from hub.errors import RequestRefused

API_PREFIX = "/api/v1/"
OPEN_PATHS = frozenset({"/api/v1/health"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


class ApiUnauthorized(RequestRefused):
    """No live token and no staff session (401)."""

    code = "unauthorized"
    status = 401


class ApiForbidden(RequestRefused):
    """The caller is known but may not use this route (403)."""

    code = "forbidden"
    status = 403


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who is calling the API.

    Attributes:
        device: the token's device id, or None for a staff session.
        role: the token's role (`kiosk`, `device`, `service`) or the staff role.
        staff: the staff session, or None for a token.
    """

    device: str | None
    role: str
    staff: StaffSession | None


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when there is none.

    Raises:
        ApiUnauthorized: if the header is present but not a bearer token.
    """
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiUnauthorized("Authorization header must be 'Bearer <token>'")
    return token.strip()


async def _staff_caller(request: Request, services: Services) -> ApiCaller:
    try:
        session = await current_staff(request, services)
    except LoginRequired as exc:
        raise ApiUnauthorized("the staff session has expired: log in again") from exc
    if request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER, "")
        if not given or not hmac.compare_digest(given.encode(), session.csrf_token.encode()):
            raise ApiForbidden(f"a staff session must send its CSRF token in {CSRF_HEADER}")
    return ApiCaller(device=None, role=session.user.role, staff=session)


async def resolve_caller(request: Request, services: Services) -> ApiCaller:
    """The token or staff session behind a request.

    Raises:
        ApiUnauthorized: no token or session, or an unknown, revoked or expired one.
        ApiForbidden: a staff session's unsafe request without its CSRF header.
    """
    token = bearer_token(request)
    if token is not None:
        found = api_tokens.find_live_token(services.db, token)
        if found is None:
            raise ApiUnauthorized("unknown or revoked API token")
        return ApiCaller(device=found.device, role=found.role, staff=None)
    if request.cookies.get(SESSION_COOKIE):
        return await _staff_caller(request, services)
    raise ApiUnauthorized(
        "this API needs 'Authorization: Bearer <token>' (aisle hub add-token) or a staff login"
    )


async def api_gate(request: Request, services: Services) -> None:
    """App-wide dependency: refuses `/api/v1` requests without a caller (health stays open)."""
    path = request.url.path
    if path.startswith(API_PREFIX) and path not in OPEN_PATHS:
        await resolve_caller(request, services)


Caller = Annotated[ApiCaller, Depends(resolve_caller)]


def _staff_requirer(
    permission: Permission, what: str
) -> Callable[[ApiCaller], Awaitable[ApiCaller]]:
    async def dependency(caller: Caller) -> ApiCaller:
        if caller.staff is None:
            raise ApiForbidden(f"{what} need a staff session; device tokens may not use them")
        if not can(caller.role, permission):
            raise ApiForbidden(f"a {caller.role} may not use {what}")
        return caller

    return dependency


async def service_caller(caller: Caller) -> ApiCaller:
    """A `service` token or a staff session.

    Raises:
        ApiForbidden: for kiosk and device tokens.
    """
    if caller.staff is None and caller.role != "service":
        raise ApiForbidden(f"a {caller.role} token may not administer the hub (needs service)")
    return caller


StaffPickupCaller = Annotated[ApiCaller, Depends(_staff_requirer("pickups", "pickup actions"))]
ServiceCaller = Annotated[ApiCaller, Depends(service_caller)]


async def _unauthorized(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestRefused):
        raise exc
    body = Refusal(code=exc.code, message=str(exc))
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(
        status_code=exc.status, content=body.model_dump(mode="json"), headers=headers
    )


def install_api_auth(app: FastAPI) -> None:
    """Answers 401 with `WWW-Authenticate: Bearer` (the gate itself is `api_gate`)."""
    app.add_exception_handler(ApiUnauthorized, _unauthorized)
