"""Provides the try-on renderer: turns a `WarpPlan` into pixels on a frame (OpenCV, in memory).

Warps the garment through the plan's spline (coarse grid -> per-pixel map -> remap), removes it
where the shopper's arms, hands, head or hair are in front (plan shapes intersected with the
person mask), shades it with the frame's own lighting and alpha-blends it, inside the plan's box.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.occlusion import shading_gain
from edge.core.tryon import WarpPlan
from edge.core.warp import coarse_map
from edge.tryon.assets import GarmentAsset

SHADING_CELL_PX = 16
PERSON_THRESHOLD = 0.5


def front_mask(plan: WarpPlan, person_prob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Returns (h, w) float32 in [0, 1] over the plan's box: 1 where the shopper is in front."""
    x0, y0, x1, y1 = plan.box_xyxy
    shapes = np.zeros((y1 - y0, x1 - x0), np.uint8)
    offset = np.array([x0, y0], np.float64)
    for capsule in plan.front_capsules:
        a = np.round(np.subtract(capsule.a, offset)).astype(np.int32)
        b = np.round(np.subtract(capsule.b, offset)).astype(np.int32)
        thickness = max(1, round(2 * capsule.radius_px))
        cv2.line(shapes, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 255, thickness)
    for polygon in plan.front_polygons:
        pts = np.round(np.subtract(polygon, offset)).astype(np.int32)
        cv2.fillConvexPoly(shapes, pts, 255)
    person = person_prob[y0:y1, x0:x1] > PERSON_THRESHOLD
    front = np.where(person, shapes, 0).astype(np.uint8)
    for polygon in plan.clip_polygons:
        pts = np.round(np.subtract(polygon, offset)).astype(np.int32)
        cv2.fillConvexPoly(front, pts, 255)
    return np.asarray(cv2.GaussianBlur(front, (5, 5), 0), np.float32) * np.float32(1 / 255)


def compose(
    frame_bgr: npt.NDArray[np.uint8],
    asset: GarmentAsset,
    plan: WarpPlan,
    person_prob: npt.NDArray[np.float32],
) -> npt.NDArray[np.uint8]:
    """Returns a new frame with the garment drawn (the input frame is not modified)."""
    out = frame_bgr.copy()
    x0, y0, x1, y1 = plan.box_xyxy
    if x1 - x0 < 2 or y1 - y0 < 2:
        return out
    grid = coarse_map(plan.inverse, plan.box_xyxy)
    maps = cv2.resize(grid, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    warped = cv2.remap(
        asset.bgra, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0),
    )  # fmt: skip
    alpha = warped[..., 3].astype(np.float32) * np.float32(1 / 255)
    alpha *= 1.0 - front_mask(plan, person_prob)
    region = out[y0:y1, x0:x1]
    gray = cv2.cvtColor(region, cv2.COLOR_BGR2GRAY).astype(np.float32)
    small_wh = (max(1, (x1 - x0) // SHADING_CELL_PX), max(1, (y1 - y0) // SHADING_CELL_PX))
    gray_small = np.asarray(cv2.resize(gray, small_wh, interpolation=cv2.INTER_AREA), np.float32)
    alpha_small = np.asarray(cv2.resize(alpha, small_wh, interpolation=cv2.INTER_AREA), np.float32)
    gain_small = shading_gain(
        gray_small.reshape(small_wh[1], small_wh[0]), alpha_small.reshape(small_wh[1], small_wh[0])
    )
    gain = cv2.resize(gain_small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    garment = warped[..., :3].astype(np.float32) * (gain * alpha)[..., None]
    blended = region.astype(np.float32) * (1.0 - alpha)[..., None] + garment
    out[y0:y1, x0:x1] = np.clip(blended, 0, 255).astype(np.uint8)
    return out
