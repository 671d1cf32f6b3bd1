"""Provides `POST /api/v1/devices/{device}/what-is-this`: ask a glasses device what it sees.

The hub publishes a `what_is_this` `DeviceCommand` on the device's cmd topic, then waits (woken
by ingest's commits, never polling on a timer alone) for the `search` event whose `command_id`
is that command's id, and answers with what the glasses were told (`hub/answers`): the sure
product, or "not sure" candidates. No answer within `timeout_s` is a 504 `device_timeout`
(offline, no index yet, or no frame). Each answer handed to a caller is an AI decision in the
audit log (kind `what_is_this`), naming the search's model, input hash, score, threshold and the
caller who asked. Staff sessions, `service` tokens and the device's own token may ask.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlite_utils import Database

from contracts.ids import new_ulid
from contracts.payloads import DeviceCommand, SearchPayload
from contracts.topics import cmd_topic
from hub.answers.search_answer import build_search_answer
from hub.api.api_auth import ApiCaller, ApiForbidden, Caller
from hub.api.deps import HubServices, Services
from hub.db import answers, audit
from hub.errors import HubError, RequestRefused

router = APIRouter(prefix="/api/v1", tags=["devices"])
DeviceId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="device id")]
DEFAULT_TIMEOUT_S = 8.0
MAX_TIMEOUT_S = 30.0
ASKABLE_PROFILES = frozenset({"glasses"})
Publish = Callable[[str, bytes], None]


class UnknownDevice(RequestRefused):
    """No device with this id ever reported to the hub (404)."""

    code = "unknown_device"
    status = 404


class NotAskable(RequestRefused):
    """The device does not answer "what is this?" (409)."""

    code = "not_askable"
    status = 409


class CommandNotSent(RequestRefused):
    """The command could not be handed to the broker (503)."""

    code = "broker_unavailable"
    status = 503


class DeviceTimeout(RequestRefused):
    """The device sent no search for the command in time (504)."""

    code = "device_timeout"
    status = 504


class HitOut(BaseModel):
    """One product the device's search found."""

    model_config = ConfigDict(frozen=True)

    gtin: str = Field(description="GTIN-14")
    score: float = Field(description="similarity, higher is closer")


class WhatIsThisOut(BaseModel):
    """The device's answer to one "what is this?"."""

    model_config = ConfigDict(frozen=True)

    device: str = Field(description="the device asked")
    command_id: str = Field(description="id of the what_is_this command sent")
    event_id: str = Field(description="the search event that answered it")
    text: str = Field(description="what the glasses were told")
    gtin: str | None = Field(description="the product, when the answer is sure")
    abstained: bool = Field(description="below the threshold: candidates, not an answer")
    confidence: float | None = Field(description="calibrated precision at the top score")
    top_score: float = Field(description="best raw score")
    threshold: float = Field(description="abstention threshold applied")
    index_version: str = Field(description="index version the device searched")
    hits: list[HitOut] = Field(description="top products, best first")


async def get_publish() -> Publish:
    """Placeholder provider; `install_device_command_api` binds it.

    Raises:
        HubError: always, when the router is used without `install_device_command_api`.
    """
    raise HubError("device command API not wired: call install_device_command_api(app, publish)")


def install_device_command_api(app: FastAPI, publish: Publish) -> None:
    """Adds the device-command routes to `app`; `publish(topic, payload)` sends at QoS 1."""

    async def provide() -> Publish:
        return publish

    app.dependency_overrides[get_publish] = provide
    app.include_router(router)


def _may_ask(caller: ApiCaller, device: str) -> None:
    if caller.staff is None and caller.role != "service" and caller.device != device:
        raise ApiForbidden(f"a {caller.role} token of another device may not ask {device}")


def _requester(caller: ApiCaller) -> str:
    if caller.staff is not None:
        return caller.staff.user.username
    return f"{caller.role}-token:{caller.device or '-'}"


def _last_event_pos(db: Database) -> int:
    return int(db.execute("SELECT COALESCE(MAX(pos), 0) FROM events").fetchone()[0])


