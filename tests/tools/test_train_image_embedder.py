"""Tests the retail fine-tuning tool's torch-free parts: augmentation, schedule, val recall."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tools.build_image_embedders import RETAIL_SIZE
from tools.train_image_embedder import (
    LOAD_SIZE,
    NECK_DIM,
    Recipe,
    _eval_rows,
    _schedule,
    augment,
    val_recall,
)

REPO = Path(__file__).resolve().parents[2]


def _image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (LOAD_SIZE, LOAD_SIZE, 3), dtype=np.uint8)


def test_augment_makes_square_uint8_views_reproducibly() -> None:
    first = augment(_image(1), 96, np.random.default_rng(5), _image(2))
    again = augment(_image(1), 96, np.random.default_rng(5), _image(2))
    plain = augment(_image(1), 96, np.random.default_rng(5), None)
    assert first.shape == plain.shape == (96, 96, 3)
    assert first.dtype == np.uint8
    assert np.array_equal(first, again)


def test_schedule_repeats_catalog_images_and_never_uses_val() -> None:
    roles = ["gallery_iconic", "train", "train", "val", "gallery_iconic"]
    order = _schedule(Recipe(iconic_repeats=3), roles, np.random.default_rng(0))
    assert sorted(order) == [0, 0, 0, 1, 2, 4, 4, 4]


def test_eval_rows_cap_train_photos_per_product() -> None:
    labels = np.asarray([0, 0, 0, 0, 1, 0])
    roles = ["train", "train", "train", "val", "train", "gallery_iconic"]
    assert _eval_rows(labels, roles, per_product=2) == [0, 1, 3, 4, 5]


def test_val_recall_scores_separable_features() -> None:
    feats = np.asarray([[1, 0], [0, 1], [1, 0.1], [0.1, 1], [0.9, 0.2]], np.float32)
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    labels = np.asarray([0, 1, 0, 1, 0])
    roles = ["gallery_iconic", "gallery_iconic", "train", "train", "val"]
    scores = val_recall(feats, labels, roles)
    assert scores["reference_r1"] == 1.0
    assert scores["iconic_r1"] == 1.0


def test_retail_model_records_its_input_neck_and_training() -> None:
    models = json.loads((REPO / "models" / "manifest.json").read_text())["models"]
    for precision in ("fp32", "int8"):
        retail = models[f"efficientnet_lite0_retail_{precision}"]
        imagenet = models[f"efficientnet_lite0_{precision}"]
        pre, base = retail["input"]["preprocessing"], imagenet["input"]["preprocessing"]
        assert {**pre, "size_hw": None} == {**base, "size_hw": None}  # colour, mean, std, resize
        assert pre["size_hw"] == [RETAIL_SIZE, RETAIL_SIZE] == retail["input"]["shape"][2:]
        assert retail["outputs"][0]["shape"] == [1, NECK_DIM]
        training = retail["measured"]["training"]
        assert training["recipe"]["frozen_blocks"] >= 0
        assert "train_image_embedder.py" in training["command"]
