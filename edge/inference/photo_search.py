"""Provides the photo-search query pipeline: frame -> (optional main-object crop) -> embedding ->
projection -> exact search in the device's catalog index.

The main-object crop is off by default: on shelf photos of the grocery benchmark it lowered
recall@1 (YOLOX's COCO classes rarely match packaged goods, so the crop often cuts the product);
turn it on for cluttered frames where the product is small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.core.projection import Projection
from edge.core.search import CatalogIndex, SearchConfig, SearchResult, search
from edge.inference.detector import ObjectDetector
from edge.inference.embedder import ImageEmbedder


@dataclass(frozen=True, slots=True)
class PhotoQuery:
    """A search result with what the audit log needs.

    Attributes:
        result: top-k products, confidence and threshold.
        model_name: embedding model's manifest name.
        model_version: its manifest version.
        model_sha256: its file hash.
        cropped: whether the main-object crop was used.
    """

    result: SearchResult
    model_name: str
    model_version: str
    model_sha256: str
    cropped: bool


class PhotoSearcher:
    """Answers "what is this?" for one frame against one catalog index."""

    def __init__(
        self,
        embedder: ImageEmbedder,
        projection: Projection,
        index: CatalogIndex,
        *,
        config: SearchConfig | None = None,
        detector: ObjectDetector | None = None,
    ) -> None:
        """Wires the parts; the index and projection come from the same index build.

        Raises:
            ValueError: the projection's output size differs from the index's.
        """
        if projection.matrix.shape[1] != index.dim:
            raise ValueError(
                f"projection gives {projection.matrix.shape[1]}-d, index holds {index.dim}-d"
            )
        self._embedder = embedder
        self._projection = projection
        self._index = index
        self._config = config or SearchConfig()
        self._detector = detector

    def with_index(self, index: CatalogIndex, projection: Projection) -> PhotoSearcher:
        """A searcher over a new index version (the old one keeps serving until swapped)."""
        return PhotoSearcher(
            self._embedder, projection, index, config=self._config, detector=self._detector
        )

    def query(self, frame_bgr: npt.NDArray[np.uint8]) -> PhotoQuery:
        """Searches the catalog for the product in the frame."""
        image = frame_bgr
        if self._detector is not None:
            image = self._detector.crop_main_object(frame_bgr)
        embedding = self._projection.apply(self._embedder.embed(image))
        entry = self._embedder.model.entry
        return PhotoQuery(
            result=search(self._index, embedding, self._config),
            model_name=self._embedder.model.name,
            model_version=entry.version,
            model_sha256=entry.sha256,
            cropped=image is not frame_bgr,
        )
