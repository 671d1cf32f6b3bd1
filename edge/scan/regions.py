"""Provides the localisation of candidate linear-barcode regions in a frame.

A 1-D barcode is a patch where the image gradient is strong and points the same way everywhere
(parallel bars). The structure tensor measures both: its trace is the edge energy and its
coherence how aligned the edges are. Patches high in both are grouped into connected regions,
each returned as a rotated rectangle whose width runs across the bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float32]

_WORK_MAX_SIDE_PX = 400
_POOL = 0.5
_MIN_COHERENCE = 0.55
_MIN_ENERGY = 900.0
_MIN_AREA_FRACTION = 0.002


@dataclass(frozen=True, slots=True)
class Region:
    """A candidate barcode region in frame pixels.

    Attributes:
        center_xy: centre of the rectangle.
        size_wh: extent across the bars (width) and along them (height).
        angle_deg: direction across the bars, degrees counter-clockwise from +x (y down).
        score: mean edge energy x coherence inside the region (higher is more barcode-like).
    """

    center_xy: tuple[float, float]
    size_wh: tuple[float, float]
    angle_deg: float
    score: float


def find_linear_regions(gray: Gray, *, max_regions: int = 4) -> list[Region]:
    """Finds up to `max_regions` barcode-like regions, best first.

    Args:
        gray: HxW uint8 frame.
        max_regions: how many regions to return at most.

    Raises:
        ValueError: if `gray` is not a 2-D uint8 array.
    """
    if gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError(f"expected a 2-D uint8 image, got {gray.shape} {gray.dtype}")
    height, width = gray.shape
    factor = min(1.0, _WORK_MAX_SIDE_PX / max(height, width))
    if min(height, width) * factor < 16:
        return []
    small = gray
    if factor < 1.0:
        small = np.asarray(
            cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), np.uint8
        )
    jxx, jyy, jxy = _structure_tensor(small)
    factor *= _POOL
    energy = np.asarray(cv2.add(jxx, jyy), np.float32)
    spread = np.asarray(cv2.magnitude(cv2.subtract(jxx, jyy), jxy + jxy), np.float32)
    coherence = np.asarray(cv2.divide(spread, energy + np.float32(1e-3)), np.float32)
    mask = ((energy > _MIN_ENERGY) & (coherence > _MIN_COHERENCE)).astype(np.uint8)
    opening = cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2))
    closing = cv2.getStructuringElement(cv2.MORPH_RECT, (4, 4))
    mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, opening), np.uint8)
    mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, closing), np.uint8)
    regions = _regions_from_mask(mask, (jxx, jyy, jxy, coherence), factor)
    regions.sort(key=lambda r: r.score, reverse=True)
    return regions[:max_regions]


def _structure_tensor(small: Gray) -> tuple[Floats, Floats, Floats]:
    # Gradients at working resolution; their products are pooled 2x2 before the window sum,
    # which keeps thin bars visible while the smoothing runs on a quarter of the pixels.
    gx = np.asarray(cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3), np.float32)
    gy = np.asarray(cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3), np.float32)
    window = (8, 8)

    def pooled(product: Floats) -> Floats:
        half = cv2.resize(product, None, fx=_POOL, fy=_POOL, interpolation=cv2.INTER_AREA)
        return np.asarray(cv2.boxFilter(half, -1, window), np.float32)

    return pooled(gx * gx), pooled(gy * gy), pooled(gx * gy)


def _regions_from_mask(
    mask: npt.NDArray[np.uint8], fields: tuple[Floats, Floats, Floats, Floats], factor: float
) -> list[Region]:
    jxx, jyy, jxy, coherence = fields
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_area = max(10.0, _MIN_AREA_FRACTION * mask.size)
    regions: list[Region] = []
    for contour in contours:
        area = float(cv2.contourArea(contour))
        if area < min_area:
            continue
        x0, y0, width, height = cv2.boundingRect(contour)
        box = np.s_[y0 : y0 + height, x0 : x0 + width]
        inside = mask[box] > 0
        sxx, syy = float(jxx[box][inside].sum()), float(jyy[box][inside].sum())
        sxy = float(jxy[box][inside].sum())
        angle = 0.5 * math.degrees(math.atan2(2 * sxy, sxx - syy))
        score = math.sqrt(area) * float(coherence[box][inside].mean())
        points = contour.reshape(-1, 2).astype(np.float32)
        region = _oriented_box(points, angle, factor, score)
        if region is not None:
            regions.append(region)
    return regions


def _oriented_box(points: Floats, angle_deg: float, factor: float, score: float) -> Region | None:
    # Angle of the gradient in image coordinates (y down); the width runs along it.
    theta = math.radians(angle_deg)
    across = np.array([math.cos(theta), math.sin(theta)], dtype=np.float32)
    along = np.array([-math.sin(theta), math.cos(theta)], dtype=np.float32)
    u, v = points @ across, points @ along
    width, height = float(u.max() - u.min()) + 1, float(v.max() - v.min()) + 1
    if width < 8 or height < 3:
        return None
    cu, cv = (float(u.max()) + float(u.min())) / 2, (float(v.max()) + float(v.min())) / 2
    center = across * cu + along * cv
    return Region(
        center_xy=(float(center[0]) / factor, float(center[1]) / factor),
        size_wh=(width / factor, height / factor),
        angle_deg=-angle_deg,
        score=score,
    )
