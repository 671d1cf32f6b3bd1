"""Provides `build_features`: the kiosk's camera features composed from edge code, in-process.

Each feature is built from the committed models and what this kiosk was given (try-on assets, a
search index); one that cannot be built (a model missing or failing its manifest check, no assets)
is turned off and logged, and the kiosk shows it as off. Frames reach the features through the
`LatestFrame` slot the edge agent's `TappedSource` fills (see `aisle/frame_tap.py`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aisle.frame_tap import LatestFrame
from aisle.kiosk_search import EdgePhotoSearch, EdgeTextSearch, load_catalog_texts
from aisle.kiosk_tryon import EdgeTryOn, load_tryon_models, scan_assets
from edge.errors import EdgeError
from edge.index.text_rows import TextRows
from edge.inference.runtime import load_model
from edge.inference.text_embedder import TextEmbedder
from edge.search.searcher import PhotoSearcher
from edge.tryon.installed import load_installed
from edge.tryon.receiver import AssetReceiver, ReceiverSettings
from kiosk.ports import KioskFeatures, PhotoSearch, TryOnPreview

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeatureSources:
    """Where the kiosk's features find their models and data.

    Attributes:
        manifest: `models/manifest.json`.
        tryon_assets: where this kiosk keeps the try-on assets the hub ships (with `tryon_hub`),
            or a folder of `<asset_id>.png` + `.json` offered as is; None: no try-on.
        catalog_texts: catalog file whose product texts text search matches, or None for none.
        tryon_hub: how to fetch try-on assets from the hub (None: offer `tryon_assets` as is).
        photo_searcher: returns the running agent's photo searcher (None: the device config
            has no `[search]` section, photo search off).
        text_rows: returns the text rows of the agent's running index (None: the device has
            no `[index]` section; text search then embeds `catalog_texts` here).
    """

    manifest: Path
    tryon_assets: Path | None
    tryon_hub: ReceiverSettings | None = None
    catalog_texts: Path | None = None
    photo_searcher: Callable[[], PhotoSearcher | None] | None = None
    text_rows: Callable[[], TextRows | None] | None = None


def build_tryon(sources: FeatureSources, frames: LatestFrame) -> TryOnPreview | None:
    """The try-on port, or None (logged) when it cannot run on this kiosk.

    With `tryon_hub` the assets come from the hub: the version installed before is offered at
    once and a receiver thread installs each new one; else a local folder is offered as it is.
    """
    folder = sources.tryon_assets
    if folder is None:
        return None
    if sources.tryon_hub is not None:
        assets = load_installed(folder)
    elif folder.is_dir():
        assets = scan_assets(folder)
    else:
        logger.warning("try-on off: asset folder %s not found", folder)
        return None
    if not assets.assets() and sources.tryon_hub is None:
        logger.warning("try-on off: no try-on assets in %s", folder)
        return None
    try:
        models = load_tryon_models(sources.manifest)
    except EdgeError as exc:
        logger.warning("try-on off: %s", exc)
        return None
    if sources.tryon_hub is not None:
        AssetReceiver(sources.tryon_hub, assets).start()  # daemon thread: ends with the kiosk
    logger.info("try-on on: %d garments from %s", len(assets.assets()), folder)
    return EdgeTryOn(models, assets, frames)


def build_photo_search(sources: FeatureSources, frames: LatestFrame) -> PhotoSearch | None:
    """The photo-search port on the agent's searcher, or None when the device has no search."""
    if sources.photo_searcher is None:
        return None
    return EdgePhotoSearch(sources.photo_searcher, frames)


def build_text_search(sources: FeatureSources) -> EdgeTextSearch | None:
    """The text-search port, or None (logged).

    With `text_rows` it searches the rows the hub shipped in the index (nothing to embed at
    start); otherwise it embeds the products of `catalog_texts` on first use.
    """
    if sources.catalog_texts is None:
        return None
    try:
        embedder = TextEmbedder.from_model(load_model(sources.manifest, "all_minilm_l6_v2_int8"))
        if sources.text_rows is not None:
            return EdgeTextSearch(embedder, sources.text_rows)
        products = load_catalog_texts(sources.catalog_texts)
    except (ValueError, EdgeError) as exc:
        logger.warning("text search off: %s", exc)
        return None
    return EdgeTextSearch.from_products(embedder, products)


def build_features(sources: FeatureSources, frames: LatestFrame) -> KioskFeatures:
    """Builds every feature this kiosk can run; the others stay off (None).

    Text search embeds its products on first use; call its `prepare` in a thread to warm it.

    Args:
        sources: models and data.
        frames: the slot the kiosk's edge agent fills with camera frames.
    """
    return KioskFeatures(
        tryon=build_tryon(sources, frames),
        photo_search=build_photo_search(sources, frames),
        text_search=build_text_search(sources),
    )


def warm_up(features: KioskFeatures) -> threading.Thread | None:
    """Embeds the text search's products in a background thread (the UI starts meanwhile)."""
    search = features.text_search
    if not isinstance(search, EdgeTextSearch):
        return None

    def prepare() -> None:
        try:
            search.prepare()
        except Exception:  # top of the thread: the first search will try again and report
            logger.exception("text search: embedding the product texts failed")

    thread = threading.Thread(target=prepare, name="kiosk-text-index", daemon=True)
    thread.start()
    return thread
