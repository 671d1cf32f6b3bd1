"""Tests the abstention calibration: threshold at the target precision, weights, the confidence
curve, its JSON form, and the errors for bad input."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pytest

from edge.core.abstention import AbstentionCalibration, calibrate_abstention

SCORES = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4])
RIGHT = np.array([True, True, True, False, True, False, False, False])


@pytest.mark.parametrize(
    ("target", "weights", "threshold"),
    [
        (1.0, None, 0.85),  # the three best are right, the fourth is not
        (0.8, None, 0.7),  # 4 of the best 5 are right
        (0.5, None, 0.4),  # 4 of 8 overall
        (0.9, np.array([1, 1, 1, 0.1, 1, 1, 1, 1]), 0.7),  # a light wrong answer is tolerated
        (1.0, np.array([1, 1, 1, 10, 1, 1, 1, 1]), 0.85),
    ],
)
def test_threshold_is_the_lowest_score_reaching_the_target(
    target: float, weights: np.ndarray | None, threshold: float
) -> None:
    calibration = calibrate_abstention(
        SCORES, RIGHT, target_precision=target, method="table", weights=weights
    )
    assert calibration.threshold == pytest.approx(threshold)
    assert calibration.queries == len(SCORES) and calibration.method == "table"


def test_no_score_reaching_the_target_abstains_on_everything() -> None:
    calibration = calibrate_abstention(
        np.array([0.9, 0.8]), np.array([False, True]), target_precision=0.99, method="t"
    )
    assert calibration.threshold > 0.9


def test_confidence_curve_is_monotone_and_readable() -> None:
    calibration = calibrate_abstention(SCORES, RIGHT, target_precision=0.9, method="t")
    assert list(calibration.curve_precision) == sorted(calibration.curve_precision)
    assert calibration.confidence_at(0.99) == 1.0
    assert calibration.confidence_at(0.86) == 1.0
    assert calibration.confidence_at(0.1) == pytest.approx(0.5)  # below the curve: every query
    assert AbstentionCalibration.from_json(calibration.to_json()) == calibration


@pytest.mark.parametrize(
    ("scores", "right", "target", "expectation"),
    [
        (SCORES, RIGHT, 0.9, nullcontext()),
        (np.array([]), np.array([], bool), 0.9, pytest.raises(ValueError, match="non-empty")),
        (SCORES, RIGHT[:3], 0.9, pytest.raises(ValueError, match="shapes")),
        (SCORES, RIGHT, 0.0, pytest.raises(ValueError, match="target")),
    ],
)
def test_bad_input_is_refused(
    scores: np.ndarray,
    right: np.ndarray,
    target: float,
    expectation: AbstractContextManager[object],
) -> None:
    with expectation:
        calibrate_abstention(scores, right, target_precision=target, method="t")


@pytest.mark.parametrize(
    ("data", "expectation"),
    [
        (
            {
                "threshold": 0.5,
                "target_precision": 0.9,
                "queries": 1,
                "curve_scores": [0.5],
                "curve_precision": [1.0],
                "method": "m",
            },
            nullcontext(),
        ),
        ({"threshold": 0.5}, pytest.raises(ValueError, match="not an abstention")),
        (
            {
                "threshold": 0.5,
                "target_precision": 0.9,
                "queries": 1,
                "curve_scores": [0.6, 0.5],
                "curve_precision": [1.0, 1.0],
                "method": "m",
            },
            pytest.raises(ValueError, match="increasing"),
        ),
    ],
)
def test_stored_form_is_checked(
    data: dict[str, object], expectation: AbstractContextManager[object]
) -> None:
    with expectation:
        AbstentionCalibration.from_json(data)
