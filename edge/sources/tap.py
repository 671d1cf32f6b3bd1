"""Provides `TappedSource`: a frame source that reads another one and offers each frame it reads.

A camera can be opened by one reader only, so the device's in-memory consumers (the glasses'
"what is this?" view, the kiosk's try-on and snap slot) do not open their own: the agent's source
is wrapped, and every frame it reads is also handed to `offer` (by reference: no copy, encoding,
publishing, logging or writing happens here).
"""

from __future__ import annotations

from collections.abc import Callable

from edge.core.frames import Frame
from edge.sources.base import FrameSource, SourceHealth


class TappedSource:
    """A `FrameSource` that reads `inner` and offers each frame to a consumer."""

    def __init__(
        self,
        inner: FrameSource,
        offer: Callable[[Frame], None],
        *,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        """Wraps `inner`.

        Args:
            inner: the agent's real source (camera, video or replay).
            offer: receives every frame read (on the capture thread; must not block).
            on_close: called after `inner` closes (e.g. to drop a frame still held).
        """
        self._inner = inner
        self._offer = offer
        self._on_close = on_close

    @property
    def name(self) -> str:
        """The inner source's name (the tap is invisible in logs and state)."""
        return self._inner.name

    def open(self) -> None:
        """Opens the inner source."""
        self._inner.open()

    def read(self) -> Frame | None:
        """Reads the inner source's next frame and offers it."""
        frame = self._inner.read()
        if frame is not None:
            self._offer(frame)
        return frame

    def health(self) -> SourceHealth:
        """The inner source's health."""
        return self._inner.health()

    def close(self) -> None:
        """Closes the inner source, then runs `on_close`."""
        self._inner.close()
        if self._on_close is not None:
            self._on_close()
