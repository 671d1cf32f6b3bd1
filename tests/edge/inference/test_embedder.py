"""Tests image preprocessing (pure) and the committed EfficientNet-Lite0 / MobileNetV2 embedders."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.inference.embedder import ImageEmbedder, ImagePreprocessing, preprocess_image
from edge.inference.runtime import load_model

MANIFEST = Path(__file__).resolve().parents[3] / "models" / "manifest.json"
RECIPE = ImagePreprocessing(
    size_hw=(8, 16), colour="RGB", scale=1.0, mean=(127.0,) * 3, std=(128.0,) * 3
)


def test_preprocess_squashes_swaps_and_normalises() -> None:
    image = np.zeros((20, 10, 3), dtype=np.uint8)
    image[:, :, 0] = 255  # blue in BGR
    tensor = preprocess_image(image, RECIPE)
    assert tensor.shape == (1, 3, 8, 16) and tensor.dtype == np.float32
    assert np.allclose(tensor[0, 2], 1.0)  # blue is the last RGB channel
    assert np.allclose(tensor[0, 0], -127.0 / 128.0)


@pytest.mark.parametrize(
    "image",
    [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 3), np.float32), np.zeros((0, 4, 3), np.uint8)],
)
def test_preprocess_rejects_bad_images(image: np.ndarray) -> None:
    with pytest.raises(ValueError):
        preprocess_image(image, RECIPE)


def test_recipe_from_manifest_requires_squash() -> None:
    with pytest.raises(ValueError, match="squash"):
        ImagePreprocessing.from_manifest({"resize": "crop"})


def _iconic(shared_data: Path, name: str) -> np.ndarray:
    matches = sorted((shared_data / "grocery" / "dataset").rglob(f"{name}_Iconic.jpg"))
    image = cv2.imread(str(matches[0]), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image, dtype=np.uint8)


@pytest.mark.parametrize(
    "model", ["efficientnet_lite0", "efficientnet_lite0_retail", "mobilenet_v2"]
)
def test_int8_agrees_with_fp32_on_product_photos(shared_data: Path, model: str) -> None:
    images = [_iconic(shared_data, name) for name in ("Banana", "Granny-Smith", "Red-Bell-Pepper")]
    fp32 = ImageEmbedder(load_model(MANIFEST, f"{model}_fp32")).embed_many(images)
    int8 = ImageEmbedder(load_model(MANIFEST, f"{model}_int8")).embed_many(images)
    assert fp32.shape == int8.shape
    assert fp32.shape[0] == 3
    unit32 = fp32 / np.linalg.norm(fp32, axis=1, keepdims=True)
    unit8 = int8 / np.linalg.norm(int8, axis=1, keepdims=True)
    assert (np.sum(unit32 * unit8, axis=1) > 0.9).all()
    # each product is nearest to itself across precisions
    assert (np.argmax(unit8 @ unit32.T, axis=1) == np.arange(3)).all()
