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
DeviceProfile = Literal["kiosk", "glasses", "pos"]
DeviceStatus = Literal["online", "offline", "degraded"]
MAX_RESEND_SPAN = 10_000  # most seqs one resend command may ask for


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
        delivered_seq: every event of the device up to this seq has been acknowledged by the
            broker (or dropped by the outbox budget); the hub opens a seq gap for what it has
            not received up to here (a broker that forgot events after acknowledging them).
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
    delivered_seq: int | None = Field(default=None, ge=0)


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


MAX_UNITS = 100_000  # units in one stock or sale line (larger is a typo, not a delivery)
GTIN14 = r"^\d{14}$"
StockKind = Literal["receipt", "count", "shrink", "sighting"]


def _check_gtin14(gtin: str) -> str:
    if not is_valid_gtin(gtin):
        raise ValueError(f"gtin {gtin} has a wrong check digit")
    return gtin


class SaleLine(WireModel):
    """One line of a till receipt.

    Attributes:
        gtin: the product sold, GTIN-14.
        quantity: units sold (returns are not sales: they come as `stock` receipts).
        unit_price_cents: the price charged per unit at the till, in minor units.
    """

    gtin: str = Field(pattern=GTIN14)
    quantity: int = Field(ge=1, le=MAX_UNITS)
    unit_price_cents: int | None = Field(default=None, ge=0, le=10_000_000)

    @model_validator(mode="after")
    def _gtin_check_digit(self) -> SaleLine:
        _check_gtin14(self.gtin)
        return self


class SalePayload(WireModel):
    """A completed till transaction from the POS feed (type `sale`).

    Attributes:
        till: the till (register) that rang it up.
        receipt: the till's transaction number (unique per till).
        currency: ISO 4217 currency of the prices.
        lines: what was sold; the same GTIN may appear on several lines.
    """

    till: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    receipt: str = Field(min_length=1, max_length=64)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    lines: list[SaleLine] = Field(min_length=1, max_length=500)


class StockPayload(WireModel):
    """A stock observation or movement reported by a device or staff (type `stock`).

    Attributes:
        kind: receipt (goods in), count (units counted on hand), shrink (units lost), or
            sighting (units seen on the shelf; evidence, not a movement).
        gtin: the product, GTIN-14.
        quantity: units received, counted, lost or seen.
        location: where in the store (shelf, bay, backroom), if known.
        reason: why, for shrink (damaged, expired, theft, ...).
        reference: the delivery note or count sheet, if any.
        shelf_price_cents: the price read on the shelf label, for sightings.
    """

    kind: StockKind
    gtin: str = Field(pattern=GTIN14)
    quantity: int = Field(ge=0, le=MAX_UNITS)
    location: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=200)
    reference: str | None = Field(default=None, max_length=100)
    shelf_price_cents: int | None = Field(default=None, ge=0, le=10_000_000)

    @model_validator(mode="after")
    def _check(self) -> StockPayload:
        _check_gtin14(self.gtin)
        if self.kind in ("receipt", "shrink") and self.quantity < 1:
            raise ValueError(f"a {self.kind} needs quantity >= 1")
        return self


SearchTrigger = Literal["kiosk_snap", "glasses_ask", "glasses_interval"]
SHA256_HEX = r"^[0-9a-f]{64}$"
MAX_SEARCH_HITS = 50


class SearchHit(WireModel):
    """One product a photo search found.

    Attributes:
        gtin: the product, GTIN-14 (as the device's index holds it; the hub checks it exists).
        score: similarity in the index's embedding space (cosine, higher is closer).
        in_stock: the index's stock flag for this store when the device searched.
    """

    gtin: str = Field(pattern=GTIN14)
    score: float = Field(ge=-1.5, le=1.5)
    in_stock: bool


