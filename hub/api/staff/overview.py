"""Provides `GET /dashboard`: the store at a glance (today's activity, devices, discrepancies,
live event feed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.api.deps import Services
from hub.api.staff.auth import Staff
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db import findings, overview, repo
from hub.domain.dashboard.events import feed_row
from hub.domain.dashboard.overview import day_start, overview_view

router = APIRouter(tags=["staff"], include_in_schema=False)
FEED_ROWS = 30


@router.get(STAFF_PREFIX, response_class=HTMLResponse)
async def get_overview(request: Request, services: Services, session: Staff) -> HTMLResponse:
    """The overview page; its feed continues live over `/dashboard/live`."""
    db, now = services.db, services.clock()
    since = day_start(now)
    events = overview.feed(db, limit=FEED_ROWS)
    view = overview_view(
        now=now,
        event_counts=overview.event_counts_since(db, since),
        reservations_today=overview.reservations_since(db, since),
        orders_today=overview.orders_since(db, since),
        open_findings=findings.count_open_findings(db),
        device_statuses=[device.status for device in repo.list_devices(db)],
        feed=[
            feed_row(
                pos=e.pos,
                received_at=e.received_at,
                device=e.device,
                seq=e.seq,
                event_type=e.type,
                payload=e.payload,
            )
            for e in events
        ],
    )
    return page(
        services,
        request,
        "staff/overview.html",
        {"title": "Overview", "active": "overview", "view": view, "live_after": view.live_after},
        session=session,
    )
