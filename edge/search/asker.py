"""Provides `GlassesAsker`: the glasses' "what is this?" worker.

Asks come from `what_is_this` commands (`ask`, any thread) and, when configured, from an interval.
One worker thread serves them in order: it waits briefly for a frame captured after the ask,
searches it (`PhotoSearcher`, whose result sink stores the `search` event) and goes on. Asks that
arrive while the queue is full are dropped and counted: an answer that waits behind several
others is about a view the shopper has left.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from contracts.payloads import SearchTrigger
from edge.search.frames import LatestView
from edge.search.searcher import PhotoSearcher, SearchUnavailable

logger = logging.getLogger(__name__)

TICK_S = 0.1  # the worker looks at its stop flag at least this often


@dataclass(frozen=True, slots=True)
class AskSettings:
    """How the glasses serve asks.

    Attributes:
        frame_wait_s: longest wait for a frame captured after the ask.
        interval_s: also search on this period (seconds); None: only when asked.
        queue_max: asks waiting at most.
        fresh_frame_s: a frame captured at most this long before the ask is searched at once
            (a frame interval at 5 fps): the shopper was already looking at the item.
    """

    frame_wait_s: float = 1.0
    interval_s: float | None = None
    queue_max: int = 4
    fresh_frame_s: float = 0.2

    def __post_init__(self) -> None:
        if self.frame_wait_s <= 0 or self.queue_max < 1:
            raise ValueError("frame_wait_s must be > 0 and queue_max >= 1")
        if self.interval_s is not None and self.interval_s <= 0:
            raise ValueError(f"interval_s must be > 0 or None, got {self.interval_s}")


@dataclass(frozen=True, slots=True)
class AskStats:
    """Asks received, searched, and why others were not."""

    asked: int
    searched: int
    dropped: int
    no_frame: int
    unavailable: int
    errors: int


@dataclass(frozen=True, slots=True)
class _Ask:
    trigger: SearchTrigger
    command_id: str | None
    after_seq: int
    asked_s: float


class GlassesAsker:
    """Serves asks on its own thread (`run`)."""

    def __init__(
        self,
        searcher: PhotoSearcher,
        view: LatestView,
        settings: AskSettings,
        *,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        """Wires the worker.

        Args:
            searcher: runs the search and stores its event.
            view: the newest frame of the agent's source.
            settings: frame wait, interval, queue size.
            clock_s: monotonic seconds (the interval's clock).
        """
        self._searcher = searcher
        self._view = view
        self._settings = settings
        self._clock_s = clock_s
        self._queue: queue.Queue[_Ask] = queue.Queue(settings.queue_max)
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(
            ("asked", "searched", "dropped", "no_frame", "unavailable", "errors"), 0
        )

    def ask(self, command_id: str | None = None) -> bool:
        """Queues a "what is this?" about the next frame; False when the queue is full."""
        self._count("asked")
        try:
            self._queue.put_nowait(_Ask("glasses_ask", command_id, self._view.seq, self._clock_s()))
        except queue.Full:
            self._count("dropped")
            logger.warning("what_is_this dropped (queue full) command_id=%s", command_id)
            return False
        return True

    def stats(self) -> AskStats:
        """Counters (any thread)."""
        with self._lock:
            return AskStats(**self._counts)

    def run(self, stop: threading.Event) -> None:
        """Serves asks (and the interval) until `stop` is set."""
        interval_s = self._settings.interval_s
        next_interval_s = None if interval_s is None else self._clock_s() + interval_s
        while not stop.is_set():
            wait_s = TICK_S
            if next_interval_s is not None:
                wait_s = max(0.0, min(TICK_S, next_interval_s - self._clock_s()))
            try:
                item: _Ask | None = self._queue.get(timeout=wait_s)
            except queue.Empty:
                item = None
            if item is None and next_interval_s is not None and self._clock_s() >= next_interval_s:
                item = _Ask("glasses_interval", None, self._view.seq, self._clock_s())
                next_interval_s = self._clock_s() + (interval_s or 0.0)
            if item is not None:
                self._serve(item)

    def _serve(self, item: _Ask) -> None:
        try:
            viewed = self._view.newest()
            fresh = viewed is not None and (
                viewed.seq > item.after_seq
                or item.asked_s - viewed.offered_s <= self._settings.fresh_frame_s
            )
            if not fresh:
                viewed = self._view.wait_newer(item.after_seq, self._settings.frame_wait_s)
            if viewed is None:
                self._count("no_frame")
                logger.warning(
                    "%s: no frame within %.1f s command_id=%s",
                    item.trigger,
                    self._settings.frame_wait_s,
                    item.command_id,
                )
                return
            self._searcher.search_frame(
                viewed.frame.image, trigger=item.trigger, command_id=item.command_id
            )
            self._count("searched")
        except SearchUnavailable as exc:
            self._count("unavailable")
            logger.warning("%s not searched: %s", item.trigger, exc)
        except Exception:
            self._count("errors")
            logger.exception("%s failed command_id=%s", item.trigger, item.command_id)

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1
