"""Tests face detection anchors/decoding and the real face models on the astronaut photo."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edge.inference.face import FaceMeshModel, decode_best_face, mesh_crop_matrix, ssd_anchors
from edge.inference.pose import frame_roi
from edge.inference.runtime import load_model

REPO = Path(__file__).resolve().parents[3]
MANIFEST = REPO / "models" / "manifest.json"
ASTRONAUT = REPO / "tests" / "fixtures" / "tryon" / "astronaut.jpg"


def test_anchors_match_the_detector_layout() -> None:
    anchors = ssd_anchors()
    assert anchors.shape == (896, 2)
    assert np.allclose(anchors[0], [1 / 32, 1 / 32]) and np.allclose(anchors[1], anchors[0])
    assert np.allclose(anchors[512], [1 / 16, 1 / 16])


def test_decode_returns_none_below_the_threshold() -> None:
    matrix = frame_roi((128, 128)).to_crop_matrix(128)
    regressors = np.zeros((1, 896, 16), np.float32)
    assert decode_best_face(regressors, np.full((1, 896, 1), -5, np.float32), matrix) is None
    logits = np.full((1, 896, 1), -5, np.float32)
    logits[0, 0, 0] = 5
    face = decode_best_face(regressors, logits, matrix)
    assert face is not None and np.allclose(face.keypoints_xy, 4.0)


def test_mesh_roi_levels_tilted_eyes() -> None:
    frame = np.zeros((200, 200, 3), np.uint8)
    matrix = frame_roi((200, 200)).to_crop_matrix(128)
    regressors = np.zeros((1, 896, 16), np.float32)
    regressors[0, 0, 4:8] = [0, 0, 20, 20]  # left eye 20 px right and 20 px below the right eye
    logits = np.full((1, 896, 1), -5, np.float32)
    logits[0, 0, 0] = 5
    face = decode_best_face(regressors, logits, matrix)
    assert face is not None and frame.shape[0] == 200
    crop = mesh_crop_matrix(face)
    eyes = np.hstack([face.keypoints_xy[:2], np.ones((2, 1))]) @ crop.T
    assert abs(eyes[0, 1] - eyes[1, 1]) < 1e-3


def test_face_models_find_the_astronauts_face() -> None:
    frame = cv2.imread(str(ASTRONAUT))
    model = FaceMeshModel(
        load_model(MANIFEST, "face_detection_short_range"), load_model(MANIFEST, "face_landmark")
    )
    face = model.detect_face(frame)
    assert face is not None and face.score > 0.7
    x0, y0, x1, y1 = face.box_xyxy
    assert 150 < x0 < x1 < 300 and 50 < y0 < y1 < 200
    mesh = model.mesh(frame, face)
    assert mesh is not None
    nose_x, nose_y = mesh.xy[1]
    assert x0 < nose_x < x1 and y0 < nose_y < y1
    assert model.detect_face(np.zeros_like(frame)) is None
