"""Tests the person mask: the nearest (largest) person is chosen, and the real model on a photo."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.inference.runtime import load_model
from edge.inference.segmentation import (
    SelfieSegmenter,
    nearest_person,
    postprocess_selfie,
    preprocess_selfie,
)

REPO = Path(__file__).resolve().parents[3]
MANIFEST = REPO / "models" / "manifest.json"
ASTRONAUT = REPO / "tests" / "fixtures" / "tryon" / "astronaut.jpg"


def test_nearest_person_is_the_largest_blob() -> None:
    prob = np.zeros((480, 640), np.float32)
    prob[100:200, 20:80] = 0.9  # far person, small
    prob[50:470, 300:520] = 0.95  # near person, large
    blob = nearest_person(prob)
    assert blob is not None
    assert blob.box_xyxy == (300, 50, 520, 470)
    assert blob.mask[150, 50] == 0.0 and blob.mask[200, 400] > 0.9


def test_no_person_and_specks_give_none() -> None:
    assert nearest_person(np.zeros((480, 640), np.float32)) is None
    specks = np.zeros((480, 640), np.float32)
    specks[10:20, 10:20] = 1.0
    assert nearest_person(specks) is None


def test_pre_and_postprocessing_shapes() -> None:
    tensor = preprocess_selfie(np.zeros((480, 640, 3), np.uint8))
    assert tensor.shape == (1, 256, 256, 3) and tensor.dtype == np.float32
    assert postprocess_selfie(np.ones((1, 256, 256, 1), np.float32), (640, 480)).shape == (480, 640)
    with pytest.raises(ValueError, match="selfie output"):
        postprocess_selfie(np.ones((1, 128, 128, 1), np.float32), (640, 480))


def test_selfie_model_segments_the_astronaut() -> None:
    frame = np.full((480, 640, 3), (90, 120, 100), np.uint8)
    frame[:, 64:576] = cv2.imread(str(ASTRONAUT))[:480]
    prob = SelfieSegmenter(load_model(MANIFEST, "selfie_segmentation")).segment(frame)
    assert prob.shape == (480, 640)
    assert prob[300, 320] > 0.8  # the suit's chest
    assert prob[240, 20] < 0.2  # the plain border beside the photo
    blob = nearest_person(prob)
    assert blob is not None and blob.area_fraction > 0.25
