"""Provides the `FrameSource` port and the pieces every source shares: health, thinning, pacing.

A source yields `Frame`s from `read()` until it ends (a video or replay without `loop`) or is
closed; `read()` may block while it paces frames in real time or reopens a lost camera, and
`close()` from another thread wakes it. Sources report their own trouble through `health()`
instead of raising in the middle of a run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.frames import Frame

# Timestamps are whole milliseconds: without slack a 15 fps recording loses frames at fps=15.
_THIN_SLACK_MS = 0.5


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """What a source reports about itself.

    Attributes:
        degraded_reason: why the source is not delivering frames as it should, or None when fine.
        frames_read: frames delivered so far.
        frames_skipped: frames that could not be decoded and were skipped (counted, not fatal).
        reopen_attempts: times a live source tried to reopen its device.
    """

    degraded_reason: str | None
    frames_read: int
    frames_skipped: int
    reopen_attempts: int = 0

    def __post_init__(self) -> None:
        if min(self.frames_read, self.frames_skipped, self.reopen_attempts) < 0:
            raise ValueError("SourceHealth counters must be >= 0")


class FrameSource(Protocol):
    """A stream of frames: camera, video file or replay fixture."""

    @property
    def name(self) -> str:
        """Short description for logs and state, e.g. `replay:kiosk_oat_milk`."""
        ...

    def open(self) -> None:
        """Prepares the source; raises `SourceUnavailable` if it can never deliver frames."""
        ...

    def read(self) -> Frame | None:
        """Returns the next frame, or None once the source has ended or was closed."""
        ...

    def health(self) -> SourceHealth:
        """Current health and counters; safe to call from any thread."""
        ...

    def close(self) -> None:
        """Releases the source and wakes a blocked `read()`; idempotent, any thread."""
        ...


class FrameThinner:
    """Keeps frames at most `fps` per second of source time (a 30 fps video read at 10 fps)."""

    def __init__(self, fps: float) -> None:
        """Creates a thinner.

        Args:
            fps: the highest rate to keep, frames per second of source time.

        Raises:
            ValueError: if `fps` is not positive.
        """
        if fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self._interval_ms = 1000.0 / fps
        self._next_due_ms: float | None = None

    def keep(self, t_ms: float) -> bool:
        """Tells whether a frame captured at `t_ms` should be kept."""
        if self._next_due_ms is not None and t_ms < self._next_due_ms - _THIN_SLACK_MS:
            return False
        base_ms = t_ms if self._next_due_ms is None else self._next_due_ms
        self._next_due_ms = base_ms + self._interval_ms
        if self._next_due_ms <= t_ms:  # after a gap in the stream, restart the grid here
            self._next_due_ms = t_ms + self._interval_ms
        return True


class Pacer:
    """Waits until each frame's time has come on a monotonic clock (real-time playback)."""

    def __init__(
        self,
        closed: threading.Event,
        *,
        realtime: bool,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        """Creates a pacer.

        Args:
            closed: set when the source closes; it ends any wait early.
            realtime: False makes `wait_for` return at once (as fast as possible).
            clock_s: monotonic clock in seconds.
        """
        self._closed = closed
        self._realtime = realtime
        self._clock_s = clock_s
        self._origin_s: float | None = None

    def wait_for(self, t_ms: float) -> bool:
        """Blocks until `t_ms` after the first frame; returns False if the source was closed."""
        if not self._realtime:
            return not self._closed.is_set()
        now_s = self._clock_s()
        if self._origin_s is None:
            self._origin_s = now_s - t_ms / 1000.0
        delay_s = self._origin_s + t_ms / 1000.0 - now_s
        if delay_s > 0:
            return not self._closed.wait(delay_s)
        return not self._closed.is_set()


def fit_image(
    image: npt.NDArray[np.uint8], size_wh: tuple[int, int] | None
) -> npt.NDArray[np.uint8]:
    """Resizes a BGR image to `size_wh` (width, height) unless it already has that size or None."""
    if size_wh is None or (image.shape[1], image.shape[0]) == size_wh:
        return image
    return np.asarray(cv2.resize(image, size_wh, interpolation=cv2.INTER_AREA), dtype=np.uint8)
