"""Tests the query crop: the main detected object when it is large enough, else the centre."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pytest

from edge.inference.detector import Detection
from edge.search.crop import Crop, CropPolicy, centre_crop, choose_crop

FRAME_HW = (360, 480)


def _det(box: tuple[float, float, float, float], score: float = 0.8) -> Detection:
    return Detection(box, score, 39, "bottle")


@pytest.mark.parametrize(
    ("detections", "source", "box"),
    [
        ([], "centre", (96, 36, 384, 324)),  # 0.8 of the shorter side, centred
        ([_det((230, 170, 250, 190))], "centre", (96, 36, 384, 324)),  # 400 px^2 < 4% of frame
        ([_det((140, 60, 340, 300))], "detector", (120, 36, 360, 324)),  # plus a 10% margin
        ([_det((0, 0, 480, 360), 0.4), _det((150, 80, 330, 280))], "detector", None),
    ],
)
def test_choose_crop(
    detections: list[Detection], source: str, box: tuple[int, int, int, int] | None
) -> None:
    crop = choose_crop(FRAME_HW, detections, CropPolicy())
    assert crop.source == source
    if box is not None:
        assert crop.box_xyxy == box


def test_cut_copies_the_crop() -> None:
    image = np.arange(360 * 480 * 3, dtype=np.uint32).astype(np.uint8).reshape(360, 480, 3)
    crop = centre_crop(FRAME_HW, 0.5)
    pixels = crop.cut(image)
    assert pixels.shape == (180, 180, 3) and pixels.flags.c_contiguous
    assert np.array_equal(pixels, image[90:270, 150:330])


@pytest.mark.parametrize(
    ("make", "expectation"),
    [
        (lambda: CropPolicy(centre_share=1.0), nullcontext()),
        (lambda: CropPolicy(centre_share=0.0), pytest.raises(ValueError, match="centre_share")),
        (lambda: CropPolicy(min_box_share=1.0), pytest.raises(ValueError, match="min_box_share")),
        (lambda: Crop((0, 0, 4, 100), "centre"), pytest.raises(ValueError, match="8 px")),
        (lambda: centre_crop((6, 6), 1.0), pytest.raises(ValueError, match="too small")),
    ],
)
def test_bad_crop_settings_are_refused(
    make: object, expectation: AbstractContextManager[object]
) -> None:
    with expectation:
        make()  # type: ignore[operator]
