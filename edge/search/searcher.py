"""Provides `PhotoSearcher`: one frame in, the products it shows out, on the device.

frame -> main-object crop (YOLOX, or the centre square when nothing large is detected) ->
INT8 embedding -> the index's projection -> exact top-k over the index the agent runs now
(`ActiveIndex.current()`, read once per query so a version switch never splits a query) ->
in-stock first among near-equal scores -> abstention below the index's calibrated threshold.

The kiosk calls `search_frame` with a camera frame it holds; the glasses' asker calls it on a
`what_is_this` command. Each result goes to `on_result` (the agent stores it in its outbox as a
`search` event); the frame itself is only read here and never kept, logged or sent.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from contracts.ids import new_ulid
from contracts.payloads import SearchTrigger
from edge.core.abstention import AbstentionCalibration
from edge.core.search import SearchConfig, search
from edge.errors import EdgeError
from edge.index.active import LoadedIndex
from edge.inference.detector import ObjectDetector
from edge.inference.embedder import ImageEmbedder, preprocess_image
from edge.search.crop import Crop, CropPolicy, choose_crop
from edge.search.result import ModelRef, PhotoSearchResult, ThresholdSource

logger = logging.getLogger(__name__)

FALLBACK_THRESHOLD = SearchConfig().threshold


class SearchUnavailable(EdgeError):
    """Photo search cannot run now: no index installed yet, or one built with another model."""


@dataclass(frozen=True, slots=True)
class SearcherSettings:
    """Search knobs of one device.

    Attributes:
        k: products returned.
        near_equal_margin: scores this close to a better one count as near-equal (in-stock
            products go first among them).
        fallback_threshold: used only for an index file that carries no calibration.
        crop: how the query crop is chosen.
    """

    k: int = 5
    near_equal_margin: float = 0.02
    fallback_threshold: float = FALLBACK_THRESHOLD
    crop: CropPolicy = field(default_factory=CropPolicy)


def _wall_ulid() -> str:
    return new_ulid(time.time_ns() // 1_000_000)


def _threshold(
    calibration: AbstentionCalibration | None, fallback: float
) -> tuple[float, ThresholdSource]:
    if calibration is None:
        return fallback, "fallback"
    return calibration.threshold, "index"


class PhotoSearcher:
    """Searches frames against the device's running index (thread-safe: no mutable state)."""

    def __init__(
        self,
        embedder: ImageEmbedder,
        index: Callable[[], LoadedIndex | None],
        *,
        detector: ObjectDetector | None = None,
        settings: SearcherSettings | None = None,
        on_result: Callable[[PhotoSearchResult], None] | None = None,
        clock_s: Callable[[], float] = time.perf_counter,
        new_id: Callable[[], str] = _wall_ulid,
    ) -> None:
        """Wires the searcher.

        Args:
            embedder: the embedding model the device's indexes are built with.
            index: returns the index a query starting now uses (`ActiveIndex.current`).
            detector: finds the main object; None always uses the centre square.
            settings: k, margin, fallback threshold, crop policy.
            on_result: receives every result (the outbox sink); must not block for long.
            clock_s: monotonic seconds, for the latency.
            new_id: makes query ids.
        """
        self._embedder = embedder
        self._index = index
        self._detector = detector
        self.settings = settings or SearcherSettings()
        self._on_result = on_result
        self._clock_s = clock_s
        self._new_id = new_id
        model = embedder.model
        self.model = ModelRef(model.name, model.entry.version, model.entry.sha256)

    def search_frame(
        self,
        image_bgr: npt.NDArray[np.uint8],
        *,
        trigger: SearchTrigger = "kiosk_snap",
        command_id: str | None = None,
    ) -> PhotoSearchResult:
        """Searches one (H, W, 3) uint8 BGR frame (read only, not kept); the result also goes
        to `on_result`. `trigger` and `command_id` say what asked for it.

        Raises:
            SearchUnavailable: no index yet, or the index was built with another model.
            ValueError: the frame is not (H, W, 3) uint8 or is smaller than 8 px a side.
        """
        started_s = self._clock_s()
        loaded = self._usable_index()
        crop, input_sha256, features = self._embed(image_bgr)
        calibration = loaded.data.meta.abstention
        threshold, source = _threshold(calibration, self.settings.fallback_threshold)
        config = SearchConfig(self.settings.k, self.settings.near_equal_margin, threshold)
        found = search(loaded.data.index, loaded.data.projection.apply(features), config)
        result = PhotoSearchResult(
            query_id=self._new_id(),
            trigger=trigger,
            command_id=command_id,
            matches=found.matches,
            abstained=not found.confident,
            top_score=found.top_score,
            threshold=threshold,
            threshold_source=source,
            confidence=None if calibration is None else calibration.confidence_at(found.top_score),
            crop=crop,
            index_version=loaded.version,
            model=self.model,
            input_sha256=input_sha256,
            latency_ms=(self._clock_s() - started_s) * 1000.0,
        )
        if self._on_result is not None:
            self._on_result(result)
        return result

    def _embed(self, image_bgr: npt.NDArray[np.uint8]) -> tuple[Crop, str, npt.NDArray[np.float32]]:
        """Crops, preprocesses, hashes the model input and embeds it."""
        detections = [] if self._detector is None else self._detector.detect(image_bgr)
        crop = choose_crop(image_bgr.shape[:2], detections, self.settings.crop)
        tensor = preprocess_image(crop.cut(image_bgr), self._embedder.recipe)
        input_sha256 = hashlib.sha256(tensor.tobytes()).hexdigest()
        features = np.asarray(self._embedder.model.run_one(tensor)[0][0], dtype=np.float32)
        return crop, input_sha256, features

    def _usable_index(self) -> LoadedIndex:
        loaded = self._index()
        if loaded is None:
            raise SearchUnavailable("no photo-search index is installed yet")
        if loaded.data.meta.model_sha256 != self.model.sha256:
            raise SearchUnavailable(
                f"index {loaded.version} was built with {loaded.data.meta.model_name} "
                f"({loaded.data.meta.model_sha256[:12]}), this device runs {self.model.name} "
                f"({self.model.sha256[:12]})"
            )
        return loaded
