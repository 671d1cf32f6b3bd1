"""Provides the person mask (MediaPipe selfie segmentation) and the choice of the nearest person.

`SelfieSegmenter.segment` returns a per-pixel person probability at frame size. The pure function
`nearest_person` splits the mask into connected blobs and picks the largest (the person nearest
the kiosk camera), so the try-on dresses one person when several are in view.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.inference.runtime import OnnxModel

SELFIE_INPUT = 256
MIN_PERSON_AREA_FRACTION = 0.02

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class PersonBlob:
    """One person found in the mask.

    Attributes:
        box_xyxy: bounding box in frame pixels (x0, y0, x1, y1), x1/y1 exclusive.
        area_fraction: blob area over frame area, in (0, 1].
        mask: (H, W) float32 person probability of this blob only (zero elsewhere), frame size.
    """

    box_xyxy: tuple[int, int, int, int]
    area_fraction: float
    mask: FloatArray

    def __post_init__(self) -> None:
        if self.mask.ndim != 2 or self.mask.dtype != np.float32:
            raise ValueError(
                f"mask must be (H, W) float32, got {self.mask.shape} {self.mask.dtype}"
            )
        if not 0.0 < self.area_fraction <= 1.0:
            raise ValueError(f"area_fraction must be in (0, 1], got {self.area_fraction}")


def preprocess_selfie(bgr: npt.NDArray[np.uint8]) -> FloatArray:
    """Returns the model input: RGB stretched to 256x256, in [0, 1], shape (1, 256, 256, 3)."""
    small = cv2.resize(bgr, (SELFIE_INPUT, SELFIE_INPUT), interpolation=cv2.INTER_LINEAR)
    rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    return (rgb.astype(np.float32) * np.float32(1.0 / 255.0))[None]


def postprocess_selfie(raw: FloatArray, size_wh: tuple[int, int]) -> FloatArray:
    """Resizes the (1, 256, 256, 1) probability map to frame size (H, W), clipped to [0, 1]."""
    if raw.shape != (1, SELFIE_INPUT, SELFIE_INPUT, 1):
        raise ValueError(f"selfie output must be (1, 256, 256, 1), got {raw.shape}")
    prob = cv2.resize(raw[0, :, :, 0], size_wh, interpolation=cv2.INTER_LINEAR)
    return np.clip(prob, 0.0, 1.0).astype(np.float32)


def nearest_person(
    prob: FloatArray,
    *,
    frame_wh: tuple[int, int] | None = None,
    threshold: float = 0.5,
    min_area_fraction: float = MIN_PERSON_AREA_FRACTION,
) -> PersonBlob | None:
    """Returns the largest person blob of a probability mask, or None when no blob is big enough.

    Args:
        prob: (h, w) float32 person probability, at model or frame resolution (blobs are found
            at this resolution, which is much cheaper at the model's 256x256).
        frame_wh: frame size the blob's box and mask are returned at; defaults to prob's size.
        threshold: probability above which a pixel is a person.
        min_area_fraction: smallest blob, as a fraction of the frame, that counts as a person.
    """
    if prob.ndim != 2:
        raise ValueError(f"prob must be (H, W), got {prob.shape}")
    binary = (prob > threshold).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    area_fraction = float(stats[best, cv2.CC_STAT_AREA]) / float(prob.size)
    if area_fraction < min_area_fraction:
        return None
    # Keep soft edges: dilate the chosen blob a little and take the probabilities inside it.
    region = cv2.dilate((labels == best).astype(np.uint8), np.ones((3, 3), np.uint8))
    x, y, w, h = (int(v) for v in stats[best, :4])
    return _blob_at_frame_size(
        (prob * region).astype(np.float32), (x, y, w, h), area_fraction, frame_wh
    )


def _blob_at_frame_size(
    mask: FloatArray,
    xywh: tuple[int, int, int, int],
    area_fraction: float,
    frame_wh: tuple[int, int] | None,
) -> PersonBlob:
    prob = mask
    x, y, w, h = xywh
    out_w, out_h = frame_wh or (prob.shape[1], prob.shape[0])
    sx, sy = out_w / prob.shape[1], out_h / prob.shape[0]
    if (out_w, out_h) != (prob.shape[1], prob.shape[0]):
        mask = np.asarray(
            cv2.resize(mask, (out_w, out_h), interpolation=cv2.INTER_LINEAR), np.float32
        )
    box = (
        int(x * sx),
        int(y * sy),
        min(out_w, round((x + w) * sx)),
        min(out_h, round((y + h) * sy)),
    )
    return PersonBlob(box_xyxy=box, area_fraction=area_fraction, mask=mask)


class SelfieSegmenter:
    """MediaPipe selfie segmentation on whole BGR frames."""

    def __init__(self, model: OnnxModel) -> None:
        """Wraps a loaded `selfie_segmentation` model (see `runtime.load_model`)."""
        self._model = model

    def segment(self, bgr: npt.NDArray[np.uint8]) -> FloatArray:
        """Returns the (H, W) float32 person probability of a BGR frame."""
        h, w = bgr.shape[:2]
        return postprocess_selfie(self._model.run_one(preprocess_selfie(bgr))[0], (w, h))

    def segment_small(self, bgr: npt.NDArray[np.uint8]) -> FloatArray:
        """Returns the (256, 256) float32 person probability (stretched over the frame)."""
        return postprocess_selfie(
            self._model.run_one(preprocess_selfie(bgr))[0], (SELFIE_INPUT, SELFIE_INPUT)
        )
