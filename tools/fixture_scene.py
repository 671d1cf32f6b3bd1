"""Provides the camera simulation behind the fixture maker: a store background, items held in
front of the camera with perspective, and the defects of real frames (motion blur, noise,
lighting changes, glare, a thumb over the item).

Everything is a pure function of its arguments and a seeded `numpy` generator, so a fixture is
reproducible byte for byte (JPEG encoding aside, which is deterministic for one OpenCV build).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
SKIN_BGR = (120, 160, 215)


@dataclass(frozen=True, slots=True)
class Pose:
    """Where an item is in one frame, in fractions of the frame size.

    Attributes:
        cx, cy: item centre (0..1 of width and height; outside means off screen).
        size: item side as a fraction of the frame height.
        angle_deg: in-plane rotation.
        yaw: perspective turn, -0.4..0.4 (one vertical edge nearer than the other).
        pitch: perspective tilt, -0.4..0.4 (top edge nearer or farther).
    """

    cx: float
    cy: float
    size: float
    angle_deg: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0

    def __post_init__(self) -> None:
        """Checks the pose is physically sensible."""
        if self.size <= 0:
            raise ValueError(f"size must be > 0, got {self.size}")
        if abs(self.yaw) > 0.6 or abs(self.pitch) > 0.6:
            raise ValueError(f"yaw/pitch must be within 0.6, got {self.yaw}, {self.pitch}")


@dataclass(frozen=True, slots=True)
class Defects:
    """The defects applied to one item in one frame.

    Attributes:
        blur_px: motion-blur length in pixels along `blur_angle_deg` (0: sharp).
        glare: strength 0..1 of a specular highlight at `glare_xy` (fractions of the item).
        thumb: how far (0..0.5 of the item side) a thumb reaches in from the item's left edge.
        thumb_y: height of the thumb on the item (fraction of its side; the barcode is ~0.7).
    """

    blur_px: float = 0.0
    blur_angle_deg: float = 0.0
    glare: float = 0.0
    glare_xy: tuple[float, float] = (0.5, 0.5)
    thumb: float = 0.0
    thumb_y: float = 0.3


def make_background(size_wh: tuple[int, int], rng: np.random.Generator) -> Image:
    """Draws a store-like background: a wall gradient and shelves stocked with boxes.

    Returns:
        A BGR image of shape (height, width, 3).
    """
    width, height = size_wh
    ramp = np.linspace(150, 205, height, dtype=np.float32)[:, None, None]
    tint = rng.uniform(0.85, 1.0, size=3).astype(np.float32)
    frame = np.broadcast_to(ramp * tint, (height, width, 3)).astype(np.uint8).copy()
    shelf_h = max(6, height // 40)
    for shelf_y in range(height // 4, height, height // 3):
        cv2.rectangle(frame, (0, shelf_y), (width, shelf_y + shelf_h), (90, 95, 100), -1)
        x = int(rng.integers(0, width // 20 + 1))
        while x < width:
            box_w = int(rng.integers(width // 20, width // 8))
            box_h = int(rng.integers(height // 12, height // 5))
            colour = tuple(int(c) for c in rng.integers(40, 230, size=3))
            cv2.rectangle(frame, (x, shelf_y - box_h), (x + box_w, shelf_y), colour, -1)
            x += box_w + int(rng.integers(2, width // 40 + 3))
    return np.asarray(cv2.GaussianBlur(frame, (0, 0), 1.5), dtype=np.uint8)


def item_corners(pose: Pose, size_wh: tuple[int, int]) -> npt.NDArray[np.float32]:
    """Returns the item's four corners in the frame (TL, TR, BR, BL), shape (4, 2), pixels."""
    width, height = size_wh
    half = pose.size * height / 2
    near = {"l": 1 - pose.yaw, "r": 1 + pose.yaw, "t": 1 - pose.pitch, "b": 1 + pose.pitch}
    local = np.array(
        [
            [-half * near["t"], -half * near["l"]],
            [half * near["t"], -half * near["r"]],
            [half * near["b"], half * near["r"]],
            [-half * near["b"], half * near["l"]],
        ],
        dtype=np.float32,
    )
    theta = math.radians(pose.angle_deg)
    rotation = np.array(
        [[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]], np.float32
    )
    return (local @ rotation.T + np.array([pose.cx * width, pose.cy * height], np.float32)).astype(
        np.float32
    )


