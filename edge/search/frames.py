"""Provides the glasses' view for "what is this?": the newest frame, held in memory only.

`ViewSource` wraps the agent's frame source and hands every frame it reads to a `LatestView`,
which keeps a reference to the newest one (no copy, no encoding, nothing written, logged or
sent). An ask uses the newest frame when it is fresh, else waits briefly for the next one, so the
answer is about what the shopper looks at now.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge.core.frames import Frame
from edge.sources.base import FrameSource, SourceHealth


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


class ViewSource:
    """A `FrameSource` that reads another one and offers each frame to a `LatestView`."""

    def __init__(self, inner: FrameSource, view: LatestView) -> None:
        """Wraps `inner`; `view` receives every frame it reads."""
        self._inner = inner
        self._view = view

    @property
    def name(self) -> str:
        """The inner source's name."""
        return self._inner.name

    def open(self) -> None:
        """Opens the inner source."""
        self._inner.open()

    def read(self) -> Frame | None:
        """Reads the inner source's next frame and offers it to the view."""
        frame = self._inner.read()
        if frame is not None:
            self._view.offer(frame)
        return frame

    def health(self) -> SourceHealth:
        """The inner source's health."""
        return self._inner.health()

    def close(self) -> None:
        """Closes the inner source and drops the frame held."""
        self._inner.close()
        self._view.clear()
