"""Provides `build_features`: the kiosk's camera features composed from edge code, in-process.

Each feature is built from the committed models and what this kiosk was given (try-on assets, a
search index); one that cannot be built (a model missing or failing its manifest check, no assets)
is turned off and logged, and the kiosk shows it as off. Frames reach the features through the
`LatestFrame` slot the edge agent's `FrameTap` fills (see `aisle/frame_tap.py`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from aisle.frame_tap import LatestFrame
from aisle.kiosk_tryon import EdgeTryOn, load_tryon_models, scan_assets
from edge.errors import EdgeError
from kiosk.ports import KioskFeatures, TryOnPreview

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeatureSources:
    """Where the kiosk's features find their models and data.

    Attributes:
        manifest: `models/manifest.json`.
        tryon_assets: folder of try-on assets (`<asset_id>.png` + `.json`), or None for no try-on.
    """

    manifest: Path
    tryon_assets: Path | None


def build_tryon(sources: FeatureSources, frames: LatestFrame) -> TryOnPreview | None:
    """The try-on port, or None (logged) when it cannot run on this kiosk."""
    folder = sources.tryon_assets
    if folder is None:
        return None
    if not folder.is_dir():
        logger.warning("try-on off: asset folder %s not found", folder)
        return None
    assets = scan_assets(folder)
    if not assets:
        logger.warning("try-on off: no try-on assets in %s", folder)
        return None
    try:
        models = load_tryon_models(sources.manifest)
    except EdgeError as exc:
        logger.warning("try-on off: %s", exc)
        return None
    logger.info("try-on on: %d garments from %s", len(assets), folder)
    return EdgeTryOn(models, assets, frames)


def build_features(sources: FeatureSources, frames: LatestFrame) -> KioskFeatures:
    """Builds every feature this kiosk can run; the others stay off (None).

    Args:
        sources: models and data.
        frames: the slot the kiosk's edge agent fills with camera frames.
    """
    return KioskFeatures(tryon=build_tryon(sources, frames))
