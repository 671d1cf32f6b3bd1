"""Provides the scan pipeline: frame source -> barcode scanner -> consensus -> outbox.

Two threads: capture reads the source into a bounded `FrameQueue`; processing decodes each frame,
feeds `ScanConsensus` and stores every confirmed scan in the outbox as a `scan` envelope. A live
source (camera, or a replay/video paced in real time) drops the oldest queued frame when
processing falls behind, and counts it, as a real camera would; a replay played as fast as
possible waits instead, so every recorded frame is decoded and replays stay deterministic.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from contracts.envelope import Envelope
from contracts.payloads import payload_dict
from edge.core.barcode import BarcodeRead, ScanConsensus
from edge.core.frames import Frame
from edge.errors import OutboxFull
from edge.outbox.store import OutboxStore
from edge.sources.base import FrameSource

logger = logging.getLogger(__name__)

FPS_WINDOW_S = 5.0  # frames processed over this many seconds make the reported fps
QUEUE_POLL_S = 0.1  # longest wait on the frame queue before looking at the stop flag again


class FrameScanner(Protocol):
    """Decodes the barcodes in one image (`edge.scan.scanner.BarcodeScanner`)."""

    def scan(self, image: npt.NDArray[np.uint8]) -> Sequence[BarcodeRead]:
        """Returns the validated reads in a BGR image."""
        ...


class FrameQueue:
    """A bounded frame queue between capture and processing; drops the oldest or waits."""

    def __init__(self, capacity_frames: int, *, drop_oldest: bool) -> None:
        """Creates the queue.

        Args:
            capacity_frames: frames held at most.
            drop_oldest: when full, drop the oldest frame (live sources) instead of waiting.

        Raises:
            ValueError: if the capacity is below 1.
        """
        if capacity_frames < 1:
            raise ValueError(f"capacity_frames must be >= 1, got {capacity_frames}")
        self._capacity = capacity_frames
        self._drop_oldest = drop_oldest
        self._frames: deque[Frame] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0

    def put(self, frame: Frame) -> bool:
        """Adds a frame; returns False if the queue was closed (the frame is not kept)."""
        with self._cond:
            while not self._drop_oldest and len(self._frames) >= self._capacity:
                if self._closed:
                    return False
                self._cond.wait(QUEUE_POLL_S)
            if self._closed:
                return False
            if len(self._frames) >= self._capacity:
                self._frames.popleft()
                self.dropped += 1
            self._frames.append(frame)
            self._cond.notify_all()
            return True

    def get(self, timeout_s: float) -> Frame | None:
        """Takes the oldest frame, or None after `timeout_s` or once closed and empty."""
        with self._cond:
            if not self._frames and not self._closed:
                self._cond.wait(timeout_s)
            if not self._frames:
                return None
            frame = self._frames.popleft()
            self._cond.notify_all()
            return frame

    def close(self) -> None:
        """No more frames will come; `get` drains what is left, then returns None."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def finished(self) -> bool:
        """Closed and empty."""
        with self._cond:
            return self._closed and not self._frames


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """Counters of a pipeline.

    Attributes:
        frames_captured: frames read from the source.
        frames_dropped: frames dropped because processing fell behind.
        frames_processed: frames decoded.
        frame_errors: frames whose processing raised (logged, skipped).
        scans_stored: scan envelopes written to the outbox.
        scans_refused: confirmed scans the outbox had no room for.
        fps: frames processed per second over the last `FPS_WINDOW_S`.
        finished: the source ended and every captured frame was processed.
    """

    frames_captured: int
    frames_dropped: int
    frames_processed: int
    frame_errors: int
    scans_stored: int
    scans_refused: int
    fps: float
    finished: bool


class ScanPipeline:
    """Runs capture and processing for one device; `capture_loop` and `process_loop` are threads."""

    def __init__(
        self,
        source: FrameSource,
        scanner: FrameScanner,
        consensus: ScanConsensus,
        outbox: OutboxStore,
        *,
        queue: FrameQueue,
        on_event: Callable[[Envelope], None],
    ) -> None:
        """Wires the pipeline.

        Args:
            source: opened frame source.
            scanner: barcode decoder.
            consensus: multi-frame consensus for this device.
            outbox: where confirmed scans are stored.
            queue: the capture -> processing queue.
            on_event: called with each stored envelope, in the processing thread; must not block.
        """
        self._source = source
        self._scanner = scanner
        self._consensus = consensus
        self._outbox = outbox
        self._queue = queue
        self._on_event = on_event
        self._lock = threading.Lock()
        self._processed_at_s: deque[float] = deque()
        self._counts = dict.fromkeys(("captured", "processed", "errors", "stored", "refused"), 0)
        self._finished = threading.Event()

    def capture_loop(self, stop: threading.Event) -> None:
        """Reads the source into the queue until the source ends or `stop` is set."""
        try:
            while not stop.is_set():
                frame = self._source.read()
                if frame is None or not self._queue.put(frame):
                    break
                with self._lock:
                    self._counts["captured"] += 1
        except Exception:
            logger.exception("capture from %s failed; the source is closed", self._source.name)
        finally:
            self._queue.close()

    def process_loop(self, stop: threading.Event) -> None:
        """Decodes queued frames until the queue is finished or `stop` is set."""
        while not stop.is_set():
            frame = self._queue.get(QUEUE_POLL_S)
            if frame is None:
                if self._queue.finished:
                    self._finished.set()
                    return
                continue
            try:
                self._process(frame)
            except Exception:
                with self._lock:
                    self._counts["errors"] += 1
                logger.exception("frame %d from %s failed", frame.index, self._source.name)

    def _process(self, frame: Frame) -> None:
        reads = self._scanner.scan(frame.image)
        confirmed = self._consensus.update(reads, frame_index=frame.index, ts_ms=frame.t_ms)
        with self._lock:
            self._counts["processed"] += 1
            now_s = time.monotonic()
            self._processed_at_s.append(now_s)
            while self._processed_at_s and self._processed_at_s[0] < now_s - FPS_WINDOW_S:
                self._processed_at_s.popleft()
        for scan in confirmed:
            self._store("scan", payload_dict(scan.to_payload()))

    def _store(self, event_type: str, payload: dict[str, object]) -> None:
        try:
            envelope = self._outbox.append(event_type, payload)
        except OutboxFull as exc:
            with self._lock:
                self._counts["refused"] += 1
            logger.warning("%s event not stored: %s", event_type, exc)
            return
        with self._lock:
            self._counts["stored"] += 1
        logger.info("stored %s event seq=%d id=%s", event_type, envelope.seq, envelope.id)
        self._on_event(envelope)

    def wait_finished(self, timeout_s: float) -> bool:
        """Waits until the source ended and every frame was processed; False on timeout."""
        return self._finished.wait(timeout_s)

    def stats(self) -> PipelineStats:
        """Current counters and fps (any thread)."""
        with self._lock:
            counts = dict(self._counts)
            times = list(self._processed_at_s)
        fps = 0.0
        if len(times) >= 2 and time.monotonic() - times[-1] < FPS_WINDOW_S:
            fps = (len(times) - 1) / max(times[-1] - times[0], 1e-6)
        return PipelineStats(
            counts["captured"],
            self._queue.dropped,
            counts["processed"],
            counts["errors"],
            counts["stored"],
            counts["refused"],
            round(fps, 2),
            self._finished.is_set(),
        )
