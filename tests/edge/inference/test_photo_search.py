"""Tests the photo-search pipeline on real grocery photos with the committed INT8 model."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.core.projection import Projection, ProjectionConfig, fit_projection
from edge.core.search import SearchConfig, build_index
from edge.inference.detector import ObjectDetector
from edge.inference.embedder import ImageEmbedder
from edge.inference.photo_search import PhotoSearcher
from edge.inference.runtime import load_model

MANIFEST = Path(__file__).resolve().parents[3] / "models" / "manifest.json"
PRODUCTS = ("Banana", "Red-Bell-Pepper", "Oatly-Oat-Milk", "Lemon", "Cucumber")


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, path
    return np.asarray(image, dtype=np.uint8)


@pytest.fixture(scope="module")
def grocery(shared_data: Path) -> dict[str, dict[str, list[np.ndarray]]]:
    root = shared_data / "grocery"
    with (root / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["fine_name"] in PRODUCTS]
    out: dict[str, dict[str, list[np.ndarray]]] = {}
    for row in rows:
        per_role = out.setdefault(row["fine_name"], {})
        if len(per_role.setdefault(row["role"], [])) < 8:
            per_role[row["role"]].append(_read(root / row["path"]))
    return out


@pytest.fixture(scope="module")
def embedder() -> ImageEmbedder:
    return ImageEmbedder(load_model(MANIFEST, "efficientnet_lite0_int8"))


def _searcher(
    embedder: ImageEmbedder, grocery: dict[str, dict[str, list[np.ndarray]]], fitted: bool
) -> PhotoSearcher:
    catalog = embedder.embed_many([grocery[name]["gallery_iconic"][0] for name in PRODUCTS])
    projection = Projection.identity(catalog.shape[1])
    if fitted:
        photos = [(i, img) for i, name in enumerate(PRODUCTS) for img in grocery[name]["train"]]
        feats = embedder.embed_many([img for _, img in photos])
        labels = np.asarray([i for i, _ in photos])
        projection = fit_projection(feats, labels, catalog, ProjectionConfig(dim=32, epochs=100))
    index = build_index(projection.apply(catalog), range(5), PRODUCTS, [True] * 5)
    return PhotoSearcher(embedder, projection, index, config=SearchConfig(k=3, threshold=0.5))


def test_catalog_image_finds_itself(embedder: ImageEmbedder, grocery: dict) -> None:
    searcher = _searcher(embedder, grocery, fitted=False)
    for name in PRODUCTS:
        answer = searcher.query(grocery[name]["gallery_iconic"][0])
        assert answer.result.matches[0].product_id == name
        assert answer.result.confident
        assert answer.model_name == "efficientnet_lite0_int8" and len(answer.model_sha256) == 64
        assert not answer.cropped


def test_shelf_photos_find_their_product(embedder: ImageEmbedder, grocery: dict) -> None:
    searcher = _searcher(embedder, grocery, fitted=True)
    hits = total = 0
    for name in PRODUCTS:
        for photo in grocery[name].get("val", [])[:3]:
            total += 1
            hits += searcher.query(photo).result.matches[0].product_id == name
    assert total >= 10
    assert hits / total >= 0.7


def test_crop_and_dimension_checks(embedder: ImageEmbedder, grocery: dict) -> None:
    detector = ObjectDetector(load_model(MANIFEST, "yolox_nano"))
    catalog = embedder.embed_many([grocery[name]["gallery_iconic"][0] for name in PRODUCTS])
    identity = Projection.identity(1280)
    index = build_index(identity.apply(catalog), range(5), PRODUCTS, [True] * 5)
    cropping = PhotoSearcher(embedder, identity, index, detector=detector)
    assert len(cropping.query(grocery["Banana"]["train"][0]).result.matches) == 5
    small = build_index(np.eye(4), range(4), list("abcd"), [True] * 4)
    with pytest.raises(ValueError, match="index holds"):
        PhotoSearcher(embedder, identity, small)
