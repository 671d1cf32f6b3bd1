"""Provides `SearchEventSink`: stores each photo-search result in the outbox as a `search` event.

The outbox writes first and the publisher sends afterwards (QoS 1), exactly like scans; the event
carries the result's payload (hashes, scores, versions), never the frame. A full outbox refuses
the event: it is counted and logged, and the shopper still sees the result on the device.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from contracts.payloads import payload_dict
from edge.errors import OutboxFull
from edge.outbox.store import OutboxStore
from edge.search.result import PhotoSearchResult

logger = logging.getLogger(__name__)

EVENT_TYPE = "search"


@dataclass(frozen=True, slots=True)
class SinkStats:
    """Search events stored and refused (outbox full)."""

    stored: int
    refused: int


class SearchEventSink:
    """Turns results into outbox events (any thread)."""

    def __init__(self, outbox: OutboxStore, *, notify: Callable[[], None]) -> None:
        """Wires the sink.

        Args:
            outbox: the device outbox.
            notify: wakes the publisher after a row is stored.
        """
        self._outbox = outbox
        self._notify = notify
        self._lock = threading.Lock()
        self._stored = 0
        self._refused = 0

    def __call__(self, result: PhotoSearchResult) -> None:
        """Stores one result as a `search` event (a full outbox is counted, not raised)."""
        try:
            envelope = self._outbox.append(EVENT_TYPE, payload_dict(result.to_payload()))
        except OutboxFull as exc:
            with self._lock:
                self._refused += 1
            logger.warning("search %s not stored: %s", result.query_id, exc)
            return
        with self._lock:
            self._stored += 1
        self._notify()
        best = result.matches[0].product_id if result.matches else None
        logger.info(
            "search stored message_id=%s seq=%d trigger=%s model=%s index=%s input=%s top=%s "
            "score=%.3f threshold=%.3f abstained=%s crop=%s latency_ms=%.1f",
            envelope.id,
            envelope.seq,
            result.trigger,
            result.model.name,
            result.index_version,
            result.input_sha256[:16],
            best,
            result.top_score,
            result.threshold,
            result.abstained,
            result.crop.source,
            result.latency_ms,
        )

    def stats(self) -> SinkStats:
        """Counters (any thread)."""
        with self._lock:
            return SinkStats(self._stored, self._refused)
