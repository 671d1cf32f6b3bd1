"""Provides `/dashboard/devices` (profile, status, last seen, outbox depth, seq gaps, fps,
model and index versions, problems), `/dashboard/devices/{id}` and `/dashboard/events/{id}`."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from hub.api.deps import Services
from hub.api.staff.auth import Staff
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db import device_view, repo
from hub.domain.dashboard.devices import ago, device_problems
from hub.domain.dashboard.events import describe_event

router = APIRouter(tags=["staff"], include_in_schema=False)
DEVICE_EVENTS = 30


@router.get(f"{STAFF_PREFIX}/devices", response_class=HTMLResponse)
async def devices_page(request: Request, services: Services, session: Staff) -> HTMLResponse:
    """Every device with its health and problems."""
    db, now = services.db, services.clock()
    rejected = device_view.dead_letters_by_device(db)
    rows = [
        (
            d,
            device_problems(
                status=d.status,
                reasons=d.reasons,
                open_gaps=d.open_gaps,
                dead_letters=rejected.get(d.id, 0),
                last_seen=d.last_seen,
                now=now,
            ),
        )
        for d in repo.list_devices(db)
    ]
    return page(
        services,
        request,
        "staff/devices.html",
        {"title": "Devices", "active": "devices", "rows": rows, "ago": ago, "now": now},
        session=session,
    )


@router.get(f"{STAFF_PREFIX}/devices/{{device_id}}", response_class=HTMLResponse)
async def device_page(
    request: Request, services: Services, session: Staff, device_id: str
) -> HTMLResponse:
    """One device: its state, gaps and newest events.

    Raises:
        HTTPException: 404 for a device the hub never heard from.
    """
    db, now = services.db, services.clock()
    device = next((d for d in repo.list_devices(db) if d.id == device_id), None)
    if device is None:
        raise HTTPException(status_code=404, detail=f"no device {device_id!r} is known")
    problems = device_problems(
        status=device.status,
        reasons=device.reasons,
        open_gaps=device.open_gaps,
        dead_letters=device_view.dead_letters_by_device(db).get(device.id, 0),
        last_seen=device.last_seen,
        now=now,
    )
    events = device_view.device_events(db, device_id, limit=DEVICE_EVENTS)
    return page(
        services,
        request,
        "staff/device.html",
        {
            "title": device_id,
            "active": "devices",
            "d": device,
            "problems": problems,
            "gaps": repo.list_gaps(db, device=device_id),
            "events": [(e, describe_event(e.type, e.payload)) for e in events],
            "ago": ago,
            "now": now,
        },
        session=session,
    )


@router.get(f"{STAFF_PREFIX}/events/{{event_id}}", response_class=HTMLResponse)
async def event_page(
    request: Request, services: Services, session: Staff, event_id: str
) -> HTMLResponse:
    """One accepted device event, as stored.

    Raises:
        HTTPException: 404 for an unknown event id.
    """
    event = device_view.get_event(services.db, event_id)
    if event is None:
        raise HTTPException(status_code=404, detail=f"no event {event_id!r}")
    return page(
        services,
        request,
        "staff/event.html",
        {"title": f"event {event.seq}", "active": "devices", "e": event},
        session=session,
    )
