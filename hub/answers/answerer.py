"""Provides `GlassesAnswerer`: after ingest commits a scan from a glasses device, it publishes a
short `Answer` on that device's answer topic.

Ingest's writer thread only hands over the committed outcomes (`on_committed`, never blocks);
the answerer's own thread reads what the answer needs on its own database connection and
publishes. Kiosks get full cards over HTTP, so only glasses are answered.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence

from sqlite_utils import Database

from contracts.payloads import Answer
from contracts.topics import answer_topic
from hub.answers.search_answer import build_search_answer
from hub.db import answers
from hub.domain.answers import NO_PRODUCT_CODE, NOT_IN_CATALOG, product_answer
from hub.ingest.outcomes import IngestOutcome

logger = logging.getLogger(__name__)

ANSWERED_PROFILES = frozenset({"glasses"})
ANSWERED_TYPES = frozenset({"scan", "search"})
QUEUE_MAX = 1000
TAKE_TIMEOUT_S = 0.2
Publish = Callable[[str, bytes], None]


def build_answer(db: Database, event_id: str) -> tuple[str, Answer] | None:
    """The answer to an applied scan and its topic; None when the device is not answered.

    Args:
        db: a hub database connection.
        event_id: the applied scan's event id.
    """
    scanned = answers.scanned_event(db, event_id)
    if scanned is None or answers.device_profile(db, scanned.device) not in ANSWERED_PROFILES:
        return None
    if scanned.gtin is None:
        text = NO_PRODUCT_CODE
    else:
        facts = answers.answer_facts(db, scanned.gtin)
        text = NOT_IN_CATALOG if facts is None else product_answer(facts)
    answer = Answer(event_id=event_id, text=text, gtin=scanned.gtin)
    return answer_topic(scanned.store, scanned.device), answer


class GlassesAnswerer:
    """Answers committed scans on its own thread.

    Args:
        db: the database connection this answerer owns.
        publish: sends (topic, payload) to the broker without blocking.
    """

    def __init__(self, db: Database, *, publish: Publish) -> None:
        self._db = db
        self._publish = publish
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue(maxsize=QUEUE_MAX)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="glasses-answers", daemon=True)
        self.answered = 0
        self.dropped = 0

    def start(self) -> None:
        """Starts the answer thread."""
        self._thread.start()

    def stop(self, timeout_s: float) -> None:
        """Stops the answer thread (answers still queued are not sent: they are stale)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def on_committed(self, outcomes: Sequence[IngestOutcome]) -> None:
        """Takes the outcomes of a commit (ingest's hook); queues applied scans and searches,
        never blocks."""
        for outcome in outcomes:
            if outcome.result != "applied" or outcome.event_type not in ANSWERED_TYPES:
                continue
            if outcome.event_id is None:
                continue
            try:
                self._queue.put_nowait((outcome.event_id, outcome.event_type))
            except queue.Full:
                # An answer that waits behind 1,000 others is useless to a shopper.
                self.dropped += 1
                logger.warning("answer queue full, skipped message_id=%s", outcome.event_id)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                event_id, event_type = self._queue.get(timeout=TAKE_TIMEOUT_S)
            except queue.Empty:
                continue
            try:
                self.answer(event_id, event_type=event_type)
            except Exception:
                logger.exception("answer failed message_id=%s", event_id)

    def answer(self, event_id: str, *, event_type: str = "scan") -> Answer | None:
        """Builds and publishes the answer to one applied scan or search (None: not answered)."""
        if event_type == "search":
            built = build_search_answer(self._db, event_id)
        else:
            built = build_answer(self._db, event_id)
        if built is None:
            return None
        topic, answer = built
        self.answered += 1
        self._publish(topic, answer.model_dump_json().encode())
        logger.info("answered topic=%s message_id=%s text=%r", topic, event_id, answer.text)
        return answer
