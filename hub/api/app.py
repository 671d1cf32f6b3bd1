"""Provides `create_app`: the hub's FastAPI app (kiosk/device API, staff dashboard, SSE)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from contracts.orders import Refusal
from hub.api.api_auth import api_gate, install_api_auth
from hub.api.deps import HubServices, get_services
from hub.api.notifier import EventNotifier
from hub.api.routes import (
    cards,
    devices,
    events,
    health,
    orders,
    outbox,
    reconciliation,
    reservations,
)
from hub.api.staff.site import install_staff_site
from hub.config import HubSettings
from hub.errors import RequestRefused

API_DIR = Path(__file__).resolve().parent


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _never_connected() -> bool:
    return False


def _nothing() -> None:
    return None


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    """Answers a refused request with its status and a `Refusal` body."""
    if not isinstance(exc, RequestRefused):
        raise exc
    body = Refusal(code=exc.code, message=str(exc))
    return JSONResponse(status_code=exc.status, content=body.model_dump(mode="json"))


def create_app(
    settings: HubSettings,
    db: Database,
    *,
    notifier: EventNotifier | None = None,
    broker_connected: Callable[[], bool] = _never_connected,
    clock: Callable[[], datetime] = _utc_now,
    outbox_wake: Callable[[], None] = _nothing,
) -> FastAPI:
    """Builds the hub's HTTP app over one database connection.

    Routes are `async` so every use of `db` happens on the server's event loop thread.

    Args:
        settings: the hub's settings.
        db: a connection for the API alone (see `hub.db.connection.open_database`).
        notifier: the notifier ingest wakes on each commit (a fresh one if omitted).
        broker_connected: reports whether ingest holds a broker session.
        clock: returns the current UTC time.
        outbox_wake: wakes the central-outbox sender after an order is queued.
    """
    services = HubServices(
        settings=settings,
        db=db,
        notifier=notifier or EventNotifier(),
        broker_connected=broker_connected,
        clock=clock,
        templates=Jinja2Templates(directory=API_DIR / "templates"),
        outbox_wake=outbox_wake,
    )
    app = FastAPI(
        title=f"aisle hub ({settings.store_id})", version="1", dependencies=[Depends(api_gate)]
    )

    async def provide_services() -> HubServices:
        return services

    app.dependency_overrides[get_services] = provide_services
    app.add_exception_handler(RequestRefused, _refused)
    install_api_auth(app)
    for module in (cards, devices, events, health, reservations, orders, outbox, reconciliation):
        app.include_router(module.router)
    install_staff_site(app, services.templates)
    app.mount("/static", StaticFiles(directory=API_DIR / "static"), name="static")
    return app
