"""Provides the staff view of the central outbox: `GET /api/v1/outbox` and
`POST /api/v1/outbox/retry` (try every waiting write now).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from hub.api.api_auth import ServiceCaller
from hub.api.deps import Db, Services
from hub.db.connection import write_transaction
from hub.domain.retry import OutboxState
from hub.outbox import store

router = APIRouter(prefix="/api/v1/outbox", tags=["outbox"])


class OutboxRowOut(BaseModel):
    """One write the hub owes (or owed) central."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(description="row id")
    kind: str = Field(description="order, availability, ...")
    idempotency_key: str = Field(description="central's dedupe key")
    ref: str | None = Field(description="local id it belongs to")
    state: OutboxState = Field(description="pending, sent or failed_permanent")
    attempts: int = Field(description="sends so far")
    next_attempt_at: datetime | None = Field(description="UTC time of the next try")
    created_at: datetime = Field(description="UTC time it was queued")
    last_error: str | None = Field(description="why the last try failed")
    response_status: int | None = Field(description="central's last HTTP status")


class OutboxOut(BaseModel):
    """Outbox counts per state and the newest rows."""

    model_config = ConfigDict(frozen=True)

    counts: dict[str, int] = Field(description="rows per state")
    rows: list[OutboxRowOut] = Field(description="newest first")


@router.get("")
async def get_outbox(
    db: Db,
    state: Annotated[OutboxState | None, Query(description="filter")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> OutboxOut:
    """What the hub still owes central, and what it delivered or central refused."""
    rows = [
        OutboxRowOut(
            id=r.id,
            kind=r.write.kind,
            idempotency_key=r.write.idempotency_key,
            ref=r.write.ref,
            state=r.state,
            attempts=r.attempts,
            next_attempt_at=r.next_attempt_at,
            created_at=r.created_at,
            last_error=r.last_error,
            response_status=r.response_status,
        )
        for r in store.list_rows(db, state=state, limit=limit)
    ]
    return OutboxOut(counts=store.count_by_state(db), rows=rows)


@router.post("/retry")
async def retry_now(services: Services, _admin: ServiceCaller) -> dict[str, int]:
    """Makes every waiting write due now and wakes the sender."""
    with write_transaction(services.db):
        woken = store.wake_all(services.db, now=services.clock())
    services.outbox_wake()
    return {"rescheduled": woken}
