"""Provides `EventProcessor`: a batch of MQTT messages in, one transaction out.

It knows nothing of MQTT clients (the paho adapter in `mqtt_ingest.py` and the batch writer in
`writer.py` feed it). Each message is parsed and checked outside the transaction (`admit`);
then the whole batch is deduped on event id, seq-tracked per device, applied with its effects
and committed at once. Anything invalid becomes a dead letter with its reason inside the same
transaction, and the caller acknowledges it: a poison message is never redelivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlite_utils import Database

from hub.db.connection import write_transaction
from hub.ingest.batch import LOG_PAYLOAD_BYTES, BatchTransaction, Rejected, admit
from hub.ingest.effects import DEFAULT_EFFECTS, Effect
from hub.ingest.outcomes import IngestCounters, IngestOutcome, IngestResult

logger = logging.getLogger(__name__)

Message = tuple[str, bytes]  # (topic, payload)

__all__ = [
    "LOG_PAYLOAD_BYTES",
    "EventProcessor",
    "IngestCounters",
    "IngestOutcome",
    "IngestResult",
    "Message",
]


def _ignore(outcomes: Sequence[IngestOutcome]) -> None:
    del outcomes


class EventProcessor:
    """Applies device messages to the hub database, a batch per transaction.

    Args:
        db: the database connection this processor owns (one thread at a time).
        store_id: this hub's store; messages of other stores are dead letters.
        clock: returns the current UTC time.
        on_applied: called after each commit that applied events (wakes live streams); must
            not block.
        on_committed: called after each commit with the outcomes it made durable (benchmarks
            measure device-to-ledger latency with it); must not block.
        effects: event type -> effect on the database (defaults to `DEFAULT_EFFECTS`).
    """

    def __init__(
        self,
        db: Database,
        *,
        store_id: str,
        clock: Callable[[], datetime],
        on_applied: Callable[[], None] = lambda: None,
        on_committed: Callable[[Sequence[IngestOutcome]], None] = _ignore,
        effects: Mapping[str, Effect] = DEFAULT_EFFECTS,
    ) -> None:
        self._db = db
        self._store_id = store_id
        self._clock = clock
        self._on_applied = on_applied
        self._on_committed = on_committed
        self._effects = effects
        self.counters = IngestCounters()
        # Called after commit with (device, status) for every device state (writer thread).
        self.state_listeners: list[Callable[[str, str], None]] = []

    @property
    def db(self) -> Database:
        """The processor's connection (use it only from the thread that runs the batches)."""
        return self._db

    def handle(self, topic: str, payload: bytes) -> IngestOutcome:
        """Processes one message received on a device topic (a batch of one).

        Returns:
            The outcome; invalid input has become a dead letter (never raised).

        Raises:
            sqlite3.Error: if the database refused the write (nothing was committed).
        """
        (outcome,) = self.handle_batch([(topic, payload)])
        return outcome

    def handle_batch(self, messages: Sequence[Message]) -> list[IngestOutcome]:
        """Processes messages in one transaction, in the order given.

        Returns:
            One outcome per message, all committed.

        Raises:
            Exception: whatever made the transaction fail (nothing of the batch was committed;
                the caller retries the messages one by one).
        """
        self.counters.received += len(messages)
        admitted = [admit(topic, payload, self._store_id) for topic, payload in messages]
        with write_transaction(self._db):
            outcomes = BatchTransaction(self._db, self._clock(), self._effects).run(admitted)
        self._account(outcomes)
        return outcomes

    def quarantine(self, topic: str, reason: str, payload: bytes) -> IngestOutcome:
        """Keeps a message the hub cannot apply as a dead letter (with one WARNING log).

        Raises:
            sqlite3.Error: if even the dead letter cannot be written.
        """
        with write_transaction(self._db):
            outcome = BatchTransaction(self._db, self._clock(), self._effects).dead_letter(
                Rejected(topic, payload, reason)
            )
        self._account([outcome])
        return outcome

    def _account(self, outcomes: Sequence[IngestOutcome]) -> None:
        counters = self.counters
        counters.batches += 1
        counters.max_batch = max(counters.max_batch, len(outcomes))
        applied = 0
        for outcome in outcomes:
            counters.processed += 1
            if outcome.result == "applied":
                applied += 1
                self._count_applied(outcome)
            elif outcome.result == "duplicate":
                counters.duplicates += 1
            elif outcome.result == "dead_letter":
                counters.dead_letters += 1
                logger.warning(
                    "dead letter topic=%s reason=%s payload=%r",
                    outcome.topic,
                    outcome.reason,
                    outcome.sample,
                )
            elif outcome.result == "state":
                self._count_state(outcome)
            else:
                logger.info("ignored device_id=%s: %s", outcome.device, outcome.reason)
        self._on_committed(outcomes)
        if applied:
            self._on_applied()

    def _count_state(self, outcome: IngestOutcome) -> None:
        self.counters.state_updates += 1
        opened = None if outcome.decision is None else outcome.decision.opened
        if opened is not None:
            self.counters.gaps_opened += 1
            self.counters.gaps_from_state += 1
            logger.warning(
                "seq gap device_id=%s missing=%d..%d (its state says the broker acknowledged them)",
                outcome.device,
                opened.from_seq,
                opened.to_seq,
            )
        if outcome.device is not None and outcome.status is not None:
            for listener in self.state_listeners:
                listener(outcome.device, outcome.status)

    def _count_applied(self, outcome: IngestOutcome) -> None:
        counters = self.counters
        counters.applied += 1
        kind = outcome.event_type or "?"
        counters.by_type[kind] = counters.by_type.get(kind, 0) + 1
        decision = outcome.decision
        if decision is None:
            return
        if decision.outcome == "gap" and decision.opened is not None:
            counters.gaps_opened += 1
            logger.warning(
                "seq gap device_id=%s missing=%d..%d message_id=%s",
                outcome.device,
                decision.opened.from_seq,
                decision.opened.to_seq,
                outcome.event_id,
            )
        elif decision.outcome == "late_fill":
            counters.late_fills += 1
        elif decision.outcome == "regressed":
            counters.regressed += 1
            logger.warning(
                "seq regressed device_id=%s last_seq=%d message_id=%s",
                outcome.device,
                decision.last_seq,
                outcome.event_id,
            )
