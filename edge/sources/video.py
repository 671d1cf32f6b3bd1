"""Provides `VideoSource`: frames from a video file, timed by the file's own frame rate.

Frame times are `position / file fps`, not the wall clock, so a video plays the same way each
run; `realtime` only decides whether `read()` waits for them. With `loop`, playback starts again
at the end and times keep increasing.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.frames import Frame
from edge.errors import SourceUnavailable
from edge.sources.base import FrameThinner, Pacer, SourceHealth, fit_image

logger = logging.getLogger(__name__)


class VideoSource:
    """Plays a video file through `cv2.VideoCapture`."""

    def __init__(
        self,
        path: Path,
        *,
        fps: float,
        realtime: bool = False,
        loop: bool = False,
        size_wh: tuple[int, int] | None = None,
    ) -> None:
        """Creates the source; the file opens in `open()`.

        Args:
            path: the video file.
            fps: highest frame rate to deliver; also the file's rate if it does not state one.
            realtime: wait for each frame's time to come (else deliver as fast as possible).
            loop: start again after the last frame.
            size_wh: resize frames to (width, height); None keeps the file's size.
        """
        self._path = path
        self._fps = fps
        self._loop = loop
        self._size_wh = size_wh
        self._closed = threading.Event()
        self._pacer = Pacer(self._closed, realtime=realtime)
        self._thinner = FrameThinner(fps)
        self._lock = threading.Lock()
        self._capture: cv2.VideoCapture | None = None
        self._file_fps = fps
        self._position = 0
        self._index = 0

    @property
    def name(self) -> str:
        """`video:<file name>`."""
        return f"video:{self._path.name}"

    def open(self) -> None:
        """Opens the file.

        Raises:
            SourceUnavailable: if the file is missing or OpenCV cannot decode it.
        """
        if not self._path.is_file():
            raise SourceUnavailable(f"video file not found: {self._path}")
        capture = cv2.VideoCapture(str(self._path))
        if not capture.isOpened():
            capture.release()
            raise SourceUnavailable(f"video file cannot be decoded: {self._path}")
        stated_fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._file_fps = stated_fps if stated_fps > 0 else self._fps
        with self._lock:
            self._capture = capture

    def _next_image(self) -> npt.NDArray[np.uint8] | None:
        # Reading under the lock keeps close() from releasing the capture mid-read.
        with self._lock:
            capture = self._capture
            if capture is None:
                if self._closed.is_set():
                    return None
                raise SourceUnavailable(f"{self.name}: read() before open()")
            ok, image = capture.read()
            if not ok and self._loop and self._position > 0:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = capture.read()
        if not ok or image is None:
            return None
        return np.asarray(image, dtype=np.uint8)

    def read(self) -> Frame | None:
        """Returns the next frame, None at the end of the file (without `loop`) or once closed.

        Raises:
            SourceUnavailable: if called before `open()`.
        """
        while not self._closed.is_set():
            image = self._next_image()
            if image is None:
                return None
            t_ms = self._position * 1000.0 / self._file_fps
            self._position += 1
            if not self._thinner.keep(t_ms):
                continue
            if not self._pacer.wait_for(t_ms):
                return None
            frame = Frame(fit_image(image, self._size_wh), self._index, t_ms)
            self._index += 1
            return frame
        return None

    def health(self) -> SourceHealth:
        """Counters; a video file is never degraded."""
        return SourceHealth(None, self._index, 0)

    def close(self) -> None:
        """Ends playback and releases the file."""
        self._closed.set()
        with self._lock:
            capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()
