"""Provides the event envelope every device message travels in, and its strict parser."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.errors import ContractError
from contracts.ids import IDENTIFIER_PATTERN, ULID_PATTERN

ENVELOPE_VERSION = 1
# The hub accepts the current envelope version and the one before it (none before 1 yet).
SUPPORTED_ENVELOPE_VERSIONS = frozenset({ENVELOPE_VERSION})
MAX_PAYLOAD_BYTES = 256 * 1024


class Envelope(BaseModel):
    """One event as it travels device -> hub.

    Attributes:
        v: envelope version; unknown versions are rejected.
        id: ULID made on the device; the hub applies each id at most once.
        store: store id.
        device: device id.
        seq: per-device sequence number, gap-free from 1.
        ts: UTC time the event was made on the device.
        type: payload type, a key of `contracts.payloads.PAYLOAD_MODELS`.
        payload: the payload object, validated separately by `parse_payload`.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    v: int = Field(description="envelope version")
    id: str = Field(pattern=ULID_PATTERN.pattern, description="ULID made on the device")
    store: str = Field(pattern=IDENTIFIER_PATTERN.pattern)
    device: str = Field(pattern=IDENTIFIER_PATTERN.pattern)
    seq: int = Field(ge=1, description="per-device sequence number, gap-free from 1")
    ts: datetime = Field(description="UTC creation time on the device")
    type: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any]

    @field_validator("v")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value not in SUPPORTED_ENVELOPE_VERSIONS:
            supported = sorted(SUPPORTED_ENVELOPE_VERSIONS)
            raise ValueError(f"unsupported envelope version {value}; supported: {supported}")
        return value

    @field_validator("ts")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("ts must carry a UTC offset (e.g. 2026-01-01T10:00:00Z)")
        return value.astimezone(UTC)

    def to_json_bytes(self) -> bytes:
        """Serialises the envelope to compact UTF-8 JSON, `ts` as ISO 8601 with `Z`."""
        data = self.model_dump(mode="json")
        data["ts"] = (
            self.ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
        return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()


def parse_envelope(raw: bytes) -> Envelope:
    """Parses and validates one MQTT payload as an `Envelope`.

    Args:
        raw: the bytes received from the broker.

    Returns:
        The validated envelope (the payload object is not yet type-checked).

    Raises:
        ContractError: with a one-line reason (size, encoding, JSON, or the failing fields).
    """
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise ContractError(f"message of {len(raw)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContractError(f"not UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"envelope must be a JSON object, got {type(data).__name__}")
    try:
        return Envelope.model_validate(data)
    except ValidationError as exc:
        raise ContractError(f"invalid envelope: {describe_validation_error(exc)}") from exc


def describe_validation_error(exc: ValidationError) -> str:
    """Turns a pydantic error into one line: `field.path: message; ...`."""
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"]) or "(root)"
        parts.append(f"{location}: {error['msg']}")
    return "; ".join(parts)
