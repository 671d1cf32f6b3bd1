"""Provides `BatchWriter`: the thread between paho's callback and the database.

paho's network thread only queues each message (`submit`); the writer thread takes whatever is
queued (up to `max_batch`), commits it in one transaction and only then acknowledges every
message of the batch. Nothing is acknowledged before it is durable, so a hub killed mid-batch
loses nothing: the broker redelivers the unacknowledged messages and dedupe drops what did
commit.

Back-pressure: the queue is bounded. When it is full, `submit` blocks paho's thread, paho stops
reading the socket and the broker keeps the messages (QoS 1, persistent session) instead of the
hub's memory. In practice the broker's in-flight window (mosquitto `max_inflight_messages`)
bounds what is unacknowledged long before the queue fills.

If a batch fails as a whole (a database error, or a bug in an effect), its messages are applied
one by one so one poison message cannot hold the others back: the one that still fails is kept
as a dead letter with the error, and only when even that write fails is it left unacknowledged.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hub.ingest.outcomes import IngestOutcome
from hub.ingest.processor import EventProcessor

logger = logging.getLogger(__name__)

MAX_BATCH = 1000  # messages per transaction
QUEUE_MAX = 5000  # messages waiting for the writer before paho's thread is held back
TAKE_TIMEOUT_S = 0.1  # the writer looks at its stop flag at least this often
SUBMIT_WAIT_S = 0.1  # a blocked submit looks at the stop flag at least this often


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message as received, with what is needed to acknowledge it later.

    Attributes:
        topic: MQTT topic.
        payload: the raw bytes.
        mid: the broker's packet id (0 for QoS 0).
        qos: delivery QoS.
        session: the connection it arrived on (acks for an earlier connection are skipped).
    """

    topic: str
    payload: bytes
    mid: int = 0
    qos: int = 0
    session: int = 0


class BatchWriter:
    """Commits queued messages in batches and acknowledges them after the commit.

    Args:
        processor: applies a batch in one transaction (used from the writer thread only).
        ack: acknowledges one message to the broker (called from the writer thread).
        max_batch: most messages per transaction.
        queue_max: most messages waiting before `submit` blocks.
        between_batches: called on the writer thread after each batch and at least every
            `TAKE_TIMEOUT_S` when idle (the resend scheduler); its errors are logged.
    """

    def __init__(
        self,
        processor: EventProcessor,
        *,
        ack: Callable[[Inbound], None],
        max_batch: int = MAX_BATCH,
        queue_max: int = QUEUE_MAX,
        between_batches: Callable[[], object] | None = None,
    ) -> None:
        if max_batch < 1 or queue_max < 1:
            raise ValueError(
                f"need max_batch >= 1 and queue_max >= 1, got {max_batch}, {queue_max}"
            )
        self._processor = processor
        self._ack = ack
        self._max_batch = max_batch
        self._between_batches = between_batches
        self._queue: queue.Queue[Inbound] = queue.Queue(maxsize=queue_max)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)

    def start(self) -> None:
        """Starts the writer thread."""
        self._thread.start()

    def stop(self, timeout_s: float) -> None:
        """Stops after the batch in progress; queued messages stay unacknowledged (the broker
        redelivers them to the next session)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def depth(self) -> int:
        """Messages waiting for the writer."""
        return self._queue.qsize()

    def submit(self, item: Inbound) -> bool:
        """Queues a message, waiting while the queue is full (back-pressure on paho's thread).

        Returns:
            False if the writer stopped first (the message stays unacknowledged).
        """
        try:
            self._queue.put_nowait(item)
            return True
        except queue.Full:
            self._processor.counters.backpressure_waits += 1
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=SUBMIT_WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            try:
                if batch:
                    self._commit(batch)
                if self._between_batches is not None:
                    self._between_batches()
            except Exception:
                self._processor.counters.errors += 1
                logger.exception("ingest writer failed on a batch of %d", len(batch))

    def _take(self) -> list[Inbound]:
        try:
            first = self._queue.get(timeout=TAKE_TIMEOUT_S)
        except queue.Empty:
            return []
        batch = [first]
        while len(batch) < self._max_batch:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _commit(self, batch: Sequence[Inbound]) -> None:
        try:
            self._processor.handle_batch([(item.topic, item.payload) for item in batch])
        except Exception as exc:
            self._processor.counters.batch_fallbacks += 1
            logger.warning("batch of %d failed (%r); applying one by one", len(batch), exc)
            for item in batch:
                if self._commit_one(item) is not None:
                    self._ack(item)
            return
        for item in batch:
            self._ack(item)

    def _commit_one(self, item: Inbound) -> IngestOutcome | None:
        try:
            return self._processor.handle(item.topic, item.payload)
        except Exception as exc:
            self._processor.counters.errors += 1
            logger.exception("ingest failed topic=%s mid=%d", item.topic, item.mid)
            reason = f"internal error: {type(exc).__name__}: {exc}"
        try:
            return self._processor.quarantine(item.topic, reason, item.payload)
        except Exception:
            self._processor.counters.unacked += 1
            logger.exception(
                "could not keep the failed message, left unacknowledged topic=%s mid=%d",
                item.topic,
                item.mid,
            )
            return None
