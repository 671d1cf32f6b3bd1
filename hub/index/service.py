"""Provides `IndexService`: what the API needs of the index: photos, builds, versions, fleet view.

A build runs on its own thread (an indexer run takes seconds to minutes); one at a time. After a
successful build the publisher announces the new manifest to devices.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from contracts.index import IndexManifest
from hub.index.builder import BuildReport, IndexBuilder, IndexBuildStopped
from hub.index.photos import ReferencePhotos
from hub.index.publisher import IndexPublisher, IndexPublisherStats
from hub.index.versions import IndexVersions

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildStatus:
    """The build side of the index.

    Attributes:
        running: a build is under way.
        started_at: when the last build started.
        finished_at: when the last build ended (either way).
        last_error: why the last build failed, if it did.
        last_report: the last successful build's report.
    """

    running: bool
    started_at: datetime | None
    finished_at: datetime | None
    last_error: str | None
    last_report: BuildReport | None


class IndexService:
    """Reference photos, index builds and the published version (any thread)."""

    def __init__(
        self,
        *,
        versions: IndexVersions,
        photos: ReferencePhotos,
        builder: IndexBuilder | None,
        publisher: IndexPublisher | None,
        clock: Callable[[], datetime],
    ) -> None:
        """Wires the service; `builder`/`publisher` None disables building/publishing."""
        self.versions = versions
        self.photos = photos
        self._builder = builder
        self._publisher = publisher
        self._clock = clock
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._status = BuildStatus(False, None, None, None, None)

    def current(self) -> IndexManifest | None:
        """The published version's manifest."""
        return self.versions.current()

    def status(self) -> BuildStatus:
        """The build status."""
        with self._lock:
            return self._status

    def publisher_stats(self) -> IndexPublisherStats | None:
        """The publisher's counters, or None without a publisher."""
        return None if self._publisher is None else self._publisher.stats()

    def request_build(self) -> bool:
        """Starts a build in the background; False if one is already running or none can run."""
        if self._builder is None:
            return False
        with self._lock:
            if self._status.running:
                return False
            self._status = BuildStatus(True, self._clock(), None, None, self._status.last_report)
            self._idle.clear()
        threading.Thread(target=self._build, name="index-build", daemon=True).start()
        return True

    def wait_idle(self, timeout_s: float) -> bool:
        """Waits until no build runs; False on timeout."""
        return self._idle.wait(timeout_s)

    def _build(self) -> None:
        builder = self._builder
        assert builder is not None  # request_build checked it
        report, error = None, None
        try:
            report = builder.build()
        except IndexBuildStopped as exc:  # the hub is shutting down: not a failure to trace
            logger.info("index build stopped: %s", exc)
            error = str(exc)
        except Exception as exc:  # a failed build must be reported, never kill the thread
            logger.exception("index build failed")
            error = str(exc) or type(exc).__name__
        with self._lock:
            last = report or self._status.last_report
            self._status = BuildStatus(False, self._status.started_at, self._clock(), error, last)
        self._idle.set()
        if report is not None and self._publisher is not None:
            self._publisher.announce()
