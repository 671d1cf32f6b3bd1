"""Tests MoveNet/BlazePose processing and the real committed models on the astronaut photo."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.inference.pose import (
    BlazePoseModel,
    Keypoints,
    MoveNetModel,
    SquareRoi,
    crop_square,
    crop_to_frame,
    decode_movenet,
    frame_roi,
    roi_from_box,
    roi_from_keypoints,
)
from edge.inference.runtime import RuntimeConfig, load_model

REPO = Path(__file__).resolve().parents[3]
MANIFEST = REPO / "models" / "manifest.json"
ASTRONAUT = REPO / "tests" / "fixtures" / "tryon" / "astronaut.jpg"
# Hand-checked shoulder positions on the 512x512 astronaut photo (x, y), the suit's shoulder seams.
ASTRONAUT_SHOULDERS = {"right_shoulder": (100.0, 240.0), "left_shoulder": (330.0, 268.0)}


def _astronaut_in_frame() -> tuple[np.ndarray, int]:
    frame = np.full((480, 640, 3), (90, 120, 100), np.uint8)
    frame[:, 64:576] = cv2.imread(str(ASTRONAUT))[:480]
    return frame, 64


def test_crop_matrix_round_trips_points() -> None:
    roi = SquareRoi(cx=300.0, cy=200.0, side=150.0)
    matrix = roi.to_crop_matrix(192)
    points = np.array([[250.0, 150.0], [300.0, 200.0], [370.0, 260.0]])
    in_crop = np.hstack([points, np.ones((3, 1))]) @ matrix.T
    assert np.allclose(crop_to_frame(in_crop, matrix), points, atol=1e-3)
    assert np.allclose(in_crop[1], [96.0, 96.0])


def test_frame_roi_letterboxes_landscape_frames() -> None:
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[100, 320] = 255
    crop, _ = crop_square(frame, frame_roi((640, 480)), 640)
    assert crop.shape == (640, 640, 3)
    assert crop[180, 320].max() == 255  # shifted down by the 80 px top padding


@pytest.mark.parametrize(
    ("shape", "expect"),
    [
        ((1, 1, 17, 3), nullcontext()),
        ((1, 17, 3), pytest.raises(ValueError, match=r"\(1, 1, 17, 3\)")),
        ((1, 1, 33, 3), pytest.raises(ValueError, match="MoveNet output")),
    ],
)
def test_decode_movenet_checks_shape(
    shape: tuple[int, ...], expect: AbstractContextManager[object]
) -> None:
    with expect:
        kp = decode_movenet(
            np.full(shape, 0.5, np.float32), frame_roi((192, 192)).to_crop_matrix(192)
        )
        assert np.allclose(kp.xy, 96.0)


def test_keypoints_refuse_wrong_shapes() -> None:
    with pytest.raises(ValueError, match="expected xy"):
        Keypoints(xy=np.zeros((5, 2), np.float32), scores=np.zeros(17, np.float32))


def test_rois_from_boxes_and_keypoints() -> None:
    roi = roi_from_box((100, 50, 200, 250))
    assert (roi.cx, roi.cy, roi.side) == (150.0, 150.0, 250.0)
    with pytest.raises(ValueError, match="x1 > x0"):
        roi_from_box((10, 10, 5, 20))
    low = Keypoints(xy=np.zeros((17, 2), np.float32), scores=np.zeros(17, np.float32))
    assert roi_from_keypoints(low) is None


def test_movenet_finds_the_astronauts_shoulders() -> None:
    frame, offset_x = _astronaut_in_frame()
    model = MoveNetModel(load_model(MANIFEST, "movenet_lightning", config=RuntimeConfig()))
    kp = model.detect(frame)
    for name, (x, y) in ASTRONAUT_SHOULDERS.items():
        px, py, score = kp.point(name)
        assert score > 0.5, name
        assert abs(px - (x + offset_x)) < 30 and abs(py - y) < 30, (name, px, py)


def test_blazepose_on_a_movenet_roi_and_on_an_empty_frame() -> None:
    frame, _ = _astronaut_in_frame()
    movenet = MoveNetModel(load_model(MANIFEST, "movenet_lightning"))
    blaze = BlazePoseModel(load_model(MANIFEST, "blazepose_landmark_lite"))
    roi = roi_from_keypoints(movenet.detect(frame))
    assert roi is not None
    kp = blaze.detect(frame, roi)
    assert kp is not None
    nose_x, nose_y, _ = kp.point("nose")
    assert 240 < nose_x < 340 and 80 < nose_y < 200
    assert blaze.detect(np.zeros_like(frame), roi) is None
