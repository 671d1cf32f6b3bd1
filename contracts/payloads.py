"""Provides the versioned payload models carried by envelopes and on retained state topics.

Every payload type is registered in `PAYLOAD_MODELS`; `parse_payload` turns an envelope's payload
into its model or raises `ContractError`. Wire models ignore unknown fields (forward compatible)
and are frozen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contracts.envelope import Envelope, describe_validation_error
from contracts.errors import ContractError
from contracts.gtin import is_valid_gtin

Symbology = Literal["ean13", "ean8", "upca", "upce", "code128", "gs1_128", "qr", "datamatrix"]
DeviceProfile = Literal["kiosk", "glasses"]
DeviceStatus = Literal["online", "offline", "degraded"]


class WireModel(BaseModel):
    """Base of every wire payload: frozen, unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ScanPayload(WireModel):
    """A barcode confirmed by multi-frame consensus on a device (type `scan`).

    Attributes:
        text: the decoded text exactly as read (GS1 AIs in `(01)...` form for GS1 codes).
        symbology: barcode format.
        gtin: the GTIN-14 the code carries, when it carries one with a valid check digit.
        gs1: GS1 application identifiers found in the code, e.g. `{"01": ..., "17": ...}`.
        engine: the decoder that produced the confirming reads (`zbar`, `zxing`, ...).
        frames_confirmed: how many frames agreed before the scan was emitted.
        time_to_scan_ms: from the code's first sighting to confirmation.
    """

    text: str = Field(min_length=1, max_length=4096)
    symbology: Symbology
    gtin: str | None = Field(default=None, pattern=r"^\d{14}$")
    gs1: dict[str, str] = Field(default_factory=dict)
    engine: str = Field(min_length=1, max_length=32)
    frames_confirmed: int = Field(ge=1)
    time_to_scan_ms: float = Field(ge=0)

    @model_validator(mode="after")
    def _gtin_check_digit(self) -> ScanPayload:
        if self.gtin is not None and not is_valid_gtin(self.gtin):
            raise ValueError(f"gtin {self.gtin} has a wrong check digit")
        return self


class DeviceState(WireModel):
    """A device's retained state (topic `.../state`, not an envelope; also its last will).

    Attributes:
        v: schema version of this state document.
        device: device id.
        profile: kiosk or glasses.
        status: online, offline (last will) or degraded (a feature or the camera is down).
        ts: when the device wrote this state; None in the last will, which is written at connect.
        reasons: why the device is degraded, one short line each.
        fps: frames processed per second over the last interval.
        outbox_depth: events waiting in the device outbox.
        models: model name -> version the device runs.
        index_version: photo-search index version the device runs, if any.
    """

    v: int = 1
    device: str
    profile: DeviceProfile
    status: DeviceStatus
    ts: datetime | None = None
    reasons: list[str] = Field(default_factory=list)
    fps: float = Field(default=0.0, ge=0)
    outbox_depth: int = Field(default=0, ge=0)
    models: dict[str, str] = Field(default_factory=dict)
    index_version: str | None = None


class Answer(WireModel):
    """A short answer from the hub to a device (glasses HUD/voice), topic `.../answer`.

    Attributes:
        event_id: the envelope id this answers.
        text: one line for the HUD, e.g. "Oat milk 1 l, 2.49 here, 2.29 online, 14 on shelf".
        gtin: the product the answer is about, if known.
    """

    event_id: str
    text: str = Field(min_length=1, max_length=280)
    gtin: str | None = None


PAYLOAD_MODELS: dict[str, type[WireModel]] = {
    "scan": ScanPayload,
}


def parse_payload(envelope: Envelope) -> WireModel:
    """Validates an envelope's payload against the model registered for its type.

    Raises:
        ContractError: if the type is unknown or the payload does not match its model.
    """
    model = PAYLOAD_MODELS.get(envelope.type)
    if model is None:
        raise ContractError(
            f"unknown event type {envelope.type!r}; known: {sorted(PAYLOAD_MODELS)}"
        )
    try:
        return model.model_validate(envelope.payload)
    except ValidationError as exc:
        reason = describe_validation_error(exc)
        raise ContractError(f"invalid {envelope.type} payload: {reason}") from exc


def payload_dict(payload: WireModel) -> dict[str, Any]:
    """Dumps a payload model to the JSON-ready dict an envelope carries."""
    return payload.model_dump(mode="json")
