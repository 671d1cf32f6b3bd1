"""Provides `OutboxSender`: drains the central outbox, oldest first, with capped backoff.

Each row is sent with its idempotency key, so a retry after a lost answer never makes a second
order at central. A transient failure (central down, 5xx) reschedules the row with the backoff of
`hub.domain.retry` and pauses the whole sender until then: when central is down, one probe per
backoff step is enough. `wake()` (new work queued) ends the pause. A permanent failure (4xx) is
final. A final outcome and the result handler of the row's kind (e.g. mirroring an order's state
at central onto the hub's order) commit in one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from hub.catalog.client import CentralAnswer, CentralClient
from hub.db.connection import write_transaction
from hub.domain.retry import AttemptResult, RetryPolicy, classify_status, decide
from hub.errors import CatalogUnavailable, HubError
from hub.outbox import store
from hub.outbox.store import AttemptRecord, OutboxRow

logger = logging.getLogger(__name__)

DEFAULT_BATCH_LIMIT = 50
ERROR_BODY_CHARS = 200


@dataclass(frozen=True, slots=True)
class Delivery:
    """The final outcome of a row, handed to its kind's result handler.

    Attributes:
        result: `delivered` (2xx) or `permanent` (central refused it).
        status_code: central's HTTP status.
        body: central's answer text (e.g. the accepted order as JSON).
        at: when central answered (the hub's clock).
    """

    result: AttemptResult
    status_code: int
    body: str
    at: datetime


ResultHandler = Callable[[Database, OutboxRow, Delivery], None]


@dataclass(frozen=True, slots=True)
class DrainReport:
    """What one pass of the sender did."""

    attempted: int
    sent: int
    failed: int
    retrying: int
    paused: bool


class OutboxSender:
    """Sends due outbox rows to central until none is due or central fails.

    Args:
        client: the central client (used from the sender's thread only).
        db: the database connection this sender owns.
        clock: returns the current UTC time.
        policy: the backoff policy for transient failures.
        handlers: result handler per row kind, run in the transaction that finalises a row.
        batch_limit: rows read per query.
    """

    def __init__(
        self,
        client: CentralClient,
        db: Database,
        *,
        clock: Callable[[], datetime],
        policy: RetryPolicy,
        handlers: Mapping[str, ResultHandler] | None = None,
        batch_limit: int = DEFAULT_BATCH_LIMIT,
    ) -> None:
        self._client = client
        self._db = db
        self._clock = clock
        self._policy = policy
        self._handlers = dict(handlers or {})
        self._batch_limit = batch_limit
        self._wake = threading.Event()
        self._paused_until: datetime | None = None

    def wake(self) -> None:
        """Asks the sender to try now (thread-safe); ends a pause after a transient failure."""
        self._wake.set()

    def run_once(self) -> DrainReport:
        """Sends every due row, stopping at the first transient failure.

        Returns:
            Counts of this pass; `paused` when central failed and the sender now waits.
        """
        if self._wake.is_set():
            self._wake.clear()
            self._paused_until = None
        if self._paused_until is not None and self._clock() < self._paused_until:
            return DrainReport(0, 0, 0, 0, True)
        self._paused_until = None
        counts = {"sent": 0, "failed_permanent": 0, "pending": 0}
        while self._paused_until is None:
            rows = store.due(self._db, now=self._clock(), limit=self._batch_limit)
            for row in rows:
                counts[self._attempt(row)] += 1
                if self._paused_until is not None:
                    break
            if len(rows) < self._batch_limit:
                break
        attempted = sum(counts.values())
        paused = self._paused_until is not None
        return DrainReport(
            attempted, counts["sent"], counts["failed_permanent"], counts["pending"], paused
        )

    def _attempt(self, row: OutboxRow) -> str:
        write = row.write
        try:
            answer = self._client.send(
                write.method, write.path, body=write.body, idempotency_key=write.idempotency_key
            )
        except CatalogUnavailable as exc:
            return self._reschedule(row, str(exc))
        result = classify_status(answer.status_code)
        if result == "transient":
            return self._reschedule(row, f"HTTP {answer.status_code}", answer)
        delivery = Delivery(result, answer.status_code, answer.body, self._clock())
        return self._finish(row, delivery)

    def _reschedule(self, row: OutboxRow, error: str, answer: CentralAnswer | None = None) -> str:
        now = self._clock()
        decision = decide("transient", attempts=row.attempts + 1, now=now, policy=self._policy)
        record = AttemptRecord(
            decision,
            error,
            None if answer is None else answer.status_code,
            None if answer is None else answer.body,
        )
        with write_transaction(self._db):
            store.record_attempt(self._db, row.id, record, now=now)
        self._paused_until = decision.next_attempt_at
        logger.warning(
            "central outbox: %s %s key=%s attempt=%d failed (%s), retry at %s",
            row.write.method,
            row.write.path,
            row.write.idempotency_key,
            row.attempts + 1,
            error,
            decision.next_attempt_at,
        )
        return decision.state

    def _finish(self, row: OutboxRow, delivery: Delivery) -> str:
        now = delivery.at
        decision = decide(delivery.result, attempts=row.attempts + 1, now=now, policy=self._policy)
        error = None
        if delivery.result == "permanent":
            error = f"HTTP {delivery.status_code}: {delivery.body[:ERROR_BODY_CHARS]}"
            logger.warning(
                "central refused %s %s key=%s: %s",
                row.write.method,
                row.write.path,
                row.write.idempotency_key,
                error,
            )
        record = AttemptRecord(decision, error, delivery.status_code, delivery.body)
        handler = self._handlers.get(row.write.kind)
        try:
            with write_transaction(self._db):
                store.record_attempt(self._db, row.id, record, now=now)
                if handler is not None:
                    handler(self._db, row, delivery)
        except (HubError, ValueError) as exc:
            # The handler could not apply central's answer: keep the row final (central has
            # it), with the reason, so staff see it; never resend a delivered write.
            logger.error("outbox result handler failed key=%s", row.write.idempotency_key)
            final = decide("permanent", attempts=1, now=now, policy=self._policy)
            reason = f"result not applied: {exc}"
            failed = AttemptRecord(final, reason, delivery.status_code, delivery.body)
            with write_transaction(self._db):
                store.record_attempt(self._db, row.id, failed, now=now)
            return "failed_permanent"
        return decision.state

    def seconds_until_due(self, *, idle_s: float) -> float:
        """How long the loop may sleep: until the pause ends or the next row is due."""
        target = store.next_due_at(self._db)
        if self._paused_until is not None:
            target = self._paused_until if target is None else max(target, self._paused_until)
        if target is None:
            return idle_s
        return min(idle_s, max(0.0, (target - self._clock()).total_seconds()))

    def run_forever(self, stop: threading.Event, *, idle_s: float) -> None:
        """Drains until `stop` is set; sleeps until the next due row, a wake-up or `idle_s`.

        To stop promptly, set `stop` and then call `wake()`.
        """
        while not stop.is_set():
            try:
                report = self.run_once()
                if report.sent or report.failed:
                    logger.info(
                        "central outbox sent=%d failed=%d retrying=%d",
                        report.sent,
                        report.failed,
                        report.retrying,
                    )
            except Exception:
                logger.exception("central outbox pass failed")
                stop.wait(idle_s)
                continue
            self._wake.wait(self.seconds_until_due(idle_s=idle_s))
