"""Provides `PhotoSearchResult`: what one photo search on the device found, and its wire form.

The result keeps what accountability needs (model name, version and sha256, index version, a
sha256 of the preprocessed crop, score and threshold) and never the pixels; `to_payload` turns it
into the `search` event the outbox publishes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from contracts.payloads import SearchHit, SearchPayload, SearchTrigger
from edge.core.search import Match
from edge.search.crop import Crop

ThresholdSource = Literal["index", "fallback"]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class ModelRef:
    """The embedding model a search ran (for the audit trail)."""

    name: str
    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class PhotoSearchResult:
    """One photo search.

    Attributes:
        query_id: ULID made for this search.
        trigger: what started it (`kiosk_snap`, `glasses_ask`, `glasses_interval`).
        command_id: the command that asked for it, if any.
        matches: top-k products, best first, in stock first among near-equal scores.
        abstained: the best raw score is below the threshold: `matches` are candidates only.
        top_score: the best raw score.
        threshold: the threshold applied.
        threshold_source: "index" (calibrated when the index was built) or "fallback" (the
            configured value, for an index file without a calibration).
        confidence: calibrated precision at `top_score`, when the index has a curve.
        crop: the part of the frame that was embedded, and whether the detector found it.
        index_version: the index version searched.
        model: the embedding model.
        input_sha256: sha256 of the preprocessed crop tensor (float32 NCHW bytes).
        latency_ms: frame in to result out, on this device.
    """

    query_id: str
    trigger: SearchTrigger
    command_id: str | None
    matches: tuple[Match, ...]
    abstained: bool
    top_score: float
    threshold: float
    threshold_source: ThresholdSource
    confidence: float | None
    crop: Crop
    index_version: str
    model: ModelRef
    input_sha256: str
    latency_ms: float

    def __post_init__(self) -> None:
        if not _SHA256.match(self.input_sha256):
            raise ValueError(f"input_sha256 must be 64 hex digits, got {self.input_sha256!r}")
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {self.latency_ms}")
        if not self.abstained and not self.matches:
            raise ValueError("a result that does not abstain needs a match")

    @property
    def answer(self) -> Match | None:
        """The product the search is sure of, or None when it abstains."""
        return None if self.abstained else self.matches[0]

    def to_payload(self) -> SearchPayload:
        """The `search` event payload (no pixels: the crop is represented by its hash)."""
        return SearchPayload(
            query_id=self.query_id,
            trigger=self.trigger,
            command_id=self.command_id,
            model_name=self.model.name,
            model_version=self.model.version,
            model_sha256=self.model.sha256,
            index_version=self.index_version,
            input_sha256=self.input_sha256,
            crop=self.crop.source,
            hits=[
                SearchHit(
                    gtin=match.product_id, score=round(match.score, 5), in_stock=match.in_stock
                )
                for match in self.matches
            ],
            top_score=round(self.top_score, 5),
            threshold=round(self.threshold, 5),
            abstained=self.abstained,
            confidence=self.confidence,
            latency_ms=round(self.latency_ms, 2),
        )
