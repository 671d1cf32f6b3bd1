"""Provides the query crop: the main object the detector found, or the centre of the frame.

Pure apart from numpy: the caller runs the detector and passes its detections. A detection is
used when it is large enough to be what the shopper points at; otherwise (nothing detected, as for
flat packaging the COCO classes do not know) the search falls back to a centred square and says
so in its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge.inference.detector import Detection, main_object_box

CropSource = Literal["detector", "centre"]
MIN_BOX_SIDE_PX = 8


@dataclass(frozen=True, slots=True)
class CropPolicy:
    """How the query crop is chosen.

    Attributes:
        centre_share: side of the fallback centred square, as a share of the frame's shorter side.
        min_box_share: a detection must cover at least this share of the frame area to be used.
        margin: share of the detected box added on each side.
    """

    centre_share: float = 0.8
    min_box_share: float = 0.04
    margin: float = 0.1

    def __post_init__(self) -> None:
        if not 0 < self.centre_share <= 1 or not 0 <= self.min_box_share < 1 or self.margin < 0:
            raise ValueError(
                f"need 0 < centre_share <= 1 (got {self.centre_share}), 0 <= min_box_share < 1 "
                f"(got {self.min_box_share}) and margin >= 0 (got {self.margin})"
            )


@dataclass(frozen=True, slots=True)
class Crop:
    """The part of a frame a search embeds.

    Attributes:
        box_xyxy: integer pixel box inside the frame (x2, y2 exclusive).
        source: "detector" (the main detected object) or "centre" (the fallback square).
    """

    box_xyxy: tuple[int, int, int, int]
    source: CropSource

    def __post_init__(self) -> None:
        x1, y1, x2, y2 = self.box_xyxy
        if min(x1, y1) < 0 or x2 - x1 < MIN_BOX_SIDE_PX or y2 - y1 < MIN_BOX_SIDE_PX:
            raise ValueError(f"crop box {self.box_xyxy} must be inside the frame, >= 8 px a side")

    def cut(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """The crop's pixels (a contiguous copy, so the frame can be released)."""
        x1, y1, x2, y2 = self.box_xyxy
        return np.ascontiguousarray(image[y1:y2, x1:x2])


def centre_crop(frame_hw: tuple[int, int], share: float) -> Crop:
    """A centred square whose side is `share` of the frame's shorter side.

    Raises:
        ValueError: the frame is smaller than 8 px a side.
    """
    height, width = frame_hw
    side = max(MIN_BOX_SIDE_PX, round(min(height, width) * share))
    if side > min(height, width):
        raise ValueError(f"frame {frame_hw} is too small to crop")
    top, left = (height - side) // 2, (width - side) // 2
    return Crop((left, top, left + side, top + side), "centre")


def choose_crop(
    frame_hw: tuple[int, int], detections: Sequence[Detection], policy: CropPolicy
) -> Crop:
    """The main detected object if one is large enough, else the centre square.

    Args:
        frame_hw: frame height and width in pixels.
        detections: the detector's output for the frame (may be empty).
        policy: fallback size, minimum detection size and margin.
    """
    height, width = frame_hw
    big = [
        det
        for det in detections
        if (det.box_xyxy[2] - det.box_xyxy[0]) * (det.box_xyxy[3] - det.box_xyxy[1])
        >= policy.min_box_share * height * width
    ]
    box = main_object_box(big, frame_hw, margin=policy.margin)
    if box is None:
        return centre_crop(frame_hw, policy.centre_share)
    return Crop(box, "detector")
