"""Provides what ingest reports: the outcome of each message and the running counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from hub.domain.sequence import SeqDecision, SeqOutcome

IngestResult = Literal["applied", "duplicate", "dead_letter", "state", "ignored"]


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What became of one message.

    Attributes:
        result: applied, duplicate (ignored redelivery), dead_letter, state or ignored.
        event_id: the envelope id, for events.
        seq_outcome: what the event's seq meant (applied events only).
        reason: why a message became a dead letter or was ignored.
        device: the device the message came from, when known.
        ts: the event's device time (for device-to-ledger latency).
        decision: the full seq decision (gap opened or filled), applied events only.
        event_type: the envelope type, for events.
        topic: the topic of a dead letter.
        sample: the first bytes of a dead letter's payload (for its log line).
        status: a device state's status (`online`, `offline`, `degraded`), for states.
    """

    result: IngestResult
    event_id: str | None = None
    seq_outcome: SeqOutcome | None = None
    reason: str | None = None
    device: str | None = None
    ts: datetime | None = None
    decision: SeqDecision | None = None
    event_type: str | None = None
    topic: str | None = None
    sample: bytes = b""
    status: str | None = None


@dataclass(slots=True)
class IngestCounters:
    """Running totals of ingest, written by the ingest threads and read by anyone.

    Attributes:
        received: messages handed to the processor.
        processed: messages whose outcome is committed (applied, duplicate, dead letter, ...).
        batches: committed transactions.
        max_batch: the largest batch committed so far.
        batch_fallbacks: batches that failed as a whole and were applied one message at a time.
        backpressure_waits: times the MQTT thread waited because the ingest queue was full.
        unacked: messages left unacknowledged because not even their dead letter could be
            written (the broker redelivers them on the next session).
        stale_acks_skipped: acks not sent because the message came on an earlier connection
            (the broker redelivers it; dedupe makes that harmless).
    """

    received: int = 0
    processed: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    state_updates: int = 0
    off_topic: int = 0
    errors: int = 0
    gaps_opened: int = 0
    gaps_from_state: int = 0  # of gaps_opened: seen in a state's delivered_seq, not a later seq
    late_fills: int = 0
    regressed: int = 0
    batches: int = 0
    max_batch: int = 0
    batch_fallbacks: int = 0
    backpressure_waits: int = 0
    unacked: int = 0
    stale_acks_skipped: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
