"""Provides views: transformed copies of a frame (crop, scale, rotation, contrast) that map back.

Every view carries the 3x3 homography from its pixels to the frame's pixels, so a symbol found in
an upscaled, deskewed crop is reported where it is in the frame. `group` names the sampling grid of
the view (its scale and geometry): two reads agree independently only when their groups differ
or their engines do.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.barcode import QuadXY

Gray = npt.NDArray[np.uint8]
Matrix3 = npt.NDArray[np.float64]

_IDENTITY = np.eye(3, dtype=np.float64)
_MIN_SIDE_PX = 8
_SNAP_DEG = 1.5


@dataclass(frozen=True, slots=True)
class View:
    """One image handed to an engine.

    Attributes:
        gray: HxW uint8 pixels.
        to_frame: 3x3 homography from view pixels to frame pixels.
        group: sampling-grid label (e.g. `crop0@2.0`); photometric variants keep their group.
        name: what was done, for logs and benchmarks (e.g. `crop0@2.0+clahe`).
    """

    gray: Gray
    to_frame: Matrix3
    group: str
    name: str

    def __post_init__(self) -> None:
        if self.gray.ndim != 2 or self.gray.dtype != np.uint8:
            raise ValueError(
                f"View.gray must be 2-D uint8, got {self.gray.shape} {self.gray.dtype}"
            )
        if self.to_frame.shape != (3, 3):
            raise ValueError(f"View.to_frame must be 3x3, got {self.to_frame.shape}")

    def map_quad(self, quad_xy: QuadXY) -> QuadXY:
        """Maps view-pixel corners to frame pixels."""
        if not quad_xy:
            return ()
        points = np.array(quad_xy, dtype=np.float64).reshape(-1, 1, 2)
        mapped = cv2.perspectiveTransform(points, self.to_frame).reshape(-1, 2)
        return tuple((round(float(x), 1), round(float(y), 1)) for x, y in mapped)


def as_gray(pixels: object) -> Gray:
    """Types an OpenCV result as a uint8 image (no copy when it already is one)."""
    return np.asarray(pixels, dtype=np.uint8)


def frame_view(gray: Gray) -> View:
    """The whole frame as a view."""
    return View(np.ascontiguousarray(gray), _IDENTITY.copy(), "frame@1", "frame")


def scaled(view: View, factor: float) -> View:
    """Resizes a view by `factor` (cubic when enlarging, area when shrinking).

    Raises:
        ValueError: if `factor` is not positive.
    """
    if factor <= 0:
        raise ValueError(f"scale factor must be > 0, got {factor}")
    height, width = view.gray.shape
    size_wh = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    pixels = as_gray(cv2.resize(view.gray, size_wh, interpolation=interpolation))
    back = np.diag([width / size_wh[0], height / size_wh[1], 1.0])
    group = f"{view.group.split('@')[0]}@{_scale_of(view) * factor:.2g}"
    return View(pixels, view.to_frame @ back, group, f"{view.name}@{factor:.2g}")


def _scale_of(view: View) -> float:
    try:
        return float(view.group.split("@")[1])
    except (IndexError, ValueError):
        return 1.0


def padded(view: View, fraction: float = 0.1) -> View:
    """Adds a border of replicated edge pixels (a quiet zone for tightly cropped symbols)."""
    height, width = view.gray.shape
    border = max(4, round(fraction * max(height, width)))
    pixels = as_gray(
        cv2.copyMakeBorder(view.gray, border, border, border, border, cv2.BORDER_REPLICATE)
    )
    shift = np.array([[1.0, 0.0, -border], [0.0, 1.0, -border], [0.0, 0.0, 1.0]])
    return View(pixels, view.to_frame @ shift, view.group, f"{view.name}+pad")


def crop_rotated(
    gray: Gray,
    *,
    center_xy: tuple[float, float],
    size_wh: tuple[float, float],
    angle_deg: float,
    label: str,
) -> View:
    """Cuts a rotated rectangle out of the frame, deskewed so its width runs along x.

    Args:
        gray: the frame.
        center_xy: rectangle centre in frame pixels.
        size_wh: rectangle width (along `angle_deg`) and height in pixels.
        angle_deg: direction of the rectangle's width, degrees counter-clockwise from +x (image
            coordinates, y down).
        label: group prefix of the view (e.g. `crop0`).
    """
    width, height = max(_MIN_SIDE_PX, round(size_wh[0])), max(_MIN_SIDE_PX, round(size_wh[1]))
    right_angle = 90.0 * round(angle_deg / 90.0)
    snap = abs(angle_deg - right_angle) < _SNAP_DEG
    theta = np.deg2rad(right_angle if snap else angle_deg)
    cos, sin = float(np.round(np.cos(theta), 12)), float(np.round(np.sin(theta), 12))
    # view (u, v) -> frame: centre + u' * (cos, -sin) + v' * (sin, cos), u' = u - w/2, v' = v - h/2
    tx = center_xy[0] - cos * width / 2 - sin * height / 2
    ty = center_xy[1] + sin * width / 2 - cos * height / 2
    if snap:
        # Whole-pixel shifts copy pixels exactly; a half-pixel shift would blur 1-pixel bars.
        tx, ty = float(round(tx)), float(round(ty))
    to_frame = np.array([[cos, sin, tx], [-sin, cos, ty], [0.0, 0.0, 1.0]])
    pixels = cv2.warpPerspective(
        gray,
        np.linalg.inv(to_frame),
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return View(as_gray(pixels), to_frame, f"{label}@1", label)


def with_pixels(view: View, pixels: Gray, suffix: str) -> View:
    """The same geometry with photometrically changed pixels."""
    return View(np.ascontiguousarray(pixels), view.to_frame, view.group, f"{view.name}+{suffix}")


def clahe(view: View) -> View:
    """Local contrast normalisation (CLAHE, clip 2, 8x8 tiles)."""
    equaliser = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    return with_pixels(view, as_gray(equaliser.apply(view.gray)), "clahe")


def sharpened(view: View, *, sigma_px: float = 2.0, amount: float = 0.8) -> View:
    """Unsharp mask: restores edges softened by defocus or upscaling."""
    blurred = cv2.GaussianBlur(view.gray, (0, 0), sigma_px)
    pixels = cv2.addWeighted(view.gray, 1.0 + amount, blurred, -amount, 0)
    return with_pixels(view, as_gray(pixels), "sharp")


def smoothed(view: View) -> View:
    """Gaussian blur 5x5: removes sensor noise and halftone/moire texture."""
    return with_pixels(view, as_gray(cv2.GaussianBlur(view.gray, (5, 5), 0)), "blur")


def otsu_binarised(view: View) -> View:
    """Global Otsu threshold after a light blur."""
    blurred = cv2.GaussianBlur(view.gray, (3, 3), 0)
    _, pixels = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return with_pixels(view, as_gray(pixels), "otsu")


def adaptive_binarised(view: View, *, block_px: int = 31) -> View:
    """Local mean threshold: survives glare and uneven light across the symbol."""
    block = max(3, block_px | 1)
    pixels = cv2.adaptiveThreshold(
        view.gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5
    )
    return with_pixels(view, as_gray(pixels), "adaptive")


def rotated(view: View, angle_deg: float) -> View:
    """Rotates a view about its centre (canvas padded so nothing is cut off)."""
    height, width = view.gray.shape
    theta = np.deg2rad(angle_deg)
    new_w = round(abs(width * np.cos(theta)) + abs(height * np.sin(theta)))
    new_h = round(abs(width * np.sin(theta)) + abs(height * np.cos(theta)))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, 1.0)
    matrix[0, 2] += (new_w - width) / 2
    matrix[1, 2] += (new_h - height) / 2
    pixels = cv2.warpAffine(
        view.gray, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    forward = np.vstack([matrix, [0.0, 0.0, 1.0]])
    group = f"{view.group}r{angle_deg:.0f}"
    to_frame = view.to_frame @ np.linalg.inv(forward)
    return View(as_gray(pixels), to_frame, group, f"{view.name}r{angle_deg:.0f}")
