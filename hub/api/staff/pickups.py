"""Provides `/dashboard/pickups`: the reservation queue (new, ready, picked up, expired,
cancelled) with the staff moves, and delivery orders with their state at central."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from hub.api.deps import Services
from hub.api.staff.auth import PickupsStaff, Staff, StaffForm
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db import orders, reservations
from hub.db.connection import write_transaction
from hub.domain.dashboard.pickups import MOVE_TARGETS, TABS, moves_for, tab_states
from hub.errors import InvalidTransition, NotFound

logger = logging.getLogger(__name__)
router = APIRouter(tags=["staff"], include_in_schema=False)
PATH = f"{STAFF_PREFIX}/pickups"
LIST_LIMIT = 100
ORDER_LIMIT = 30


@router.get(PATH, response_class=HTMLResponse)
async def pickups_page(
    request: Request,
    services: Services,
    session: Staff,
    tab: str = "queue",
    done: str = "",
    refused: str = "",
) -> HTMLResponse:
    """The reservation queue of one tab and the latest delivery orders."""
    key, states = tab_states(tab)
    db = services.db
    return page(
        services,
        request,
        "staff/pickups.html",
        {
            "title": "Pickups & orders",
            "active": "pickups",
            "tab": key,
            "tabs": TABS,
            "reservations": reservations.list_reservations(db, states=states, limit=LIST_LIMIT),
            "orders": orders.list_orders(db, limit=ORDER_LIMIT),
            "moves_for": moves_for,
            "flash": done,
            "refused": refused,
        },
        session=session,
    )


@router.post(f"{PATH}/{{reservation_id}}/{{move}}", response_class=HTMLResponse)
async def move_reservation(
    services: Services,
    session: PickupsStaff,
    form: StaffForm,
    reservation_id: str,
    move: str,
) -> Response:
    """Moves a reservation (ready, picked up, cancelled) and writes its ledger movements.

    Raises:
        HTTPException: 404 for an unknown reservation or move.
    """
    target = MOVE_TARGETS.get(move)
    if target is None:
        raise HTTPException(status_code=404, detail=f"no such move {move!r}")
    tab, _ = tab_states(form.get("tab", "queue"))
    try:
        with write_transaction(services.db):
            moved = reservations.transition(
                services.db, reservation_id, target, now=services.clock()
            )
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except InvalidTransition as exc:
        return RedirectResponse(f"{PATH}?{urlencode({'tab': tab, 'refused': str(exc)})}", 303)
    services.notifier.notify()
    logger.info("reservation %s -> %s by=%s", reservation_id, moved.state, session.user.username)
    note = f"Reservation {moved.pickup_code} is now {moved.state.replace('_', ' ')}."
    return RedirectResponse(f"{PATH}?{urlencode({'tab': tab, 'done': note})}", status_code=303)
