"""Provides build-time measurements of an embedding model pair: fp32 vs INT8 on grocery photos.

Cosine between the two variants' features, plain (global-average-pooled, cosine) retrieval recall on
the val photos against the catalog images and against per-product reference centroids, and median
latency through aisle's own runtime with 2 threads.
"""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import load_model


def grocery_rows(grocery: Path) -> list[dict[str, str]]:
    """Rows of the dataset's manifest.csv."""
    with (grocery / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_images(grocery: Path, rows: list[dict[str, str]]) -> list[Any]:
    """BGR uint8 images of the rows."""
    images = []
    for row in rows:
        image = cv2.imread(str(grocery / row["path"]), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(grocery / row["path"])
        images.append(image)
    return images


def _normalise(x: Any) -> Any:
    return x / np.linalg.norm(x, axis=1, keepdims=True).clip(1e-12)


def plain_recall(features: Any, rows: list[dict[str, str]]) -> dict[str, float]:
    """Recall@1 of val photos vs catalog images (iconic) and vs reference centroids."""
    feats = _normalise(features)
    role = np.array([row["role"] for row in rows])
    label = np.array([int(row["fine_id"]) for row in rows])
    query = role == "val"
    iconic = role == "gallery_iconic"
    top = label[iconic][np.argmax(feats[query] @ feats[iconic].T, axis=1)]
    classes = np.unique(label)
    reference = role != "val"
    cents = _normalise(
        np.stack([_normalise(feats[reference & (label == c)]).mean(0) for c in classes])
    )
    top_ref = classes[np.argmax(feats[query] @ cents.T, axis=1)]
    return {
        "val_iconic_recall_at_1": round(float((top == label[query]).mean()), 4),
        "val_reference_centroid_recall_at_1": round(float((top_ref == label[query]).mean()), 4),
    }


def _latency_ms(embedder: ImageEmbedder, image: Any, runs: int = 30) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        embedder.embed(image)
        times.append((time.perf_counter() - start) * 1000.0)
    return round(statistics.median(times), 2)


def measure_pair(
    manifest: Path, fp32_name: str, int8_name: str, grocery: Path, rows: list[dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Measures both variants on every row of the dataset (features of all images)."""
    images = load_images(grocery, rows)
    out: dict[str, dict[str, Any]] = {}
    feats = {}
    for precision, name in (("fp32", fp32_name), ("int8", int8_name)):
        embedder = ImageEmbedder(load_model(manifest, name))
        feats[precision] = embedder.embed_many(images)
        out[precision] = {
            "dataset": "grocery val photos (296) as queries, 81 products",
            **plain_recall(feats[precision], rows),
            "latency_ms_p50_incl_preprocessing": _latency_ms(embedder, images[0]),
            "threads": 2,
            "file_mb": round((manifest.parent / embedder.model.path.name).stat().st_size / 1e6, 2),
        }
    cosine = np.sum(_normalise(feats["fp32"]) * _normalise(feats["int8"]), axis=1)
    out["int8"]["cosine_to_fp32_mean"] = round(float(cosine.mean()), 4)
    out["int8"]["cosine_to_fp32_min"] = round(float(cosine.min()), 4)
    return out
