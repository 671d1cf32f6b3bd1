"""Provides pickup reservations: `POST/GET /api/v1/reservations`, `GET .../{id}` and the staff
actions `POST .../{id}/ready`, `.../picked-up`, `.../cancel`.

Every route needs an API token or a staff session (`hub.api.api_auth`); the staff actions need
a staff session allowed to handle pickups (a kiosk token gets 403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from contracts.orders import (
    IDEMPOTENCY_KEY_PATTERN,
    Refusal,
    Reservation,
    ReservationRequest,
    ReservationState,
)
from hub.api.api_auth import ServiceCaller, StaffPickupCaller
from hub.api.deps import Db, Services
from hub.db import reservations
from hub.db.connection import write_transaction
from hub.domain.reservations import ReservationPolicy

router = APIRouter(prefix="/api/v1/reservations", tags=["reservations"])
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="made on the kiosk, one per shopper action; repeating it returns the same",
    ),
]
REFUSALS: dict[int | str, dict[str, object]] = {
    404: {"model": Refusal, "description": "no such reservation"},
    409: {"model": Refusal, "description": "not enough stock, a reused key, or a bad move"},
    422: {"model": Refusal, "description": "unknown product or invalid body"},
}


@router.post("", status_code=201, responses={200: {"model": Reservation}, **REFUSALS})
async def create_reservation(
    request: ReservationRequest,
    key: IdempotencyKey,
    response: Response,
    services: Services,
) -> Reservation:
    """Holds units for pickup: 201 when new, 200 when the key was seen (same reservation)."""
    settings = services.settings
    policy = ReservationPolicy(
        hold_s=settings.reservation_hold_s,
        safety_buffer_units=settings.reservation_safety_buffer_units,
    )
    with write_transaction(services.db):
        reservation, created = reservations.create_reservation(
            services.db, request, key=key, now=services.clock(), policy=policy
        )
    response.status_code = 201 if created else 200
    return reservation


@router.get("")
async def list_reservations(
    db: Db,
    _staff: ServiceCaller,
    state: Annotated[list[ReservationState] | None, Query(description="filter")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[Reservation]:
    """Reservations, oldest first: `?state=new&state=ready` is the staff pickup queue (staff or
    a service token: pickup codes are not for kiosks)."""
    return reservations.list_reservations(db, states=state or (), limit=limit)


@router.get("/{reservation_id}", responses=REFUSALS)
async def get_reservation(reservation_id: str, db: Db) -> Reservation:
    """One reservation (the shopper's confirmation screen polls it)."""
    return reservations.get_reservation(db, reservation_id)


async def _move(services: Services, reservation_id: str, target: ReservationState) -> Reservation:
    with write_transaction(services.db):
        return reservations.transition(services.db, reservation_id, target, now=services.clock())


@router.post("/{reservation_id}/ready", responses=REFUSALS)
async def mark_ready(
    reservation_id: str, services: Services, _staff: StaffPickupCaller
) -> Reservation:
    """Staff put the units aside: the reservation is ready for pickup."""
    return await _move(services, reservation_id, "ready")


@router.post("/{reservation_id}/picked-up", responses=REFUSALS)
async def mark_picked_up(
    reservation_id: str, services: Services, _staff: StaffPickupCaller
) -> Reservation:
    """The shopper collected the units (released from the hold and recorded as a sale)."""
    return await _move(services, reservation_id, "picked_up")


@router.post("/{reservation_id}/cancel", responses=REFUSALS)
async def cancel(reservation_id: str, services: Services, _staff: StaffPickupCaller) -> Reservation:
    """Cancels the reservation and gives its units back."""
    return await _move(services, reservation_id, "cancelled")
