"""Provides the device endpoints: `GET /api/v1/devices` and `GET /api/v1/gaps`."""

from __future__ import annotations

from fastapi import APIRouter

from hub.api.deps import Db
from hub.api.schemas import DeviceOut, GapOut
from hub.db import repo

router = APIRouter(prefix="/api/v1", tags=["devices"])


@router.get("/devices", response_model=list[DeviceOut])
async def list_devices(db: Db) -> list[DeviceOut]:
    """Every device that sent an event or a state, with its seq bookkeeping."""
    return [
        DeviceOut(
            id=d.id,
            profile=d.profile,
            status=d.status,
            reasons=d.reasons,
            last_seen=d.last_seen,
            last_seq=d.last_seq,
            events_applied=d.events_applied,
            duplicates=d.duplicates,
            open_gaps=d.open_gaps,
            models=d.models,
            index_version=d.index_version,
            fps=d.fps,
            outbox_depth=d.outbox_depth,
        )
        for d in repo.list_devices(db)
    ]


@router.get("/gaps", response_model=list[GapOut])
async def list_gaps(db: Db, device: str | None = None) -> list[GapOut]:
    """Recorded seq gaps, open and filled (optionally of one device)."""
    return [
        GapOut(
            device=g.device,
            from_seq=g.from_seq,
            to_seq=g.to_seq,
            detected_at=g.detected_at,
            filled=g.filled,
            filled_at=g.filled_at,
        )
        for g in repo.list_gaps(db, device=device)
    ]
