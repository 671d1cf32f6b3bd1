"""Provides the garment cut-out and anchor finding for try-on assets (pure: arrays in, arrays out).

`cut_out` separates one garment from its background with GrabCut seeded by the photo's border
(product photos show the garment in the middle on a floor, wall or hanger), then keeps the largest
region and says why a photo is unusable: nothing found, several items, or a garment cut off by
the frame. `find_anchors` reads anchor points off the mask's shape per garment kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

WORK_MAX_SIDE = 360
BORDER_FRACTION = 0.04
GRABCUT_SEED = 0
GRABCUT_ITERATIONS = 5
MIN_AREA_FRACTION = 0.08
MAX_AREA_FRACTION = 0.85
SECOND_ITEM_RATIO = 0.30
MAX_BORDER_TOUCH = 0.12

Mask = npt.NDArray[np.uint8]


class PhotoRejected(ValueError):
    """The product photo cannot make a try-on asset; the message says why, for staff."""


@dataclass(frozen=True, slots=True)
class Cutout:
    """A garment cut out of a product photo.

    Attributes:
        mask: (H, W) uint8, 255 on the garment, at the photo's size.
        area_fraction: garment pixels over photo pixels.
        box_xyxy: the garment's bounding box in photo pixels (x1, y1 exclusive).
    """

    mask: Mask
    area_fraction: float
    box_xyxy: tuple[int, int, int, int]

    def __post_init__(self) -> None:
        if self.mask.ndim != 2 or self.mask.dtype != np.uint8:
            raise ValueError(f"mask must be (H, W) uint8, got {self.mask.shape} {self.mask.dtype}")


def _grabcut(small: npt.NDArray[np.uint8]) -> Mask:
    h, w = small.shape[:2]
    band = max(2, round(min(h, w) * BORDER_FRACTION))
    seed = np.full((h, w), cv2.GC_PR_FGD, np.uint8)
    seed[:band, :] = seed[-band:, :] = cv2.GC_BGD
    seed[:, :band] = seed[:, -band:] = cv2.GC_BGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    no_rect = (0, 0, 0, 0)  # seeded by the mask, not a rectangle
    cv2.setRNGSeed(GRABCUT_SEED)  # GrabCut's k-means start is random: same photo, same asset
    cv2.grabCut(small, seed, no_rect, bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    fg = np.isin(seed, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8) * 255
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    return np.asarray(cv2.morphologyEx(fg, cv2.MORPH_OPEN, kernel), dtype=np.uint8)


def _largest_regions(mask: Mask) -> tuple[Mask, float, float]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        raise PhotoRejected("no garment found: the photo is all background")
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    order = np.argsort(areas)[::-1]
    best = 1 + int(order[0])
    second = float(areas[order[1]]) / float(areas[order[0]]) if len(order) > 1 else 0.0
    region = (labels == best).astype(np.uint8) * 255
    return region, float(areas[order[0]]) / float(mask.size), second


def _fill_holes(region: Mask) -> Mask:
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(region)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    return filled


def _border_touch(region: Mask) -> float:
    # GrabCut keeps the seeded band background, so look just inside it.
    band = max(2, round(min(region.shape) * BORDER_FRACTION)) + 1
    inner = region[band:-band, band:-band]
    edges = np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]])
    return float((edges > 0).mean())


def cut_out(bgr: npt.NDArray[np.uint8]) -> Cutout:
    """Cuts the one garment out of a product photo.

    Args:
        bgr: (H, W, 3) uint8 product photo.

    Returns:
        The garment's mask at the photo's size.

    Raises:
        PhotoRejected: no garment, several items, or a garment cut off by the frame.
    """
    if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
        raise ValueError(f"expected (H, W, 3) uint8, got {bgr.shape} {bgr.dtype}")
    h, w = bgr.shape[:2]
    scale = min(1.0, WORK_MAX_SIDE / max(h, w))
    small = np.asarray(
        cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA),
        np.uint8,
    )
    region, area, second = _largest_regions(_grabcut(small))
    if second > SECOND_ITEM_RATIO and area * (1 + second) >= MIN_AREA_FRACTION:
        raise PhotoRejected(f"several items: a second region is {second:.0%} of the largest")
    if area < MIN_AREA_FRACTION:
        raise PhotoRejected(f"no garment found: largest region is {area:.0%} of the photo")
    if area > MAX_AREA_FRACTION:
        raise PhotoRejected(f"no garment found: foreground covers {area:.0%} of the photo")
    if _border_touch(region) > MAX_BORDER_TOUCH:
        raise PhotoRejected("garment cut off by the photo's border: retake with a margin")
    full = cv2.resize(_fill_holes(region), (w, h), interpolation=cv2.INTER_LINEAR)
    mask = np.where(full > 127, 255, 0).astype(np.uint8)
    ys, xs = np.nonzero(mask)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    return Cutout(mask=mask, area_fraction=float((mask > 0).mean()), box_xyxy=box)
