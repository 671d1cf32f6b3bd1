"""Provides product thumbnails for the terminal: decode an image, shrink it, pair its rows.

A terminal cell shows two pixels stacked with the upper half block "▀" (foreground colour on
top, background colour below), so a thumbnail of `width_px` x `height_px` fills `width_px`
columns and `height_px / 2` rows. Pure apart from the decoder (OpenCV); no Textual import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.errors import ImageUnavailable

RGB = tuple[int, int, int]
THUMBNAIL_WIDTH_PX: Final = 12
THUMBNAIL_HEIGHT_PX: Final = 12


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A small RGB image whose height is even (two pixel rows per terminal row).

    Attributes:
        pixels_rgb: shape (height_px, width_px, 3), dtype uint8, RGB order.
    """

    pixels_rgb: npt.NDArray[np.uint8]

    def __post_init__(self) -> None:
        pixels = self.pixels_rgb
        if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError(
                f"pixels_rgb must be (h, w, 3) uint8, got {pixels.shape} {pixels.dtype}"
            )
        height, width = pixels.shape[:2]
        if height == 0 or width == 0 or height % 2:
            raise ValueError(f"thumbnail height must be even and > 0, got {height}x{width}")

    @property
    def size_wh(self) -> tuple[int, int]:
        """Width and height in pixels."""
        return int(self.pixels_rgb.shape[1]), int(self.pixels_rgb.shape[0])

    def cell_rows(self) -> list[list[tuple[RGB, RGB]]]:
        """The (upper, lower) pixel colours of each terminal cell, row by row."""
        pixels = self.pixels_rgb.tolist()
        return [
            [(tuple(top), tuple(bottom)) for top, bottom in zip(upper, lower, strict=True)]
            for upper, lower in zip(pixels[0::2], pixels[1::2], strict=True)
        ]


def decode_thumbnail(
    data: bytes, *, width_px: int = THUMBNAIL_WIDTH_PX, height_px: int = THUMBNAIL_HEIGHT_PX
) -> Thumbnail:
    """Decodes an encoded image (PNG, JPEG, ...) and shrinks it to fit `width_px` x `height_px`.

    The aspect ratio is kept; the result's height is rounded up to an even number of pixels.

    Raises:
        ImageUnavailable: the bytes are not an image OpenCV can decode.
        ValueError: the target size is not positive.
    """
    if width_px <= 0 or height_px <= 0:
        raise ValueError(f"thumbnail size must be positive, got {width_px}x{height_px}")
    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageUnavailable(f"not a decodable image ({len(data)} bytes)")
    height, width = bgr.shape[:2]
    scale = min(width_px / width, height_px / height)
    size_wh = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(bgr, size_wh, interpolation=cv2.INTER_AREA)
    if small.shape[0] % 2:
        small = np.concatenate([small, small[-1:]], axis=0)
    rgb = np.ascontiguousarray(small[:, :, ::-1], dtype=np.uint8)
    return Thumbnail(rgb)


def fit_thumbnail(pixels_rgb: npt.NDArray[np.uint8], *, width_px: int, height_px: int) -> Thumbnail:
    """Shrinks (or enlarges) an RGB image to fit `width_px` x `height_px`, keeping its aspect.

    Used for live camera previews, which are held in memory only. The result's height is rounded
    up to an even number of pixels (two per terminal row).

    Args:
        pixels_rgb: (H, W, 3) uint8 RGB.
        width_px: the widest result, pixels (terminal columns).
        height_px: the tallest result, pixels (twice the terminal rows).

    Raises:
        ValueError: the image is not (H, W, 3) uint8 or the target size is not positive.
    """
    if width_px <= 0 or height_px <= 0:
        raise ValueError(f"thumbnail size must be positive, got {width_px}x{height_px}")
    if pixels_rgb.dtype != np.uint8 or pixels_rgb.ndim != 3 or pixels_rgb.shape[2] != 3:
        raise ValueError(f"pixels_rgb must be (h, w, 3) uint8, got {pixels_rgb.shape}")
    height, width = pixels_rgb.shape[:2]
    scale = min(width_px / width, height_px / height)
    size_wh = (max(1, min(width_px, round(width * scale))), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = np.asarray(cv2.resize(pixels_rgb, size_wh, interpolation=interpolation), np.uint8)
    if small.shape[0] % 2:
        small = np.concatenate([small, small[-1:]], axis=0)
    return Thumbnail(np.ascontiguousarray(small))
