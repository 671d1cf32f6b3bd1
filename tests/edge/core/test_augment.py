"""Tests the projection-fitting augmentations."""

from __future__ import annotations

import numpy as np
import pytest

from edge.core.augment import flip_horizontal, synthetic_views


def _image() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)


def test_flip_mirrors_columns() -> None:
    image = _image()
    flipped = flip_horizontal(image)
    assert np.array_equal(flipped[:, 0], image[:, -1])
    assert flipped.flags["C_CONTIGUOUS"]


def test_views_are_reproducible_crops_of_the_right_size() -> None:
    first = synthetic_views(_image(), 5, np.random.default_rng(1))
    second = synthetic_views(_image(), 5, np.random.default_rng(1))
    assert len(first) == 5
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)
        assert a.dtype == np.uint8 and a.ndim == 3
        assert 20 <= a.shape[0] <= 38 and 30 <= a.shape[1] <= 57


@pytest.mark.parametrize(
    "image",
    [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 3), np.float32), np.zeros((1, 4, 3), np.uint8)],
)
def test_rejects_bad_images(image: np.ndarray) -> None:
    with pytest.raises(ValueError):
        synthetic_views(image, 1, np.random.default_rng(0))
    with pytest.raises(ValueError):
        flip_horizontal(image)
