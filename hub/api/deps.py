"""Provides the API's typed dependencies (`Annotated[..., Depends(...)]`).

The services of one app live in a `HubServices` value that `create_app` binds to the
`get_services` provider of that app only (through FastAPI's dependency overrides), so nothing is
hung on `app.state` and each app, including each test's, gets exactly the services it was built
with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database

from hub.api.notifier import EventNotifier
from hub.config import HubSettings
from hub.errors import HubError


@dataclass(frozen=True, slots=True)
class HubServices:
    """What the routes of one hub app use.

    Attributes:
        db: the API's own database connection (used from the server's event loop only).
        notifier: wakes live event streams when ingest commits.
        broker_connected: tells whether ingest holds a broker session.
        clock: returns the current UTC time.
        templates: the dashboard's Jinja2 templates.
        outbox_wake: tells the central-outbox sender that a write was queued.
    """

    settings: HubSettings
    db: Database
    notifier: EventNotifier
    broker_connected: Callable[[], bool]
    clock: Callable[[], datetime]
    templates: Jinja2Templates
    outbox_wake: Callable[[], None] = lambda: None


async def get_services() -> HubServices:
    """Placeholder provider; `create_app` binds it to the app's services.

    Raises:
        HubError: always, when a router is used outside an app made by `create_app`.
    """
    raise HubError("hub API dependencies are not wired: build the app with create_app()")


Services = Annotated[HubServices, Depends(get_services)]


async def get_db(services: Services) -> Database:
    """The API's database connection."""
    return services.db


async def get_settings(services: Services) -> HubSettings:
    """The hub's settings."""
    return services.settings


Db = Annotated[Database, Depends(get_db)]
Settings = Annotated[HubSettings, Depends(get_settings)]