def _answering_event(db: Database, device: str, command_id: str, after_pos: int) -> str | None:
    rows = db.execute(
        "SELECT id, payload FROM events WHERE pos > ? AND device = ? AND type = 'search'",
        [after_pos, device],
    ).fetchall()
    for event_id, payload in rows:
        if SearchPayload.model_validate_json(payload).command_id == command_id:
            return str(event_id)
    return None


async def _wait_for_search(
    services: HubServices, device: str, command_id: str, after_pos: int, timeout_s: float
) -> str | None:
    """The id of the search event answering `command_id`, or None after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    with services.notifier.subscribe() as committed:
        while True:
            committed.clear()
            found = _answering_event(services.db, device, command_id, after_pos)
            left_s = deadline - time.monotonic()
            if found is not None or left_s <= 0:
                return found
            try:
                await asyncio.wait_for(committed.wait(), timeout=left_s)
            except TimeoutError:
                continue  # one last look, then the deadline ends the loop


def _send(publish: Publish, store: str, device: str, command: DeviceCommand) -> None:
    try:
        publish(cmd_topic(store, device), command.model_dump_json().encode())
    except (OSError, ValueError, RuntimeError) as exc:  # paho refused it (client unusable)
        raise CommandNotSent(f"the command to {device} could not be sent: {exc}") from exc


def _audit(
    db: Database, out: WhatIsThisOut, body: SearchPayload, caller: ApiCaller, now: datetime
) -> None:
    decision = audit.AiDecision(
        kind="what_is_this",
        action="answer_to_requester",
        model_name=body.model_name,
        model_version=body.model_version,
        model_sha256=body.model_sha256,
        input_sha256=body.input_sha256,
        approved_by=_requester(caller),
        subject=out.gtin,
        score=body.top_score,
        threshold=body.threshold,
        output={"text": out.text, "command_id": out.command_id, "abstained": out.abstained},
        device=out.device,
        event_id=out.event_id,
    )
    with db.atomic():
        audit.record_ai_decision(db, decision, now=now)


def _answer(
    services: HubServices, caller: ApiCaller, device: str, command_id: str, event_id: str
) -> WhatIsThisOut:
    """The answer the glasses got for `event_id`, recorded in the AI audit log."""
    db = services.db
    payload = db.execute("SELECT payload FROM events WHERE id = ?", [event_id]).fetchone()[0]
    body = SearchPayload.model_validate_json(payload)
    built = build_search_answer(db, event_id)
    if built is None:  # the profile changed since the check: answer from the search alone
        raise NotAskable(f"device {device} is no longer a glasses device")
    answer = built[1]
    out = WhatIsThisOut(
        device=device,
        command_id=command_id,
        event_id=event_id,
        text=answer.text,
        gtin=answer.gtin,
        abstained=body.abstained,
        confidence=body.confidence,
        top_score=body.top_score,
        threshold=body.threshold,
        index_version=body.index_version,
        hits=[HitOut(gtin=hit.gtin, score=hit.score) for hit in body.hits],
    )
    _audit(db, out, body, caller, services.clock())
    return out


@router.post("/devices/{device}/what-is-this", response_model=WhatIsThisOut)
async def what_is_this(
    device: DeviceId,
    services: Services,
    caller: Caller,
    publish: Annotated[Publish, Depends(get_publish)],
    timeout_s: Annotated[float, Query(gt=0, le=MAX_TIMEOUT_S)] = DEFAULT_TIMEOUT_S,
) -> WhatIsThisOut:
    """Asks `device` what it sees and returns its answer (504 when none comes in time)."""
    _may_ask(caller, device)
    profile = answers.device_profile(services.db, device)
    if profile is None:
        raise UnknownDevice(f"device {device} has not reported to this hub")
    if profile not in ASKABLE_PROFILES:
        raise NotAskable(f"device {device} is a {profile}; only glasses answer what_is_this")
    command = DeviceCommand(id=new_ulid(int(time.time() * 1000)), command="what_is_this")
    after = _last_event_pos(services.db)
    _send(publish, services.settings.store_id, device, command)
    event_id = await _wait_for_search(services, device, command.id, after, timeout_s)
    if event_id is None:
        raise DeviceTimeout(f"{device} did not answer within {timeout_s:g} s")
    return _answer(services, caller, device, command.id, event_id)
