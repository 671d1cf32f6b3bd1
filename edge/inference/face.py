"""Provides face geometry for eyewear and hats: MediaPipe face detection + 468-point face mesh.

Pure parts: the detector's 896 SSD anchors, decoding the best face (box + 6 keypoints) from the
letterboxed 128x128 input back to frame pixels, the rotated square ROI for the mesh (eyes level),
and mapping the mesh back to the frame. `FaceMeshModel` runs both models through `runtime.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from edge.inference.pose import crop_square, crop_to_frame, frame_roi
from edge.inference.runtime import OnnxModel

DETECTOR_INPUT = 128
MESH_INPUT = 192
MESH_POINTS = 468
MESH_ROI_SCALE = 1.5

FloatArray = npt.NDArray[np.float32]


def ssd_anchors() -> FloatArray:
    """Returns the (896, 2) anchor centres of face_detection_short_range, in [0, 1].

    Strides 8 (16x16 cells, 2 anchors each) then 16 (8x8 cells, 6 anchors each), MediaPipe's
    order: row-major cells, anchors of one cell consecutive.
    """
    centres = []
    for grid, per_cell in ((16, 2), (8, 6)):
        ys, xs = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
        cells = np.stack([(xs.ravel() + 0.5) / grid, (ys.ravel() + 0.5) / grid], axis=1)
        centres.append(np.repeat(cells, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True, slots=True)
class FaceBox:
    """The best face of a frame.

    Attributes:
        box_xyxy: face box in frame pixels.
        keypoints_xy: (6, 2) right eye, left eye, nose tip, mouth, right ear, left ear (frame px).
        score: detector confidence in [0, 1].
    """

    box_xyxy: tuple[float, float, float, float]
    keypoints_xy: FloatArray
    score: float

    def __post_init__(self) -> None:
        if self.keypoints_xy.shape != (6, 2):
            raise ValueError(f"keypoints_xy must be (6, 2), got {self.keypoints_xy.shape}")


@dataclass(frozen=True, slots=True)
class FaceMesh:
    """468 face landmarks in frame pixels with the mesh model's presence score."""

    xy: FloatArray
    score: float

    def __post_init__(self) -> None:
        if self.xy.shape != (MESH_POINTS, 2):
            raise ValueError(f"xy must be ({MESH_POINTS}, 2), got {self.xy.shape}")


def decode_best_face(
    regressors: FloatArray,
    logits: FloatArray,
    matrix: npt.NDArray[np.float64],
    min_score: float = 0.5,
) -> FaceBox | None:
    """Decodes the highest-scoring face, or None when no anchor reaches `min_score`.

    Args:
        regressors: (1, 896, 16) raw box + keypoint offsets in input pixels.
        logits: (1, 896, 1) raw scores.
        matrix: the frame->input affine used for the 128x128 input.
        min_score: smallest sigmoid score accepted.
    """
    if regressors.shape != (1, 896, 16) or logits.shape != (1, 896, 1):
        raise ValueError(f"expected (1,896,16)/(1,896,1), got {regressors.shape}/{logits.shape}")
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits[0, :, 0], -50, 50)))
    best = int(np.argmax(scores))
    if float(scores[best]) < min_score:
        return None
    anchor = ssd_anchors()[best] * DETECTOR_INPUT
    raw = regressors[0, best]
    cx, cy, w, h = raw[0] + anchor[0], raw[1] + anchor[1], raw[2], raw[3]
    corners = np.array([[cx - w / 2, cy - h / 2], [cx + w / 2, cy + h / 2]], dtype=np.float32)
    keypoints = raw[4:16].reshape(6, 2) + anchor
    (x0, y0), (x1, y1) = crop_to_frame(corners, matrix)
    return FaceBox(
        box_xyxy=(float(x0), float(y0), float(x1), float(y1)),
        keypoints_xy=crop_to_frame(keypoints, matrix),
        score=float(scores[best]),
    )


def mesh_crop_matrix(face: FaceBox, size: int = MESH_INPUT) -> npt.NDArray[np.float64]:
    """Returns the frame->crop affine of the mesh ROI: square, 1.5x the box, eyes made level."""
    x0, y0, x1, y1 = face.box_xyxy
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    side = max(x1 - x0, y1 - y0) * MESH_ROI_SCALE
    dx, dy = face.keypoints_xy[1] - face.keypoints_xy[0]
    theta = math.atan2(float(dy), float(dx))
    scale = size / max(side, 1e-6)
    cos_t, sin_t = math.cos(-theta) * scale, math.sin(-theta) * scale
    return np.array(
        [
            [cos_t, -sin_t, size / 2 - (cos_t * cx - sin_t * cy)],
            [sin_t, cos_t, size / 2 - (sin_t * cx + cos_t * cy)],
        ]
    )


class FaceMeshModel:
    """Face detection (short range) then face mesh on the best face of a BGR frame."""

    def __init__(self, detector: OnnxModel, mesh: OnnxModel, min_score: float = 0.5) -> None:
        """Wraps loaded `face_detection_short_range` and `face_landmark` models."""
        self._detector = detector
        self._mesh = mesh
        self._min_score = min_score

    def detect_face(self, bgr: npt.NDArray[np.uint8]) -> FaceBox | None:
        """Returns the best face box of the frame, or None when there is no face."""
        h, w = bgr.shape[:2]
        rgb, matrix = crop_square(bgr, frame_roi((w, h)), DETECTOR_INPUT)
        tensor = rgb[None].astype(np.float32) / np.float32(127.5) - np.float32(1.0)
        regressors, logits = self._detector.run_one(tensor)
        return decode_best_face(regressors, logits, matrix, self._min_score)

    def mesh(self, bgr: npt.NDArray[np.uint8], face: FaceBox) -> FaceMesh | None:
        """Returns the face mesh inside `face`'s ROI, or None when the mesh model sees no face."""
        matrix = mesh_crop_matrix(face)
        crop = cv2.warpAffine(bgr, matrix, (MESH_INPUT, MESH_INPUT), borderValue=(0, 0, 0))
        rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)
        points, flag = self._mesh.run_one(rgb[None].astype(np.float32) / np.float32(255.0))
        score = 1.0 / (1.0 + math.exp(-max(-100.0, min(100.0, float(flag.ravel()[0])))))
        if score < self._min_score:
            return None
        xy = crop_to_frame(points.reshape(MESH_POINTS, 3)[:, :2], matrix)
        return FaceMesh(xy=xy, score=score)
