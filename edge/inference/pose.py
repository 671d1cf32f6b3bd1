"""Provides body keypoints: MoveNet Lightning (17 points) and BlazePose landmark lite (33 points).

Pre/post-processing are pure functions (letterbox, square person ROI, decoding back to frame
pixels) so they are tested without a model; `MoveNetModel` and `BlazePoseModel` only add the
manifest-checked onnxruntime session from `edge/inference/runtime.py`. Frames are BGR (OpenCV);
both models want RGB.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.inference.runtime import OnnxModel

MOVENET_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
# BlazePose's 33 landmarks mapped onto MoveNet's 17 (same order), so the compositor reads either.
BLAZEPOSE_TO_MOVENET: tuple[int, ...] = (
    0,
    2,
    5,
    7,
    8,
    11,
    12,
    13,
    14,
    15,
    16,
    23,
    24,
    25,
    26,
    27,
    28,
)
MOVENET_INPUT = 192
BLAZEPOSE_INPUT = 256
ROI_MARGIN = 1.25

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Keypoints:
    """Body keypoints of one person in frame pixels.

    Attributes:
        xy: (N, 2) float32, x and y in frame pixels.
        scores: (N,) float32 confidence in [0, 1].
        names: N point names, MoveNet's order for both models.
    """

    xy: FloatArray
    scores: FloatArray
    names: tuple[str, ...] = MOVENET_NAMES

    def __post_init__(self) -> None:
        n = len(self.names)
        if self.xy.shape != (n, 2) or self.scores.shape != (n,):
            raise ValueError(
                f"expected xy ({n}, 2) and scores ({n},), got {self.xy.shape} and "
                f"{self.scores.shape}"
            )

    def point(self, name: str) -> tuple[float, float, float]:
        """Returns (x, y, score) of one named point."""
        i = self.names.index(name)
        return float(self.xy[i, 0]), float(self.xy[i, 1]), float(self.scores[i])


@dataclass(frozen=True, slots=True)
class SquareRoi:
    """A square region of the frame: centre and side in frame pixels (may extend past the edges)."""

    cx: float
    cy: float
    side: float

    def __post_init__(self) -> None:
        if self.side <= 0:
            raise ValueError(f"side must be > 0, got {self.side}")

    def to_crop_matrix(self, size: int) -> npt.NDArray[np.float64]:
        """Returns the 2x3 affine matrix mapping frame pixels into a `size` x `size` crop."""
        scale = size / self.side
        return np.array(
            [[scale, 0.0, size / 2 - scale * self.cx], [0.0, scale, size / 2 - scale * self.cy]]
        )


def crop_square(
    bgr: npt.NDArray[np.uint8], roi: SquareRoi, size: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float64]]:
    """Crops `roi` out of a BGR frame into an RGB `size` square (black beyond the frame).

    Returns:
        (rgb crop (size, size, 3) uint8, 2x3 frame->crop matrix).
    """
    matrix = roi.to_crop_matrix(size)
    crop = cv2.warpAffine(bgr, matrix, (size, size), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    rgb = np.asarray(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB), dtype=np.uint8)
    return rgb, matrix


def crop_to_frame(xy: npt.NDArray[np.floating], matrix: npt.NDArray[np.float64]) -> FloatArray:
    """Maps (N, 2) crop pixels back to frame pixels through the inverse of `matrix`."""
    inverse = cv2.invertAffineTransform(matrix)
    ones = np.ones((xy.shape[0], 1))
    return (np.hstack([xy, ones]) @ inverse.T).astype(np.float32)


def frame_roi(size_wh: tuple[int, int]) -> SquareRoi:
    """Returns the square that letterboxes the whole frame (centre of the frame, longest side)."""
    w, h = size_wh
    return SquareRoi(cx=w / 2, cy=h / 2, side=float(max(w, h)))


def roi_from_box(
    box_xyxy: tuple[float, float, float, float], margin: float = ROI_MARGIN
) -> SquareRoi:
    """Returns a square ROI around a person box, its longest side times `margin`."""
    x0, y0, x1, y1 = box_xyxy
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box must have x1 > x0 and y1 > y0, got {box_xyxy}")
    return SquareRoi(cx=(x0 + x1) / 2, cy=(y0 + y1) / 2, side=max(x1 - x0, y1 - y0) * margin)


def roi_from_keypoints(keypoints: Keypoints, min_score: float = 0.3) -> SquareRoi | None:
    """Returns a square ROI around the confident keypoints, or None when fewer than 4 are."""
    keep = keypoints.scores >= min_score
    if int(keep.sum()) < 4:
        return None
    pts = keypoints.xy[keep]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return roi_from_box((float(x0), float(y0), float(x1) + 1.0, float(y1) + 1.0), margin=1.5)


def decode_movenet(raw: FloatArray, matrix: npt.NDArray[np.float64]) -> Keypoints:
    """Decodes MoveNet's (1, 1, 17, 3) output (y, x in [0, 1], score) into frame pixels.

    Raises:
        ValueError: the output is not (1, 1, 17, 3).
    """
    if raw.shape != (1, 1, 17, 3):
        raise ValueError(f"MoveNet output must be (1, 1, 17, 3), got {raw.shape}")
    yx = raw[0, 0, :, :2] * MOVENET_INPUT
    xy = crop_to_frame(yx[:, ::-1], matrix)
    return Keypoints(xy=xy, scores=raw[0, 0, :, 2].astype(np.float32))


def decode_blazepose(landmarks: FloatArray, matrix: npt.NDArray[np.float64]) -> Keypoints:
    """Decodes BlazePose's (1, 195) landmarks into MoveNet-ordered keypoints in frame pixels.

    Scores are sigmoid(visibility). Raises ValueError when the output is not (1, 195).
    """
    if landmarks.shape != (1, 195):
        raise ValueError(f"BlazePose landmarks must be (1, 195), got {landmarks.shape}")
    points = landmarks.reshape(39, 5)[list(BLAZEPOSE_TO_MOVENET)]
    xy = crop_to_frame(points[:, :2], matrix)
    scores = (1.0 / (1.0 + np.exp(-np.clip(points[:, 3], -30, 30)))).astype(np.float32)
    return Keypoints(xy=xy, scores=scores)


class MoveNetModel:
    """MoveNet Lightning on a square ROI of a BGR frame (the whole frame by default)."""

    def __init__(self, model: OnnxModel) -> None:
        """Wraps a loaded `movenet_lightning` model (see `runtime.load_model`)."""
        self._model = model

    def detect(self, bgr: npt.NDArray[np.uint8], roi: SquareRoi | None = None) -> Keypoints:
        """Returns the 17 keypoints of the most prominent person in `roi` (frame pixels)."""
        h, w = bgr.shape[:2]
        rgb, matrix = crop_square(bgr, roi or frame_roi((w, h)), MOVENET_INPUT)
        raw = self._model.run_one(rgb[None])[0]
        return decode_movenet(raw, matrix)


class BlazePoseModel:
    """BlazePose landmark lite on a person ROI (from MoveNet keypoints or a person box)."""

    def __init__(self, model: OnnxModel, min_presence: float = 0.5) -> None:
        """Wraps a loaded `blazepose_landmark_lite` model; `min_presence` gates the pose flag."""
        self._model = model
        self._min_presence = min_presence

    def detect(self, bgr: npt.NDArray[np.uint8], roi: SquareRoi) -> Keypoints | None:
        """Returns MoveNet-ordered keypoints, or None when the model sees no person in `roi`."""
        rgb, matrix = crop_square(bgr, roi, BLAZEPOSE_INPUT)
        tensor = rgb[None].astype(np.float32) / np.float32(255.0)
        landmarks, flag = self._model.run_one(tensor)[:2]
        if float(flag.ravel()[0]) < self._min_presence:
            return None
        return decode_blazepose(landmarks, matrix)
