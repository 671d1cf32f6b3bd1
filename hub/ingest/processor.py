"""Provides `EventProcessor`: one MQTT message in, the database updated or a dead letter out.

It knows nothing of MQTT clients (the paho adapter in `mqtt_ingest.py` feeds it). For an event
it parses the envelope and payload, checks the topic, dedupes on the event id, tracks the
device's seq and applies the event's effects, all in one transaction. Anything invalid becomes a
dead letter with its reason, and the caller acknowledges it: a poison message is never redelivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import ValidationError
from sqlite_utils import Database

from contracts.envelope import Envelope, describe_validation_error, parse_envelope
from contracts.errors import ContractError
from contracts.payloads import DeviceState, ScanPayload, WireModel, parse_payload
from contracts.topics import DeviceTopic, parse_device_topic
from hub.db import catalog, repo, stock
from hub.db.connection import write_transaction
from hub.domain.admission import check_topic_matches, content_digest, judge_duplicate
from hub.domain.sequence import SeqDecision, SeqOutcome, track_seq

logger = logging.getLogger(__name__)

LOG_PAYLOAD_BYTES = 200
IngestResult = Literal["applied", "duplicate", "dead_letter", "state", "ignored"]


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What became of one message."""

    result: IngestResult
    event_id: str | None = None
    seq_outcome: SeqOutcome | None = None
    reason: str | None = None


@dataclass(slots=True)
class IngestCounters:
    """Running totals of ingest, written by the ingest thread only and read by anyone."""

    received: int = 0
    processed: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    state_updates: int = 0
    off_topic: int = 0
    errors: int = 0
    gaps_opened: int = 0
    late_fills: int = 0
    regressed: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


class EventProcessor:
    """Applies device messages to the hub database.

    Args:
        db: the database connection this processor owns (one thread at a time).
        store_id: this hub's store; messages of other stores are dead letters.
        clock: returns the current UTC time.
        on_applied: called after each committed event (wakes live streams); must not block.
    """

    def __init__(
        self,
        db: Database,
        *,
        store_id: str,
        clock: Callable[[], datetime],
        on_applied: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._store_id = store_id
        self._clock = clock
        self._on_applied = on_applied
        self.counters = IngestCounters()

    def handle(self, topic: str, payload: bytes) -> IngestOutcome:
        """Processes one message received on a device topic.

        Returns:
            The outcome; invalid input has become a dead letter (never raised).
        """
        self.counters.received += 1
        try:
            outcome = self._route(topic, payload)
        except ContractError as exc:
            outcome = self.quarantine(topic, str(exc), payload)
        self.counters.processed += 1
        return outcome

    def _route(self, topic: str, payload: bytes) -> IngestOutcome:
        parsed_topic = parse_device_topic(topic)
        if parsed_topic.channel == "events":
            return self._handle_event(parsed_topic, payload)
        if parsed_topic.channel == "state":
            return self._handle_state(parsed_topic, payload)
        raise ContractError(f"the hub does not consume the {parsed_topic.channel} channel")

    def _handle_event(self, topic: DeviceTopic, payload: bytes) -> IngestOutcome:
        envelope = parse_envelope(payload)
        check_topic_matches(topic, envelope, self._store_id)
        body = parse_payload(envelope)
        digest = content_digest(envelope)
        now = self._clock()
        with write_transaction(self._db):
            verdict = judge_duplicate(repo.find_event_digest(self._db, envelope.id), digest)
            if verdict == "conflict":
                raise ContractError(
                    f"event id {envelope.id} was already applied with different content"
                )
            if verdict == "duplicate":
                repo.count_duplicate(self._db, envelope.device, now)
                self.counters.duplicates += 1
                return IngestOutcome("duplicate", event_id=envelope.id)
            decision = self._apply(envelope, body, digest, now)
        self._count_applied(envelope, decision)
        self._on_applied()
        return IngestOutcome("applied", event_id=envelope.id, seq_outcome=decision.outcome)

    def _apply(
        self, envelope: Envelope, body: WireModel, digest: str, now: datetime
    ) -> SeqDecision:
        last_seq, gaps = repo.device_seq_state(self._db, envelope.device)
        decision = track_seq(last_seq, gaps, envelope.seq)
        repo.insert_event(self._db, envelope, digest=digest, received_at=now)
        repo.record_seq_decision(self._db, envelope.device, decision, now)
        repo.count_applied(self._db, envelope.device, now)
        gtin = body.gtin if isinstance(body, ScanPayload) else None
        if gtin is not None and not catalog.product_exists(self._db, gtin):
            stock.record_demand(self._db, gtin, device=envelope.device, now=now)
        return decision

    def _count_applied(self, envelope: Envelope, decision: SeqDecision) -> None:
        counters = self.counters
        counters.applied += 1
        counters.by_type[envelope.type] = counters.by_type.get(envelope.type, 0) + 1
        if decision.outcome == "gap" and decision.opened is not None:
            counters.gaps_opened += 1
            logger.warning(
                "seq gap device_id=%s missing=%d..%d message_id=%s",
                envelope.device,
                decision.opened.from_seq,
                decision.opened.to_seq,
                envelope.id,
            )
        elif decision.outcome == "late_fill":
            counters.late_fills += 1
        elif decision.outcome == "regressed":
            counters.regressed += 1
            logger.warning(
                "seq regressed device_id=%s seq=%d last_seq=%d message_id=%s",
                envelope.device,
                envelope.seq,
                decision.last_seq,
                envelope.id,
            )

    def _handle_state(self, topic: DeviceTopic, payload: bytes) -> IngestOutcome:
        if not payload:
            # An empty retained message clears the topic: nothing to record.
            logger.info("retained state cleared device_id=%s", topic.device)
            return IngestOutcome("ignored", reason="empty retained state")
        if topic.store != self._store_id:
            raise ContractError(f"topic store {topic.store!r} is not this hub's {self._store_id!r}")
        try:
            state = DeviceState.model_validate_json(payload)
        except ValidationError as exc:
            raise ContractError(f"invalid device state: {describe_validation_error(exc)}") from exc
        if state.device != topic.device:
            raise ContractError(f"state device {state.device!r} != topic device {topic.device!r}")
        with write_transaction(self._db):
            repo.save_device_state(self._db, state, self._clock())
        self.counters.state_updates += 1
        return IngestOutcome("state")

    def quarantine(self, topic: str, reason: str, payload: bytes) -> IngestOutcome:
        """Keeps a message the hub cannot apply as a dead letter (with one WARNING log).

        Raises:
            sqlite3.Error: if even the dead letter cannot be written.
        """
        with write_transaction(self._db):
            repo.insert_dead_letter(
                self._db, topic=topic, reason=reason, payload=payload, received_at=self._clock()
            )
        self.counters.dead_letters += 1
        logger.warning(
            "dead letter topic=%s reason=%s payload=%r",
            topic,
            reason,
            payload[:LOG_PAYLOAD_BYTES],
        )
        return IngestOutcome("dead_letter", reason=reason)
