"""Provides `start_index`: the hub's index parts (versions, photos, builder, publisher, service)
built from its settings, the publisher connected, and a first build when configured."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub.config import BrokerAddress, HubSettings
from hub.db.connection import open_database
from hub.index.builder import BuildConfig, IndexBuilder
from hub.index.photos import ReferencePhotos
from hub.index.publisher import IndexPublisher
from hub.index.service import IndexService
from hub.index.versions import IndexVersions

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndexParts:
    """The running index side of a hub; `stop` ends it."""

    service: IndexService
    publisher: IndexPublisher

    def stop(self) -> None:
        """Disconnects the publisher (a build in progress ends with the process)."""
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
        logger.info("no index version yet: building one")
        service.request_build()
    return IndexParts(service, publisher)
