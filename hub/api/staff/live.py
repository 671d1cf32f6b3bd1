"""Provides `GET /dashboard/live`: the staff pages' live event stream (server-sent events).

Only a staff session opens it (no session: 401, so the browser's EventSource stops instead of
following a redirect). Each frame carries the event's arrival position as its SSE id, and the
stream starts with a `retry:` field, so a dropped connection resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from hub.api.deps import Services
from hub.api.staff.auth import Staff
from hub.api.staff.pages import STAFF_PREFIX
from hub.db import repo
from hub.domain.dashboard.events import feed_row

router = APIRouter(tags=["staff"], include_in_schema=False)

RETRY_MS = 1500
KEEPALIVE_S = 15.0
BATCH = 200


async def _frames(services: Services, after: int) -> AsyncIterator[str]:
    with services.notifier.subscribe() as wake:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        while not services.notifier.closed:
            wake.clear()
            batch = repo.events_after(services.db, after, limit=BATCH)
            for e in batch:
                after = e.pos
                row = feed_row(
                    pos=e.pos,
                    received_at=e.received_at,
                    device=e.device,
                    seq=e.seq,
                    event_type=e.type,
                    payload=e.payload,
                )
                yield f"id: {e.pos}\nevent: feed\ndata: {json.dumps(asdict(row))}\n\n"
            if len(batch) == BATCH:
                continue
            try:
                await asyncio.wait_for(wake.wait(), KEEPALIVE_S)
            except TimeoutError:
                yield ": keepalive\n\n"


@router.get(f"{STAFF_PREFIX}/live", response_class=StreamingResponse)
async def live(
    services: Services,
    session: Staff,
    after: int | None = Query(default=None, ge=0, description="stream events after this pos"),
    last_event_id: str | None = Header(default=None),
) -> StreamingResponse:
    """Streams each newly accepted event as an `event: feed` frame with its feed-row JSON."""
    del session
    start = after
    if last_event_id is not None and last_event_id.isdigit():
        start = int(last_event_id)
    if start is None:
        start = repo.last_event_pos(services.db)
    return StreamingResponse(
        _frames(services, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
