"""Provides `LiveCamera`: frames from an OpenCV camera (device index or stream URL).

A camera that cannot be opened, or stops delivering frames, does not end the stream: the source
reports itself degraded and reopens it with a capped exponential backoff until it works again or
the source is closed. Frame times are milliseconds on the monotonic clock since the first open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.frames import Frame
from edge.sources.base import FrameThinner, SourceHealth, fit_image

logger = logging.getLogger(__name__)

CAMERA_REOPEN_MIN_S = 0.5
CAMERA_REOPEN_MAX_S = 10.0
CAMERA_FAILED_READS_BEFORE_REOPEN = 5


class LiveCamera:
    """A live camera through `cv2.VideoCapture`, reopened with capped backoff when lost."""

    def __init__(
        self,
        camera: int | str,
        *,
        fps: float,
        size_wh: tuple[int, int] | None = None,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        """Creates the source; the camera opens on the first `read()`.

        Args:
            camera: device index (0, 1, ...) or a stream URL (rtsp://, http://, a device path).
            fps: frame rate to request from the camera.
            size_wh: (width, height) to request; frames are resized to it if the camera ignores it.
            clock_s: monotonic clock in seconds, for frame times.
        """
        self._camera = camera
        self._fps = fps
        self._size_wh = size_wh
        self._clock_s = clock_s
        self._thinner = FrameThinner(fps)  # cameras may ignore the requested rate
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._capture: cv2.VideoCapture | None = None
        self._origin_s: float | None = None
        self._backoff_s = CAMERA_REOPEN_MIN_S
        self._failed_reads = 0
        self._degraded: str | None = None
        self._index = 0
        self._reopens = 0
        self._reading = False

    @property
    def name(self) -> str:
        """`camera:<index or URL>`."""
        return f"camera:{self._camera}"

    def open(self) -> None:
        """Nothing to check up front: a missing camera is reported degraded and retried."""

    def _try_open(self) -> bool:
        capture = cv2.VideoCapture(self._camera)
        if not capture.isOpened():
            capture.release()
            return False
        if self._size_wh is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._size_wh[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size_wh[1])
        capture.set(cv2.CAP_PROP_FPS, self._fps)
        with self._lock:
            self._capture = capture
        return True

    def _release(self) -> None:
        with self._lock:
            capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()

    def _back_off(self, reason: str) -> None:
        if self._degraded != reason:
            logger.warning("%s degraded: %s; retrying with backoff", self.name, reason)
        self._degraded = reason
        self._closed.wait(self._backoff_s)
        self._backoff_s = min(self._backoff_s * 2, CAMERA_REOPEN_MAX_S)

    def _grab(self) -> npt.NDArray[np.uint8] | None:
        with self._lock:
            capture = self._capture
        if capture is None:
            return None
        ok, image = capture.read()
        if not ok or image is None or image.ndim != 3:
            self._failed_reads += 1
            if self._failed_reads >= CAMERA_FAILED_READS_BEFORE_REOPEN:
                self._release()
            return None
        self._failed_reads = 0
        return np.asarray(image, dtype=np.uint8)

    def read(self) -> Frame | None:
        """Returns the next frame, blocking while the camera is reopened; None once closed."""
        with self._lock:
            self._reading = True
        try:
            return self._read_until_frame()
        finally:
            with self._lock:
                self._reading = False
            if self._closed.is_set():  # close() left the release to the reading thread
                self._release()

    def _read_until_frame(self) -> Frame | None:
        while not self._closed.is_set():
            if self._capture is None:
                self._reopens += 1
                if not self._try_open():
                    self._back_off(f"camera {self._camera} cannot be opened")
                    continue
            image = self._grab()
            if image is None:
                if self._capture is None:
                    self._back_off(f"camera {self._camera} stopped delivering frames")
                continue
            if self._degraded is not None:
                logger.info("%s recovered", self.name)
            self._degraded, self._backoff_s = None, CAMERA_REOPEN_MIN_S
            now_s = self._clock_s()
            if self._origin_s is None:
                self._origin_s = now_s
            if not self._thinner.keep((now_s - self._origin_s) * 1000):
                continue
            frame = Frame(
                fit_image(image, self._size_wh), self._index, (now_s - self._origin_s) * 1000
            )
            self._index += 1
            return frame
        return None

    def health(self) -> SourceHealth:
        """Degraded while the camera is missing or failing; counts reopen attempts."""
        return SourceHealth(self._degraded, self._index, 0, max(self._reopens - 1, 0))

    def close(self) -> None:
        """Wakes a blocked `read()` and releases the camera (in the reading thread if one reads)."""
        self._closed.set()
        with self._lock:
            reading = self._reading
        if not reading:
            self._release()
