"""Provides the glasses' view for "what is this?": the newest frame, held in memory only.

The agent wraps its frame source in an `edge.sources.tap.TappedSource` that hands every frame it
reads to a `LatestView`, which keeps a reference to the newest one (no copy, no encoding, nothing
written, logged or sent). An ask uses the newest frame when it is fresh, else waits briefly for the
next one, so the answer is about what the shopper looks at now.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge.core.frames import Frame


@dataclass(frozen=True, slots=True)
class Viewed:
    """A frame handed out by `LatestView`.

    Attributes:
        seq: the view's own count, from 1.
        frame: the frame (shared, not copied: do not modify it).
        offered_s: when the capture thread offered it (the view's monotonic clock).
    """

    seq: int
    frame: Frame
    offered_s: float


class LatestView:
    """The newest frame the agent read (thread-safe)."""

    def __init__(self, *, clock_s: Callable[[], float] = time.monotonic) -> None:
        """Creates an empty view (`clock_s`: monotonic seconds, stamped on each frame)."""
        self._changed = threading.Condition()
        self._clock_s = clock_s
        self._seq = 0
        self._frame: Frame | None = None
        self._offered_s = 0.0

    @property
    def seq(self) -> int:
        """How many frames have been offered so far."""
        with self._changed:
            return self._seq

    def offer(self, frame: Frame) -> None:
        """Keeps `frame` as the newest (the capture thread calls this)."""
        with self._changed:
            self._seq += 1
            self._frame = frame
            self._offered_s = self._clock_s()
            self._changed.notify_all()

    def newest(self) -> Viewed | None:
        """The newest frame, or None before the first."""
        with self._changed:
            return None if self._frame is None else Viewed(self._seq, self._frame, self._offered_s)

    def wait_newer(self, after_seq: int, timeout_s: float) -> Viewed | None:
        """Waits up to `timeout_s` for a frame offered after `after_seq`; None if none came."""
        with self._changed:
            ready = self._changed.wait_for(
                lambda: self._frame is not None and self._seq > after_seq, timeout_s
            )
            if not ready or self._frame is None:
                return None
            return Viewed(self._seq, self._frame, self._offered_s)

    def clear(self) -> None:
        """Drops the frame held (at shutdown)."""
        with self._changed:
            self._frame = None
