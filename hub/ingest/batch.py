"""Provides `admit` (one message parsed outside any transaction) and `BatchTransaction` (the
body of one ingest transaction over many admitted messages).

Parsing and validation happen before the transaction, so the write lock is held only for SQL.
Inside it, dedupe looks up every event id of the batch at once, per-device seq state is read
once per device and written once per batch, and events are inserted with one `executemany`.
A message the hub cannot apply becomes a dead letter inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlite_utils import Database

from contracts.envelope import (
    MAX_PAYLOAD_BYTES,
    Envelope,
    describe_validation_error,
    parse_envelope,
)
from contracts.errors import ContractError
from contracts.payloads import DeviceState, WireModel, parse_payload
from contracts.topics import parse_device_topic
from hub.db import repo
from hub.domain.admission import check_topic_matches, content_digest, judge_duplicate
from hub.domain.seq_resend import track_delivered
from hub.domain.sequence import SeqDecision, SeqGap, track_seq
from hub.ingest.effects import Effect, EffectContext, apply_effect
from hub.ingest.outcomes import IngestOutcome

LOG_PAYLOAD_BYTES = 200


@dataclass(frozen=True, slots=True)
class AdmittedEvent:
    """A valid envelope and payload from a device of this store."""

    topic: str
    payload: bytes
    envelope: Envelope
    body: WireModel
    digest: str


@dataclass(frozen=True, slots=True)
class AdmittedState:
    """A valid retained device state."""

    state: DeviceState


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message that breaks the contract: it becomes a dead letter with `reason`."""

    topic: str
    payload: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message with nothing to record (an empty retained state clearing its topic)."""

    reason: str


Admitted = AdmittedEvent | AdmittedState | Rejected | Ignored


def admit(topic: str, payload: bytes, store_id: str) -> Admitted:
    """Parses and checks one message against the contracts (no database access).

    Returns:
        The admitted event or state, `Rejected` with the reason, or `Ignored`.
    """
    try:
        parsed = parse_device_topic(topic)
        if parsed.channel == "state":
            return _admit_state(parsed.store, parsed.device, payload, store_id)
        if parsed.channel != "events":
            raise ContractError(f"the hub does not consume the {parsed.channel} channel")
        envelope = _parse_envelope_fast(payload)
        check_topic_matches(parsed, envelope, store_id)
        body = parse_payload(envelope)
    except ContractError as exc:
        return Rejected(topic, payload, str(exc))
    return AdmittedEvent(topic, payload, envelope, body, content_digest(envelope))


def _parse_envelope_fast(payload: bytes) -> Envelope:
    """`parse_envelope`, trying pydantic's JSON parser first (one pass over the bytes); any
    failure is parsed again by `parse_envelope` for its exact, contract-worded reason."""
    if len(payload) <= MAX_PAYLOAD_BYTES:
        try:
            return Envelope.model_validate_json(payload)
        except ValidationError:
            pass  # parse_envelope below names the reason
    return parse_envelope(payload)


def _admit_state(store: str, device: str, payload: bytes, store_id: str) -> Admitted:
    if not payload:
        return Ignored("empty retained state")
    if store != store_id:
        raise ContractError(f"topic store {store!r} is not this hub's {store_id!r}")
    try:
        state = DeviceState.model_validate_json(payload)
    except ValidationError as exc:
        raise ContractError(f"invalid device state: {describe_validation_error(exc)}") from exc
    if state.device != device:
        raise ContractError(f"state device {state.device!r} != topic device {device!r}")
    return AdmittedState(state)


@dataclass(slots=True)
class _DeviceTally:
    """One device's seq state and counts while a batch is applied."""

    last_seq: int
    gaps: list[SeqGap]
    applied: int = 0
    duplicates: int = 0
    touched: bool = False

    def take(self, decision: SeqDecision) -> None:
        self.last_seq = decision.last_seq
        if decision.opened is not None:
            self.gaps.append(decision.opened)
        if decision.filled is not None:
            self.gaps.remove(decision.filled)
            self.gaps.extend(decision.remaining)
        self.gaps.sort(key=lambda gap: gap.from_seq)


