"""Provides the frame tap: the kiosk's in-process features see its edge agent's camera frames.

A camera can be opened by one reader only, so try-on and photo search do not open their own: the
runner wraps the agent's frame source in an `edge.sources.tap.TappedSource` that hands every frame
it reads to a `LatestFrame` slot. The slot keeps only the newest frame, and only while a feature
listens (a try-on session, a snap); when the last listener leaves it drops that frame. Frames never
leave the process: the slot holds references, it does not copy, encode, publish, log or write them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from edge.core.frames import Frame


@dataclass(frozen=True, slots=True)
class TappedFrame:
    """A frame handed out by `LatestFrame`.

    Attributes:
        seq: the slot's own count (frame indices restart when the agent switches source).
        frame: the frame as the agent read it (shared, not copied: do not modify it).
    """

    seq: int
    frame: Frame


class LatestFrame:
    """Holds the newest camera frame while at least one in-process feature listens."""

    def __init__(self) -> None:
        """Creates an empty slot with no listener."""
        self._changed = threading.Condition()
        self._listeners = 0
        self._seq = 0
        self._frame: Frame | None = None

    def listen(self) -> int:
        """Starts keeping frames for one more listener; returns the current `seq`.

        Pass the returned number to `wait_newer` to get a frame read after this call.
        """
        with self._changed:
            self._listeners += 1
            return self._seq

    def release(self) -> None:
        """One listener is done; the last one leaving drops the frame held."""
        with self._changed:
            self._listeners = max(0, self._listeners - 1)
            if self._listeners == 0:
                self._frame = None

    @property
    def listening(self) -> bool:
        """True while some feature listens (and a frame may be held)."""
        with self._changed:
            return self._listeners > 0

    @property
    def holds_frame(self) -> bool:
        """True when a frame is held (only ever while someone listens)."""
        with self._changed:
            return self._frame is not None

    def offer(self, frame: Frame) -> None:
        """Keeps `frame` as the newest one if anyone listens (the capture thread calls this)."""
        with self._changed:
            if self._listeners == 0:
                return
            self._seq += 1
            self._frame = frame
            self._changed.notify_all()

    def wait_newer(self, after_seq: int, timeout_s: float) -> TappedFrame | None:
        """Waits up to `timeout_s` for a frame newer than `after_seq`; None if none came.

        Args:
            after_seq: the `seq` of the last frame the caller used (0 for none).
            timeout_s: longest wait, seconds.
        """
        with self._changed:
            ready = self._changed.wait_for(
                lambda: self._frame is not None and self._seq > after_seq, timeout_s
            )
            if not ready or self._frame is None:
                return None
            return TappedFrame(self._seq, self._frame)
