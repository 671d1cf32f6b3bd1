"""Provides `BarcodeScanner`: one frame in, validated barcode reads out.

The pipeline tries cheap attempts first and stops as soon as a code is found.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.barcode import BarcodeRead
from edge.scan.engines import BarcodeEngine, ZbarEngine, ZxingEngine


@dataclass(frozen=True, slots=True)
class ScannerConfig:
    """Tuning of the decoding pipeline.

    Attributes:
        use_zbar: run ZBar.
        use_zxing: run zxing-cpp.
    """

    use_zbar: bool = True
    use_zxing: bool = True


class BarcodeScanner:
    """Decodes barcodes in camera frames with ZBar and zxing-cpp.

    Args:
        config: pipeline tuning; defaults suit kiosk and glasses cameras.
    """

    def __init__(self, config: ScannerConfig | None = None) -> None:
        self._config = config or ScannerConfig()
        engines: list[BarcodeEngine] = []
        if self._config.use_zxing:
            engines.append(ZxingEngine())
        if self._config.use_zbar:
            engines.append(ZbarEngine())
        self._engines = engines

    def scan(self, image: npt.NDArray[np.uint8]) -> list[BarcodeRead]:
        """Finds and decodes the barcodes in one frame.

        Args:
            image: HxW grayscale or HxWx3 BGR (HxWx4 BGRA) uint8 frame.

        Returns:
            One read per distinct code, positions in frame pixels.

        Raises:
            ValueError: if the image is not a non-empty uint8 grayscale or BGR array.
        """
        gray = to_gray(image)
        for engine in self._engines:
            reads = engine.decode(gray)
            if reads:
                return _unique(reads)
        return []


def to_gray(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Converts a uint8 grayscale, BGR or BGRA frame to a contiguous grayscale image.

    Raises:
        ValueError: if the frame is not uint8, empty, or not HxW / HxWx1 / HxWx3 / HxWx4.
    """
    if not isinstance(image, np.ndarray):
        raise ValueError(f"expected a numpy uint8 image, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected dtype uint8, got {image.dtype}")
    if image.size == 0 or image.ndim not in (2, 3):
        raise ValueError(f"expected a non-empty HxW or HxWxC image, got shape {image.shape}")
    if image.ndim == 2:
        return np.ascontiguousarray(image)
    channels = image.shape[2]
    if channels == 1:
        return np.ascontiguousarray(image[:, :, 0])
    if channels == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    if channels == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY), dtype=np.uint8)
    raise ValueError(f"expected 1, 3 or 4 channels, got shape {image.shape}")


def _unique(reads: list[BarcodeRead]) -> list[BarcodeRead]:
    seen: dict[str, BarcodeRead] = {}
    for read in reads:
        seen.setdefault(read.key, read)
    return list(seen.values())
