"""Provides `ReplaySource`: plays a recorded fixture (frames + timestamps) like a camera would.

Fixture layout (written by `tools/`, read here):

    <fixture>/frames/000000.jpg ...
    <fixture>/timestamps.json  {"fps": 15, "frames": [{"file": "frames/000000.jpg", "t_ms": 0}]}
    <fixture>/expected.json    {"scans": [...], "notes": "..."}  (for tests; not read here)

Frame times come from `timestamps.json`, never from the wall clock, so a replay yields the same
frames with the same `t_ms` on every run; `realtime` only decides whether `read()` waits for them.
A frame file that is missing or cannot be decoded is skipped with a warning and counted.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.frames import Frame
from edge.errors import SourceUnavailable
from edge.sources.base import FrameThinner, Pacer, SourceHealth, fit_image

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReplayEntry:
    """One frame of a fixture: its file (absolute) and its time in the recording."""

    file: Path
    t_ms: float

    def __post_init__(self) -> None:
        if self.t_ms < 0:
            raise ValueError(f"t_ms must be >= 0, got {self.t_ms}")


@dataclass(frozen=True, slots=True)
class ReplayTimeline:
    """The parsed `timestamps.json` of a fixture.

    Attributes:
        fps: the recording's frame rate.
        entries: frames in playback order, times non-decreasing.
    """

    fps: float
    entries: tuple[ReplayEntry, ...]

    @property
    def period_ms(self) -> float:
        """Length of one pass, so a looped replay's times keep increasing by one frame interval."""
        return self.entries[-1].t_ms + 1000.0 / self.fps


def load_timeline(fixture: Path) -> ReplayTimeline:
    """Reads and checks `<fixture>/timestamps.json`.

    Raises:
        SourceUnavailable: if the folder or file is missing, or the file is malformed.
    """
    path = fixture / "timestamps.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fps = float(data["fps"])
        rows = data["frames"]
        entries = tuple(ReplayEntry(fixture / str(row["file"]), float(row["t_ms"])) for row in rows)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SourceUnavailable(
            f"replay fixture {fixture}: bad or missing {path.name}: {exc}"
        ) from exc
    if fps <= 0 or not entries:
        raise SourceUnavailable(f"replay fixture {fixture}: needs fps > 0 and at least one frame")
    times = [entry.t_ms for entry in entries]
    if times != sorted(times):
        raise SourceUnavailable(f"replay fixture {fixture}: frame times must not decrease")
    return ReplayTimeline(fps, entries)


def _decode(file: Path) -> npt.NDArray[np.uint8] | None:
    try:
        raw = np.fromfile(file, dtype=np.uint8)
    except OSError as exc:
        logger.warning("replay frame %s unreadable: %s", file, exc)
        return None
    image = cv2.imdecode(raw, cv2.IMREAD_COLOR) if raw.size else None
    if image is None:
        logger.warning("replay frame %s is corrupt (cannot decode), skipped", file)
        return None
    return np.asarray(image, dtype=np.uint8)


class ReplaySource:
    """Plays a replay fixture, as fast as possible or in real time, once or in a loop."""

    def __init__(
        self,
        fixture: Path,
        *,
        fps: float,
        realtime: bool = False,
        loop: bool = False,
        size_wh: tuple[int, int] | None = None,
    ) -> None:
        """Creates the source; nothing is read until `open()`.

        Args:
            fixture: the fixture folder.
            fps: highest frame rate to deliver; a faster recording is thinned to it.
            realtime: wait for each frame's time to come (else deliver as fast as possible).
            loop: start again after the last frame, times continuing to increase.
            size_wh: resize frames to (width, height); None keeps the recorded size.
        """
        self._fixture = fixture
        self._loop = loop
        self._size_wh = size_wh
        self._closed = threading.Event()
        self._pacer = Pacer(self._closed, realtime=realtime)
        self._thinner = FrameThinner(fps)
        self._timeline: ReplayTimeline | None = None
        self._position = 0
        self._pass = 0
        self._index = 0
        self._read = 0
        self._skipped = 0

    @property
    def name(self) -> str:
        """`replay:<fixture folder name>`."""
        return f"replay:{self._fixture.name}"

    def open(self) -> None:
        """Loads the fixture's timeline.

        Raises:
            SourceUnavailable: if the fixture is missing or malformed.
        """
        if not self._fixture.is_dir():
            raise SourceUnavailable(f"replay fixture folder not found: {self._fixture}")
        self._timeline = load_timeline(self._fixture)

    def _next_entry(self, timeline: ReplayTimeline) -> tuple[ReplayEntry, float] | None:
        if self._position >= len(timeline.entries):
            if not self._loop:
                return None
            self._position = 0
            self._pass += 1
        entry = timeline.entries[self._position]
        self._position += 1
        return entry, entry.t_ms + self._pass * timeline.period_ms

    def read(self) -> Frame | None:
        """Returns the next frame, None at the end (without `loop`) or once closed.

        Raises:
            SourceUnavailable: if called before `open()`.
        """
        if self._timeline is None:
            raise SourceUnavailable(f"{self.name}: read() before open()")
        skipped_in_a_row = 0
        while not self._closed.is_set():
            step = self._next_entry(self._timeline)
            if step is None:
                return None
            entry, t_ms = step
            if not self._thinner.keep(t_ms):
                continue
            image = _decode(entry.file)
            if image is None:
                self._skipped += 1
                skipped_in_a_row += 1
                if skipped_in_a_row > len(self._timeline.entries):  # every frame is corrupt
                    return None
                continue
            if not self._pacer.wait_for(t_ms):
                return None
            frame = Frame(fit_image(image, self._size_wh), self._index, t_ms)
            self._index += 1
            self._read += 1
            return frame
        return None

    def health(self) -> SourceHealth:
        """Counters; a replay is never degraded (skipped corrupt frames are counted)."""
        return SourceHealth(None, self._read, self._skipped)

    def close(self) -> None:
        """Ends playback; a blocked `read()` returns None."""
        self._closed.set()
