"""Provides pickup reservations in the hub database: create (idempotent by key), read, list,
move between states, expire. Every change of held units is a ledger movement named after the
reservation, in the same transaction as the state change.

Functions take a `Database` and run inside the caller's write transaction (`BEGIN IMMEDIATE`
serialises writers, which is what makes "first committed wins" hold when stock is short).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from contracts.ids import new_ulid
from contracts.orders import Reservation, ReservationRequest, ReservationState
from hub.db import catalog, stock
from hub.db.codec import from_db_time, to_db_time
from hub.db.stock import Movement
from hub.domain.reservations import (
    ReservationPolicy,
    can_transition,
    hold_until,
    ledger_effects,
    pickup_code,
    reservable_units,
)
from hub.errors import (
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    UnknownProduct,
)

_SELECT = (
    "SELECT r.id, r.pickup_code, r.gtin, COALESCE(p.name, r.gtin), r.quantity, r.state,"
    " r.device, s.location, r.created_at, r.expires_at, r.updated_at, r.request_sha256"
    " FROM reservations r LEFT JOIN products p ON p.gtin = r.gtin"
    " LEFT JOIN shelf_locations s ON s.gtin = r.gtin"
)


@dataclass(frozen=True, slots=True)
class _Hold:
    """How a new reservation is made: its key, request digest, time and policy."""

    key: str
    digest: str
    now: datetime
    policy: ReservationPolicy


def request_digest(request: ReservationRequest) -> str:
    """SHA-256 of a request's canonical JSON (a reused key must carry the same request)."""
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def _reservation(row: Sequence[object]) -> Reservation:
    return Reservation(
        id=str(row[0]),
        pickup_code=str(row[1]),
        gtin=str(row[2]),
        name=str(row[3]),
        quantity=int(str(row[4])),
        state=row[5],
        device=str(row[6]),
        shelf_location=None if row[7] is None else str(row[7]),
        created_at=from_db_time(str(row[8])),
        expires_at=from_db_time(str(row[9])),
        updated_at=from_db_time(str(row[10])),
    )


def source_event(reservation_id: str) -> str:
    """The ledger source name of a reservation's movements."""
    return f"reservation:{reservation_id}"


def _write_effects(
    db: Database, reservation: Reservation, target: ReservationState, now: datetime
) -> None:
    for kind, units in ledger_effects(target, reservation.quantity):
        movement = Movement(reservation.gtin, kind, units, source_event(reservation.id))
        stock.record_movement(db, movement, now)


def create_reservation(
    db: Database,
    request: ReservationRequest,
    *,
    key: str,
    now: datetime,
    policy: ReservationPolicy,
) -> tuple[Reservation, bool]:
    """Holds units for a shopper, or returns the reservation made earlier with `key`.

    Returns:
        The reservation and whether this call created it.

    Raises:
        IdempotencyKeyReused: `key` was used for a different request.
        UnknownProduct: the GTIN is not in the hub's catalog.
        InsufficientStock: fewer units are free than asked for.
    """
    digest = request_digest(request)
    found = db.execute(f"{_SELECT} WHERE r.idempotency_key = ?", [key]).fetchone()
    if found is not None:
        if found[11] != digest:
            raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was used for another request")
        return _reservation(found), False
    _check_free(db, request, policy)
    reservation_id = "res_" + new_ulid(int(now.timestamp() * 1000))
    _insert(db, reservation_id, request, _Hold(key, digest, now, policy))
    created = get_reservation(db, reservation_id)
    _write_effects(db, created, "new", now)
    return created, True


def _check_free(db: Database, request: ReservationRequest, policy: ReservationPolicy) -> None:
    if not catalog.product_exists(db, request.gtin):
        raise UnknownProduct(f"GTIN {request.gtin} is not in this store's catalog")
    free = reservable_units(
        stock.on_hand(db, request.gtin),
        central_reachable=catalog.load_sync_state(db).central_reachable,
        safety_buffer_units=policy.safety_buffer_units,
    )
    if request.quantity > free:
        raise InsufficientStock(f"{free} unit(s) can be reserved, {request.quantity} asked for")


def _insert(db: Database, reservation_id: str, request: ReservationRequest, held: _Hold) -> None:
    stamp = to_db_time(held.now)
    db.table("reservations").insert(
        {
            "id": reservation_id,
            "idempotency_key": held.key,
            "request_sha256": held.digest,
            "pickup_code": pickup_code(reservation_id),
            "gtin": request.gtin,
            "quantity": request.quantity,
            "device": request.device,
            "state": "new",
            "created_at": stamp,
            "expires_at": to_db_time(hold_until(held.now, hold_s=held.policy.hold_s)),
            "updated_at": stamp,
        }
    )


def get_reservation(db: Database, reservation_id: str) -> Reservation:
    """One reservation.

    Raises:
        NotFound: no reservation has this id.
    """
    found = db.execute(f"{_SELECT} WHERE r.id = ?", [reservation_id]).fetchone()
    if found is None:
        raise NotFound(f"no reservation with id {reservation_id!r}")
    return _reservation(found)


def list_reservations(
    db: Database, *, states: Sequence[ReservationState] = (), limit: int
) -> list[Reservation]:
    """Reservations, oldest first (the pickup queue order); all states when `states` is empty."""
    where, params = "", list[object]()
    if states:
        where = f" WHERE r.state IN ({','.join('?' * len(states))})"
        params = list(states)
    rows = db.execute(
        f"{_SELECT}{where} ORDER BY r.created_at, r.id LIMIT ?", [*params, limit]
    ).fetchall()
    return [_reservation(row) for row in rows]


def transition(
    db: Database, reservation_id: str, target: ReservationState, *, now: datetime
) -> Reservation:
    """Moves a reservation to `target` and writes the ledger movements that go with it.

    Asking for the state it is already in changes nothing (a retried staff click).

    Raises:
        NotFound: no reservation has this id.
        InvalidTransition: the move is not allowed (e.g. from a final state).
    """
    current = get_reservation(db, reservation_id)
    if current.state == target:
        return current
    if not can_transition(current.state, target):
        raise InvalidTransition(
            f"reservation {reservation_id} is {current.state}; it cannot become {target}"
        )
    db.execute(
        "UPDATE reservations SET state = ?, updated_at = ? WHERE id = ?",
        [target, to_db_time(now), reservation_id],
    )
    _write_effects(db, current, target, now)
    return get_reservation(db, reservation_id)


def expire_due(db: Database, *, now: datetime) -> list[Reservation]:
    """Expires every open reservation whose hold time is over and releases its units.

    Returns:
        The reservations expired by this call.
    """
    rows = db.execute(
        "SELECT id FROM reservations WHERE state IN ('new', 'ready') AND expires_at <= ?",
        [to_db_time(now)],
    ).fetchall()
    return [transition(db, str(row[0]), "expired", now=now) for row in rows]


def held_units(db: Database, gtin: str) -> int:
    """Units of a product held by open reservations."""
    row = db.execute(
        "SELECT COALESCE(SUM(quantity), 0) FROM reservations"
        " WHERE gtin = ? AND state IN ('new', 'ready')",
        [gtin],
    ).fetchone()
    return int(row[0])