@dataclass(slots=True)
class BatchTransaction:
    """Applies admitted messages inside the caller's open write transaction.

    Attributes:
        db: the connection holding the transaction.
        now: the hub time stamped on everything the batch writes.
        effects: event type -> effect on the database.
    """

    db: Database
    now: datetime
    effects: Mapping[str, Effect]
    _tallies: dict[str, _DeviceTally] = field(default_factory=dict)
    _known: dict[str, str] = field(default_factory=dict)
    _rows: list[repo.EventRow] = field(default_factory=list)
    _ctx: EffectContext | None = None

    def run(self, items: Sequence[Admitted]) -> list[IngestOutcome]:
        """Applies every item in order; returns one outcome per item."""
        ctx = self._ctx = EffectContext(self.db, self.now)
        ids = [item.envelope.id for item in items if isinstance(item, AdmittedEvent)]
        self._known = repo.find_event_digests(self.db, ids)
        outcomes = [self._one(item) for item in items]
        ctx.flush()
        repo.insert_events(self.db, self._rows)
        for device, tally in self._tallies.items():
            if tally.touched:
                repo.add_device_tally(
                    self.db,
                    device,
                    last_seq=tally.last_seq,
                    applied=tally.applied,
                    duplicates=tally.duplicates,
                    now=self.now,
                )
        return outcomes

    def _one(self, item: Admitted) -> IngestOutcome:
        if isinstance(item, AdmittedEvent):
            return self._event(item)
        if isinstance(item, AdmittedState):
            return self._state(item.state)
        if isinstance(item, Rejected):
            return self.dead_letter(item)
        return IngestOutcome("ignored", reason=item.reason)

    def _state(self, state: DeviceState) -> IngestOutcome:
        """Stores a device state; a `delivered_seq` beyond the hub's last seq opens a gap."""
        repo.save_device_state(self.db, state, self.now)
        tally = self._tally(state.device)
        decision = track_delivered(tally.last_seq, state.delivered_seq)
        if decision is not None:
            repo.record_gap_change(self.db, state.device, decision, self.now)
            tally.take(decision)
            tally.touched = True
        return IngestOutcome("state", device=state.device, decision=decision, status=state.status)

    def dead_letter(self, item: Rejected) -> IngestOutcome:
        """Keeps a rejected message with its reason."""
        repo.insert_dead_letter(
            self.db,
            topic=item.topic,
            reason=item.reason,
            payload=item.payload,
            received_at=self.now,
        )
        sample = item.payload[:LOG_PAYLOAD_BYTES]
        return IngestOutcome("dead_letter", reason=item.reason, topic=item.topic, sample=sample)

    def _tally(self, device: str) -> _DeviceTally:
        tally = self._tallies.get(device)
        if tally is None:
            last_seq, gaps = repo.device_seq_state(self.db, device)
            tally = self._tallies[device] = _DeviceTally(last_seq, gaps)
        return tally

    def _event(self, item: AdmittedEvent) -> IngestOutcome:
        envelope = item.envelope
        verdict = judge_duplicate(self._known.get(envelope.id), item.digest)
        if verdict == "conflict":
            reason = f"event id {envelope.id} was already applied with different content"
            return self.dead_letter(Rejected(item.topic, item.payload, reason))
        tally = self._tally(envelope.device)
        tally.touched = True
        if verdict == "duplicate":
            tally.duplicates += 1
            return IngestOutcome("duplicate", event_id=envelope.id, device=envelope.device)
        decision = track_seq(tally.last_seq, tally.gaps, envelope.seq)
        if decision.opened is not None or decision.filled is not None:
            repo.record_gap_change(self.db, envelope.device, decision, self.now)
        tally.take(decision)
        tally.applied += 1
        self._known[envelope.id] = item.digest
        self._rows.append(repo.EventRow(envelope, item.digest, self.now))
        apply_effect(
            self.effects, self._ctx or EffectContext(self.db, self.now), envelope, item.body
        )
        return IngestOutcome(
            "applied",
            event_id=envelope.id,
            seq_outcome=decision.outcome,
            device=envelope.device,
            ts=envelope.ts,
            decision=decision,
            event_type=envelope.type,
        )