def _motion_kernel(length_px: float, angle_deg: float) -> npt.NDArray[np.float32]:
    size = max(3, math.ceil(length_px) | 1)
    kernel = np.zeros((size, size), np.float32)
    centre = size // 2
    dx = math.cos(math.radians(angle_deg)) * length_px / 2
    dy = math.sin(math.radians(angle_deg)) * length_px / 2
    start = (round(centre - dx), round(centre - dy))
    end = (round(centre + dx), round(centre + dy))
    cv2.line(kernel, start, end, 1.0, 1)
    return kernel / max(float(kernel.sum()), 1e-6)


def _decorate_item(item: Image, defects: Defects) -> Image:
    """Adds glare and a thumb to the flat item image (before it is warped into the frame)."""
    out = item.astype(np.float32)
    side = item.shape[0]
    if defects.glare > 0:
        yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
        gx, gy = defects.glare_xy[0] * side, defects.glare_xy[1] * side
        blob = np.exp(-(((xx - gx) / (side * 0.12)) ** 2 + ((yy - gy) / (side * 0.07)) ** 2))
        out += (blob * 255 * defects.glare)[:, :, None]
    if defects.thumb > 0:
        reach = int(defects.thumb * side)
        centre = (reach // 2, int(side * defects.thumb_y))
        cv2.ellipse(out, centre, (reach, int(side * 0.11)), 0, 0, 360, SKIN_BGR, -1)
        cv2.ellipse(out, centre, (reach, int(side * 0.11)), 0, 0, 360, (90, 120, 170), 2)
    return np.clip(out, 0, 255).astype(np.uint8)


def composite_item(frame: Image, item: Image, pose: Pose, defects: Defects) -> None:
    """Warps a square item image into `frame` at `pose`, with a soft shadow and motion blur."""
    height, width = frame.shape[:2]
    side = item.shape[0]
    source = np.array([[0, 0], [side, 0], [side, side], [0, side]], np.float32)
    corners = item_corners(pose, (width, height))
    matrix = cv2.getPerspectiveTransform(source, corners)
    decorated = _decorate_item(item, defects)
    layer = cv2.warpPerspective(decorated, matrix, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((side, side), 255, np.uint8), matrix, (width, height))
    shadow = cv2.GaussianBlur(np.roll(mask, (height // 60, width // 60), (0, 1)), (0, 0), 4)
    if defects.blur_px >= 1.5:
        kernel = _motion_kernel(defects.blur_px, defects.blur_angle_deg)
        layer = cv2.filter2D(layer, -1, kernel)
        mask = cv2.filter2D(mask, -1, kernel)
    alpha = mask.astype(np.float32)[:, :, None] / 255
    shade = 1 - 0.35 * shadow.astype(np.float32)[:, :, None] / 255
    mixed = (frame.astype(np.float32) * shade) * (1 - alpha) + layer.astype(np.float32) * alpha
    frame[:] = np.clip(mixed, 0, 255).astype(np.uint8)


def apply_camera(
    frame: Image, *, gain: float, noise_sigma: float, rng: np.random.Generator
) -> Image:
    """Applies exposure (gain), sensor noise and a slight lens softness to a finished frame."""
    out = frame.astype(np.float32) * gain
    out += rng.normal(0, noise_sigma, size=frame.shape).astype(np.float32)
    soft = cv2.GaussianBlur(np.clip(out, 0, 255).astype(np.uint8), (0, 0), 0.6)
    return np.asarray(soft, dtype=np.uint8)


def shake(background: Image, offset_xy: tuple[int, int]) -> Image:
    """Shifts the background by a few pixels (hand-held or head-mounted camera shake)."""
    dx, dy = offset_xy
    matrix = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    height, width = background.shape[:2]
    shifted = cv2.warpAffine(background, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    return np.asarray(shifted, dtype=np.uint8)
