"""Provides `GET /api/v1/health`: database, broker, central and catalog freshness in one view."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Response

from hub.api.deps import Services
from hub.api.schemas import HealthOut
from hub.db import catalog, repo

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def get_health(services: Services, response: Response) -> HealthOut:
    """Answers 200 while the database works (status `degraded` if broker or central are down),
    503 when the database does not answer."""
    db = services.db
    broker = services.broker_connected()
    try:
        state = catalog.load_sync_state(db)
        products = repo.count_rows(db, "products")
        events = repo.last_event_pos(db)
        dead = repo.count_rows(db, "dead_letters")
    except sqlite3.Error as exc:
        response.status_code = 503
        return HealthOut(
            status="degraded",
            store=services.settings.store_id,
            db_ok=False,
            broker_connected=broker,
            central_reachable=False,
            catalog_as_of=None,
            catalog_cursor=0,
            last_sync_error=f"database: {exc}",
            products=0,
            events=0,
            dead_letters=0,
        )
    return HealthOut(
        status="ok" if broker and state.central_reachable else "degraded",
        store=services.settings.store_id,
        db_ok=True,
        broker_connected=broker,
        central_reachable=state.central_reachable,
        catalog_as_of=state.caught_up_as_of,
        catalog_cursor=state.cursor,
        last_sync_error=state.last_error,
        products=products,
        events=events,
        dead_letters=dead,
    )
