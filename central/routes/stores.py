"""Provides store availability pushed by hubs: `PUT/GET /v1/stores/{store}/availability`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path

from central.repository import CentralRepository
from central.routes.orders import IDEMPOTENCY_KEY_PATTERN
from contracts.catalog import AvailabilityReceipt, StoreAvailability, StoreAvailabilityRow
from contracts.ids import IDENTIFIER_PATTERN

StoreId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN.pattern, description="store id")]


def build_router(repository: CentralRepository) -> APIRouter:
    """Builds the store availability router around `repository`."""
    router = APIRouter(prefix="/v1/stores", tags=["stores"])

    @router.put("/{store}/availability")
    def put_availability(
        store: StoreId,
        push: StoreAvailability,
        idempotency_key: Annotated[
            str | None,
            Header(
                pattern=IDEMPOTENCY_KEY_PATTERN,
                description="one key per push: repeating it with the same body returns the "
                "first receipt; with another body, 409 idempotency_key_reused",
            ),
        ] = None,
    ) -> AvailabilityReceipt:
        """Upserts a store's on-hand counts; repeated or older rows change nothing; a repeated
        Idempotency-Key gets the first answer (409 when the body differs)."""
        return repository.put_availability(store, push, idempotency_key=idempotency_key)

    @router.get("/{store}/availability")
    def get_availability(store: StoreId) -> list[StoreAvailabilityRow]:
        """Returns the on-hand counts a store last pushed."""
        return repository.availability(store)

    return router
