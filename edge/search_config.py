"""Provides the device config sections of photo search: `[index]` (how index versions arrive)
and `[search]` (models, results, crop, and when the glasses search).
"""

from __future__ import annotations

from pydantic import Field

from edge.config_base import ConfigModel, ConfigPath

# The devices' and the hub indexer's default embedding model. Not the retail model yet
# (`efficientnet_lite0_retail_int8`, better on real shelf photos: `aisle bench search`): on the
# demo catalog's rendered packshots it answers 2 of 4 rendered strangers above the calibrated
# threshold (tests/e2e/test_photo_search.py). A store sets `embedder` here and the hub's
# `[index] model_name` to run it.
DEFAULT_EMBEDDER = "efficientnet_lite0_int8"


class IndexConfig(ConfigModel):
    """Photo-search index distribution: where versions live and how they are fetched."""

    folder: ConfigPath = Field(description="folder of partial and installed index files")
    window_chunks: int = Field(
        default=32, ge=1, le=1024, description="chunks asked for and not yet received, at most"
    )
    chunk_timeout_s: float = Field(
        default=10.0, gt=0, le=600, description="a chunk not received in this time is asked again"
    )
    max_chunk_retries: int = Field(
        default=5, ge=1, le=1000, description="corrupt arrivals of one chunk before giving up"
    )
    model_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="refuse indexes built with another embedding model; None accepts any",
    )


class PhotoSearchConfig(ConfigModel):
    """Photo search on the device: models, results, crop, and when the glasses search."""

    models_manifest: ConfigPath = Field(
        description="models/manifest.json holding the embedding and detector models"
    )
    embedder: str = Field(
        default=DEFAULT_EMBEDDER,
        min_length=1,
        description="embedding model (manifest name); must be the one the hub's indexes use",
    )
    detector: str | None = Field(
        default="yolox_nano",
        min_length=1,
        description="detector cropping the main object (manifest name); None: centre crop only",
    )
    k: int = Field(default=5, ge=1, le=50, description="products returned per search")
    near_equal_margin: float = Field(
        default=0.02, ge=0, le=1, description="score gap within which in-stock products go first"
    )
    fallback_threshold: float = Field(
        default=0.65,
        ge=-1,
        le=1.5,
        description="abstention threshold for an index file that carries no calibration",
    )
    centre_share: float = Field(
        default=0.8, gt=0, le=1, description="fallback crop side, share of the shorter frame side"
    )
    ask_on_command: bool = Field(
        default=True, description="glasses: search when a what_is_this command arrives"
    )
    ask_interval_s: float | None = Field(
        default=None, gt=0, le=3600, description="glasses: also search every N seconds; None: off"
    )
    frame_wait_s: float = Field(
        default=1.0, gt=0, le=30, description="longest wait for a frame taken after an ask, seconds"
    )
