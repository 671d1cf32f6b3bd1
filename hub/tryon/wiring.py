"""Provides `start_tryon`: the hub's try-on asset job (photos, library, builder) from its settings,
the seed photos imported and the worker started."""

from __future__ import annotations

import logging

from hub.config import HubSettings
from hub.db.connection import open_database
from hub.tryon.library import AssetLibrary
from hub.tryon.photos import GarmentPhotos
from hub.tryon.service import TryOnAssetService

logger = logging.getLogger(__name__)


def start_tryon(settings: HubSettings) -> TryOnAssetService:
    """Builds the try-on asset service, imports the seed photos, and starts its worker."""
    tryon = settings.tryon
    folder = tryon.folder or settings.db_path.parent / "tryon"
    photos = GarmentPhotos(folder / "photos")
    if tryon.seed_photos_path is not None:
        added = photos.import_seed(tryon.seed_photos_path)
        logger.info("try-on: %d seed photos imported from %s", added, tryon.seed_photos_path)
    service = TryOnAssetService(
        db=open_database(settings.db_path, run_migrations=False),
        library=AssetLibrary(folder / "assets", store_id=settings.store_id),
        photos=photos,
        poll_interval_s=tryon.poll_interval_s,
    )
    service.start()
    return service