class SearchPayload(WireModel):
    """A photo search run on a device (type `search`); the frame itself never leaves the device.

    Attributes:
        query_id: ULID the device made for this search.
        trigger: what started it: a kiosk snap, a glasses "what is this?" or the glasses' interval.
        command_id: the `DeviceCommand` id that asked for it, if a command did.
        model_name: embedding model (manifest name).
        model_version: its manifest version.
        model_sha256: its file's sha256.
        index_version: the index version searched.
        input_sha256: sha256 of the preprocessed crop tensor the model saw (never the pixels).
        crop: how the object was cut out: by the detector, or the centre of the frame (fallback).
        hits: top-k products, best first (in stock first among near-equal scores).
        top_score: the best raw score.
        threshold: the abstention threshold applied (from the index's calibration).
        abstained: the top score is below the threshold: the hits are candidates, not an answer.
        confidence: share of calibration queries scoring at least `top_score` whose best product
            was right (the index's calibration curve), if the index has one.
        latency_ms: from frame to result on the device.
    """

    query_id: str = Field(min_length=1, max_length=64)
    trigger: SearchTrigger
    command_id: str | None = Field(default=None, min_length=1, max_length=64)
    model_name: str = Field(min_length=1, max_length=128)
    model_version: str = Field(min_length=1, max_length=64)
    model_sha256: str = Field(pattern=SHA256_HEX)
    index_version: str = Field(min_length=1, max_length=64)
    input_sha256: str = Field(pattern=SHA256_HEX)
    crop: Literal["detector", "centre"]
    hits: list[SearchHit] = Field(default_factory=list, max_length=MAX_SEARCH_HITS)
    top_score: float = Field(ge=-1.5, le=1.5)
    threshold: float = Field(ge=-1.5, le=1.5)
    abstained: bool
    confidence: float | None = Field(default=None, ge=0, le=1)
    latency_ms: float = Field(ge=0)

    @model_validator(mode="after")
    def _answer_has_hits(self) -> SearchPayload:
        if not self.abstained and not self.hits:
            raise ValueError("a search that does not abstain needs at least one hit")
        return self


class DeviceCommand(WireModel):
    """A command from the hub to one device (topic `.../cmd`, not an envelope).

    Attributes:
        v: schema version of the command document.
        id: id of this command (a ULID made by the sender); echoed by what it causes.
        command: what to do: `what_is_this` (glasses: search the current view, then answer) or
            `resend` (publish the stored events `from_seq..to_seq` again, same ids; what the
            device no longer holds it reports in a `seq_unavailable` event).
        from_seq: first seq to resend (`resend` only).
        to_seq: last seq to resend, included (`resend` only; at most `MAX_RESEND_SPAN` seqs).
    """

    v: int = 1
    id: str = Field(min_length=1, max_length=64)
    command: Literal["what_is_this", "resend"]
    from_seq: int | None = Field(default=None, ge=1)
    to_seq: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _resend_range(self) -> DeviceCommand:
        if self.command != "resend":
            return self
        if self.from_seq is None or self.to_seq is None:
            raise ValueError("resend needs from_seq and to_seq")
        if not 0 <= self.to_seq - self.from_seq < MAX_RESEND_SPAN:
            raise ValueError(f"resend needs from_seq <= to_seq, at most {MAX_RESEND_SPAN} seqs")
        return self


class SeqUnavailablePayload(WireModel):
    """Seqs a device was asked to resend but no longer holds (type `seq_unavailable`).

    Attributes:
        from_seq: first seq of the range, included.
        to_seq: last seq of the range, included.
        reason: `pruned` (delivered and later pruned from the sent archive, or dropped by the
            outbox budget) or `never_allocated` (above the device's last seq).
        command_id: the `resend` command that asked.
    """

    from_seq: int = Field(ge=1)
    to_seq: int = Field(ge=1)
    reason: Literal["pruned", "never_allocated"]
    command_id: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _ordered(self) -> SeqUnavailablePayload:
        if self.from_seq > self.to_seq:
            raise ValueError("from_seq must be <= to_seq")
        return self


def parse_command(raw: bytes) -> DeviceCommand:
    """Parses a command document received on a device's cmd topic.

    Raises:
        ContractError: if it is not JSON or not a known command.
    """
    try:
        return DeviceCommand.model_validate_json(raw)
    except ValidationError as exc:
        raise ContractError(f"invalid command: {describe_validation_error(exc)}") from exc


PAYLOAD_MODELS: dict[str, type[WireModel]] = {
    "scan": ScanPayload,
    "sale": SalePayload,
    "stock": StockPayload,
    "search": SearchPayload,
    "seq_unavailable": SeqUnavailablePayload,
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
