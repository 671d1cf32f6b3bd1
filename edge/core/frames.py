"""Provides `Frame`, one captured camera image with its index and timestamp, checked on creation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """One image from a frame source.

    Attributes:
        image: BGR pixels, shape (height, width, 3), dtype uint8 (OpenCV's layout).
        index: position in the source's stream, from 0, increasing by at least 1.
        t_ms: capture time in milliseconds on the source's clock (the recording's own clock for
            replays and videos, so replays are deterministic), never negative.
    """

    image: npt.NDArray[np.uint8]
    index: int
    t_ms: float

    def __post_init__(self) -> None:
        if not isinstance(self.image, np.ndarray):
            raise TypeError(f"image must be a numpy array, got {type(self.image).__name__}")
        if self.image.dtype != np.uint8:
            raise ValueError(f"image dtype must be uint8, got {self.image.dtype}")
        if self.image.ndim != 3 or self.image.shape[2] != 3:
            raise ValueError(f"image shape must be (H, W, 3), got {self.image.shape}")
        if self.image.shape[0] == 0 or self.image.shape[1] == 0:
            raise ValueError(f"image must not be empty, got shape {self.image.shape}")
        if self.index < 0:
            raise ValueError(f"index must be >= 0, got {self.index}")
        if self.t_ms < 0:
            raise ValueError(f"t_ms must be >= 0, got {self.t_ms}")

    @property
    def size_wh(self) -> tuple[int, int]:
        """Image size as (width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])
