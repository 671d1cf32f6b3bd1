"""Provides the hub API's own response models (product cards come from `contracts.cards`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

HEAD_BYTES = 200


class ApiModel(BaseModel):
    """Base of the API's response models: frozen."""

    model_config = ConfigDict(frozen=True)


class EventOut(ApiModel):
    """One accepted device event."""

    pos: int = Field(description="arrival position at the hub (SSE event id)")
    id: str = Field(description="event id (ULID made on the device)")
    store: str = Field(description="store id")
    device: str = Field(description="device id")
    seq: int = Field(description="per-device sequence number")
    type: str = Field(description="payload type")
    ts: datetime = Field(description="UTC time the device made the event")
    received_at: datetime = Field(description="UTC time the hub applied it")
    payload: dict[str, Any] = Field(description="the event's payload")


class DeviceOut(ApiModel):
    """One device as the hub knows it."""

    id: str = Field(description="device id")
    profile: str | None = Field(description="kiosk or glasses, from its state")
    status: str = Field(description="online, offline, degraded, or unknown before any state")
    reasons: list[str] = Field(description="why the device is degraded")
    last_seen: datetime | None = Field(description="UTC time of its last message")
    last_seq: int = Field(description="highest seq received")
    events_applied: int = Field(description="events applied")
    duplicates: int = Field(description="redeliveries ignored")
    open_gaps: int = Field(description="seq gaps not yet filled")
    models: dict[str, str] = Field(description="model name -> version")
    index_version: str | None = Field(description="photo-search index version")
    fps: float | None = Field(description="frames per second, last reported")
    outbox_depth: int | None = Field(description="events waiting in its outbox, last reported")


class GapOut(ApiModel):
    """One recorded seq gap of a device."""

    device: str = Field(description="device id")
    from_seq: int = Field(description="first missing seq")
    to_seq: int = Field(description="last missing seq")
    detected_at: datetime = Field(description="UTC time the gap was seen")
    filled: bool = Field(description="the late events arrived")
    filled_at: datetime | None = Field(description="UTC time it was filled")


class DeadLetterOut(ApiModel):
    """One rejected message."""

    id: int = Field(description="dead letter id")
    topic: str = Field(description="topic it arrived on")
    reason: str = Field(description="why it was rejected")
    head: str = Field(description="its first 200 bytes, undecodable bytes escaped")
    size_bytes: int = Field(description="its full size")
    received_at: datetime = Field(description="UTC arrival time")


class DemandOut(ApiModel):
    """Requests for a code the catalog does not hold."""

    code: str = Field(description="the code asked for (GTIN-14 when it is one)")
    device: str = Field(description="the device that asked, or api")
    count: int = Field(description="how many times")
    first_seen: datetime = Field(description="UTC time of the first request")
    last_seen: datetime = Field(description="UTC time of the latest request")


class HealthOut(ApiModel):
    """The hub's health, for `aisle store up`, staff and monitoring."""

    status: Literal["ok", "degraded"] = Field(description="ok when every dependency is up")
    store: str = Field(description="store id")
    db_ok: bool = Field(description="the database answered")
    broker_connected: bool = Field(description="ingest holds a broker session")
    central_reachable: bool = Field(description="the latest catalog sync reached central")
    catalog_as_of: datetime | None = Field(description="central's time of the last caught-up sync")
    catalog_cursor: int = Field(description="change-feed cursor of the local copy")
    last_sync_error: str | None = Field(description="reason of the latest failed sync")
    products: int = Field(description="products in the local copy")
    events: int = Field(description="events applied")
    dead_letters: int = Field(description="messages rejected")
