"""Provides image augmentations for fitting the search projection: flips and synthetic shelf views.

Pure numpy on HxWx3 uint8 images. A catalog image becomes several "photos": a random crop (as if
the shopper framed part of the pack), lighting changes (gain and offset) and a mirror image.
Used only at index-build time, never on queries.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


def _check(image: Image) -> None:
    if (
        image.dtype != np.uint8
        or image.ndim != 3
        or image.shape[2] != 3
        or min(image.shape[:2]) < 2
    ):
        raise ValueError(f"expected HxWx3 uint8 (at least 2x2), got {image.shape} {image.dtype}")


def flip_horizontal(image: Image) -> Image:
    """The mirror image (a contiguous copy)."""
    _check(image)
    return np.ascontiguousarray(image[:, ::-1])


def synthetic_views(image: Image, count: int, rng: np.random.Generator) -> list[Image]:
    """`count` shelf-like views of a catalog image.

    Each view keeps 50-95% of the height and of the width at a random place, scales brightness by
    0.6-1.3, shifts it by +-30 levels, and is mirrored half of the time.

    Args:
        image: HxWx3 uint8 catalog image.
        count: number of views.
        rng: the random generator (seed it for a reproducible index build).

    Returns:
        The views, each a new HxWx3 uint8 array.
    """
    _check(image)
    height, width = image.shape[:2]
    views = []
    for _ in range(count):
        crop_h = max(1, int(height * rng.uniform(0.5, 0.95)))
        crop_w = max(1, int(width * rng.uniform(0.5, 0.95)))
        top = int(rng.integers(0, height - crop_h + 1))
        left = int(rng.integers(0, width - crop_w + 1))
        view = image[top : top + crop_h, left : left + crop_w].astype(np.float32)
        view = view * np.float32(rng.uniform(0.6, 1.3)) + np.float32(rng.uniform(-30, 30))
        if rng.random() < 0.5:
            view = view[:, ::-1]
        views.append(np.ascontiguousarray(np.clip(view, 0, 255).astype(np.uint8)))
    return views
