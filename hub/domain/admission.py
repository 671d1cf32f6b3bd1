"""Provides the checks an event passes before the hub applies it: topic match and dedupe verdict."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Literal

from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.topics import DeviceTopic

DuplicateVerdict = Literal["new", "duplicate", "conflict"]


def check_topic_matches(topic: DeviceTopic, envelope: Envelope, store_id: str) -> None:
    """Checks that an envelope arrived on its own device's topic, in this hub's store.

    Raises:
        ContractError: naming the topic's and the envelope's store or device.
    """
    if topic.store != store_id:
        raise ContractError(f"topic store {topic.store!r} is not this hub's store {store_id!r}")
    if envelope.store != topic.store:
        raise ContractError(f"envelope store {envelope.store!r} != topic store {topic.store!r}")
    if envelope.device != topic.device:
        raise ContractError(f"envelope device {envelope.device!r} != topic device {topic.device!r}")


def content_digest(envelope: Envelope) -> str:
    """SHA-256 (hex) of the envelope's canonical JSON: equal for byte-different redeliveries.

    The bytes are those of `Envelope.to_json_bytes()` (sorted keys, compact, `ts` in UTC with
    milliseconds and `Z`), built here without a pydantic dump: ingest computes one per event.
    """
    data = {
        "v": envelope.v,
        "id": envelope.id,
        "store": envelope.store,
        "device": envelope.device,
        "seq": envelope.seq,
        "ts": envelope.ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "type": envelope.type,
        "payload": envelope.payload,
    }
    canonical = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return hashlib.sha256(canonical).hexdigest()


def judge_duplicate(stored_digest: str | None, incoming_digest: str) -> DuplicateVerdict:
    """Decides whether an event id seen before is a harmless redelivery.

    Args:
        stored_digest: content digest stored for this event id, None if the id is new.
        incoming_digest: content digest of the arriving envelope.

    Returns:
        new (apply it), duplicate (same id, same content: ignore) or conflict (same id,
        different content: a device bug; dead-letter it, never overwrite the first).
    """
    if stored_digest is None:
        return "new"
    return "duplicate" if stored_digest == incoming_digest else "conflict"
