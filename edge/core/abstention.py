"""Provides the abstention calibration an index carries: its threshold and confidence curve.

Pure numpy. At index-build time a set of calibration queries is scored against the index: each
query says whether the best product was right and what its top score was. Queries for items that
are not in the index count as wrong whatever they match, so the threshold also keeps out items
the store does not sell. The threshold is the lowest top score at which the accepted answers reach
the target precision; the curve maps a top score to the precision of the calibration queries
scoring at least that much, which is what a shopper reads as "92% sure". Queries can be weighted,
so the share of not-in-index queries is a stated assumption rather than an accident of sample
sizes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

CURVE_POINTS = 21


@dataclass(frozen=True, slots=True)
class AbstentionCalibration:
    """How an index decides "not sure", measured when it was built.

    Attributes:
        threshold: top scores below this abstain.
        target_precision: the precision the threshold was chosen to reach (e.g. 0.9).
        queries: calibration queries behind the numbers (in-index and not-in-index).
        curve_scores: (M,) increasing top scores of the confidence curve.
        curve_precision: (M,) non-decreasing precision of the queries scoring at least the
            matching `curve_scores` entry.
        method: how the queries were made, e.g. "synthetic views x2 of 300 catalog images".
    """

    threshold: float
    target_precision: float
    queries: int
    curve_scores: tuple[float, ...]
    curve_precision: tuple[float, ...]
    method: str

    def __post_init__(self) -> None:
        if len(self.curve_scores) != len(self.curve_precision):
            raise ValueError(
                f"curve has {len(self.curve_scores)} scores and {len(self.curve_precision)} "
                "precisions"
            )
        if any(b < a for a, b in zip(self.curve_scores, self.curve_scores[1:], strict=False)):
            raise ValueError("curve_scores must be increasing")
        if not 0 < self.target_precision <= 1 or self.queries < 0:
            raise ValueError(f"bad target {self.target_precision} or queries {self.queries}")

    def confidence_at(self, score: float) -> float | None:
        """The calibrated precision of answers scoring at least `score` (None without a curve)."""
        if not self.curve_scores:
            return None
        # the largest curve point at or below the score; below the lowest, every query counts
        position = int(np.searchsorted(np.asarray(self.curve_scores), score, side="right")) - 1
        return float(self.curve_precision[max(position, 0)])

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready form stored in an index file's meta."""
        return {
            "threshold": self.threshold,
            "target_precision": self.target_precision,
            "queries": self.queries,
            "curve_scores": list(self.curve_scores),
            "curve_precision": list(self.curve_precision),
            "method": self.method,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AbstentionCalibration:
        """Reads the form `to_json` wrote.

        Raises:
            ValueError: a field is missing or of the wrong type.
        """
        try:
            return cls(
                threshold=float(data["threshold"]),
                target_precision=float(data["target_precision"]),
                queries=int(data["queries"]),
                curve_scores=tuple(float(v) for v in data["curve_scores"]),
                curve_precision=tuple(float(v) for v in data["curve_precision"]),
                method=str(data["method"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an abstention calibration: {exc}") from exc


def _curve(
    scores: npt.NDArray[np.float64], ranked: npt.NDArray[np.float64], precision: Any
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Score quantiles and the (monotone) precision of the queries scoring at least each."""
    grid = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, CURVE_POINTS)))
    accepted = np.searchsorted(-ranked, -grid, side="right")  # the last of equal scores
    return grid, np.maximum.accumulate(precision[np.maximum(accepted - 1, 0)])


def calibrate_abstention(
    top_scores: npt.NDArray[np.floating],
    correct: npt.NDArray[np.bool_],
    *,
    target_precision: float,
    method: str,
    weights: npt.NDArray[np.floating] | None = None,
) -> AbstentionCalibration:
    """The lowest top score whose accepted answers reach the target precision (weighted; above
    every score when none does), and the confidence curve.

    Args:
        top_scores: (M,) best score of each calibration query.
        correct: (M,) its best product was right (never, for items not in the index).
        target_precision: share of accepted answers that must be right, in (0, 1].
        method: how the queries were made (kept with the index for the audit trail).
        weights: (M,) positive query weights; None weighs them equally.

    Raises:
        ValueError: shapes disagree, no query, or the target is outside (0, 1].
    """
    scores = np.asarray(top_scores, dtype=np.float64)
    right = np.asarray(correct, dtype=np.bool_)
    weight = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(scores) == 0 or scores.shape != right.shape or scores.shape != weight.shape:
        raise ValueError(f"need equal, non-empty shapes: {scores.shape} {right.shape}")
    if not 0 < target_precision <= 1 or (weight <= 0).any():
        raise ValueError(f"target {target_precision} must be in (0, 1], weights > 0")
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    precision = np.cumsum(weight[order] * right[order]) / np.cumsum(weight[order])
    reached = np.nonzero(precision >= target_precision)[0]
    threshold = ranked[reached[-1]] if len(reached) else ranked[0] + 1e-6
    grid, curve = _curve(scores, ranked, precision)
    return AbstentionCalibration(
        threshold=round(float(threshold), 6),
        target_precision=target_precision,
        queries=len(scores),
        curve_scores=tuple(round(float(v), 6) for v in grid),
        curve_precision=tuple(round(float(v), 4) for v in curve),
        method=method,
    )
