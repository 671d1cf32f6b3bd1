"""Provides the event endpoints: recent events, the live stream (SSE) and dead letters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from hub.api.deps import Db, Services
from hub.api.schemas import HEAD_BYTES, DeadLetterOut, EventOut
from hub.db import repo
from hub.db.repo import EventRecord

router = APIRouter(prefix="/api/v1", tags=["events"])

KEEPALIVE_S = 15.0
STREAM_BATCH = 200
RETRY_MS = 2000


def _event_out(record: EventRecord) -> EventOut:
    return EventOut(
        pos=record.pos,
        id=record.id,
        store=record.store,
        device=record.device,
        seq=record.seq,
        type=record.type,
        ts=record.ts,
        received_at=record.received_at,
        payload=record.payload,
    )


@router.get("/events", response_model=list[EventOut])
async def list_events(db: Db, limit: int = Query(default=50, ge=1, le=1000)) -> list[EventOut]:
    """The most recently accepted events, newest first."""
    return [_event_out(record) for record in repo.recent_events(db, limit=limit)]


async def _stream(services: Services, after: int) -> AsyncIterator[str]:
    """Yields SSE frames for every event after `after`, sleeping until ingest commits more."""
    with services.notifier.subscribe() as wake:
        yield f"retry: {RETRY_MS}\n\n"
        while not services.notifier.closed:
            # Clear before reading: a commit after this point sets it again, none is missed.
            wake.clear()
            batch = repo.events_after(services.db, after, limit=STREAM_BATCH)
            for record in batch:
                after = record.pos
                data = _event_out(record).model_dump_json()
                yield f"id: {record.pos}\nevent: event\ndata: {data}\n\n"
            if len(batch) == STREAM_BATCH:
                continue
            try:
                await asyncio.wait_for(wake.wait(), KEEPALIVE_S)
            except TimeoutError:
                yield ": keepalive\n\n"


@router.get("/events/stream", response_class=StreamingResponse)
async def stream_events(
    services: Services,
    after: int | None = Query(default=None, ge=0, description="stream events after this pos"),
    last_event_id: str | None = Header(default=None),
) -> StreamingResponse:
    """Server-sent events: each newly accepted event as `event: event` with its JSON.

    Starts after the browser's `Last-Event-ID` (sent when it reconnects), else after `after`,
    else with the next new event.
    """
    start = after
    if last_event_id is not None and last_event_id.isdigit():
        start = int(last_event_id)
    if start is None:
        start = repo.last_event_pos(services.db)
    return StreamingResponse(
        _stream(services, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/dead-letters", response_model=list[DeadLetterOut])
async def list_dead_letters(
    db: Db, limit: int = Query(default=50, ge=1, le=1000)
) -> list[DeadLetterOut]:
    """The most recent rejected messages with their reasons, newest first."""
    return [
        DeadLetterOut(
            id=letter.id,
            topic=letter.topic,
            reason=letter.reason,
            head=letter.payload[:HEAD_BYTES].decode("utf-8", errors="backslashreplace"),
            size_bytes=letter.payload_size,
            received_at=letter.received_at,
        )
        for letter in repo.list_dead_letters(db, limit=limit)
    ]
