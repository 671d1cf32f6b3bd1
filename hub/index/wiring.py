"""Provides `start_index`: the hub's index parts (versions, photos, builder, publisher, service)
built from its settings, the publisher connected, and a first build when configured.

The first build waits for the catalog: a hub that starts with an empty catalog copy (a new
store, the demo) builds once its first catalog sync has written products, not before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from hub.config import BrokerAddress, HubSettings
from hub.db.connection import open_database
from hub.index.builder import BuildConfig, IndexBuilder
from hub.index.photos import ReferencePhotos
from hub.index.publisher import IndexPublisher
from hub.index.service import IndexService
from hub.index.versions import IndexVersions

logger = logging.getLogger(__name__)

CATALOG_WAIT_S = 600.0
CATALOG_POLL_S = 0.5


@dataclass(frozen=True, slots=True)
class IndexParts:
    """The running index side of a hub; `stop` ends it."""

    service: IndexService
    publisher: IndexPublisher
    builder: IndexBuilder

    def stop(self) -> None:
        """Stops building (a running indexer is terminated and waited for), then the publisher."""
        self.builder.stop()
        self.publisher.stop()


def start_index(
    settings: HubSettings, broker: BrokerAddress, *, clock: Callable[[], datetime]
) -> IndexParts:
    """Builds the index parts, connects the publisher, and starts a first build if configured."""
    index = settings.index
    folder = index.folder or settings.db_path.parent / "index"
    versions = IndexVersions(folder)
    photos = ReferencePhotos(folder / "photos")
    builder = IndexBuilder(
        BuildConfig(
            store_id=settings.store_id,
            central_url=settings.central_url,
            models_manifest=index.models_manifest,
            model_name=index.model_name,
            dtype=index.dtype,
            chunk_bytes=index.chunk_bytes,
            timeout_s=index.build_timeout_s,
            http_timeout_s=settings.central_timeout_s,
        ),
        db=open_database(settings.db_path, run_migrations=False),
        versions=versions,
        photos=photos,
        clock=clock,
    )
    publisher = IndexPublisher(
        broker,
        store_id=settings.store_id,
        versions=versions,
        keepalive_s=settings.broker.keepalive_s,
    )
    publisher.start()
    service = IndexService(
        versions=versions, photos=photos, builder=builder, publisher=publisher, clock=clock
    )
    if index.build_on_start and versions.current() is None:
        _start_first_build(service, settings.db_path)
    return IndexParts(service, publisher, builder)


def _start_first_build(service: IndexService, db_path: Path) -> None:
    """Starts a thread that builds a first version once the catalog has products."""
    ready = _catalog_ready(db_path)
    thread = threading.Thread(
        target=build_when_ready, args=(service, ready), name="index-first-build", daemon=True
    )
    thread.start()


def _catalog_ready(db_path: Path) -> Callable[[], bool]:
    """A check that the catalog has products; opens its connection on the calling thread."""
    connection: list[Database] = []

    def ready() -> bool:
        if not connection:
            connection.append(open_database(db_path, run_migrations=False))
        return connection[0].execute("SELECT 1 FROM products LIMIT 1").fetchone() is not None

    return ready


def build_when_ready(
    service: IndexService,
    ready: Callable[[], bool],
    *,
    timeout_s: float = CATALOG_WAIT_S,
    poll_s: float = CATALOG_POLL_S,
) -> bool:
    """Requests a build once `ready()` holds (the catalog has products); False on timeout."""
    deadline = time.monotonic() + timeout_s
    waiting = threading.Event()  # never set: waits with a timeout, no bare sleep
    while not ready():
        if time.monotonic() > deadline:
            logger.warning("no index built: the catalog had no products after %.0f s", timeout_s)
            return False
        waiting.wait(poll_s)
    logger.info("no index version yet: building one")
    return service.request_build()
