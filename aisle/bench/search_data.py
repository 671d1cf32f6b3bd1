"""Provides the photo-search benchmark's data side: dataset rows, features, galleries and recall.

A dataset is a `manifest.csv` in the layout of ../shared/data/grocery: `role` (`gallery_iconic`
= the one catalog image per product, `train` = reference photos, anything else = a query role),
`path` (relative to the manifest) and `fine_id` (the product).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.projection import normalise
from edge.core.search import SearchConfig, build_index, search

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Dataset:
    """Image paths by role with product labels (0..P-1, remapped from `fine_id`)."""

    paths: tuple[Path, ...]
    roles: tuple[str, ...]
    labels: I64
    products: int

    def mask(self, role: str) -> npt.NDArray[np.bool_]:
        """Boolean mask of the rows with this role."""
        return np.asarray([r == role for r in self.roles], dtype=np.bool_)


def load_dataset(manifest: Path, query_role: str) -> Dataset:
    """Reads the manifest, keeping catalog, reference and query rows.

    Raises:
        ValueError: a product has no catalog image, or there are no queries.
    """
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["role"] in ("gallery_iconic", "train", query_role)
        ]
    ids = sorted({r["fine_id"] for r in rows})
    index = {fine: i for i, fine in enumerate(ids)}
    iconic = {r["fine_id"] for r in rows if r["role"] == "gallery_iconic"}
    if iconic != set(ids):
        raise ValueError(f"{len(set(ids) - iconic)} products have no gallery_iconic row")
    if not any(r["role"] == query_role for r in rows):
        raise ValueError(f"no rows with role {query_role!r} in {manifest}")
    return Dataset(
        paths=tuple(manifest.parent / r["path"] for r in rows),
        roles=tuple("query" if r["role"] == query_role else r["role"] for r in rows),
        labels=np.asarray([index[r["fine_id"]] for r in rows], dtype=np.int64),
        products=len(ids),
    )


def read_images(paths: Sequence[Path]) -> list[Image]:
    """BGR images; a file that cannot be read raises FileNotFoundError naming it."""
    images = []
    for path in paths:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f"cannot read image {path}")
        images.append(np.asarray(image, dtype=np.uint8))
    return images


def colour_histogram(image: Image, bins: int = 8) -> F32:
    """The colour-histogram baseline: an L1-normalised HSV histogram, square-rooted (Hellinger)."""
    hsv = cv2.cvtColor(
        cv2.resize(image, (128, 128), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2HSV
    )
    hist = cv2.calcHist([hsv], [0, 1, 2], None, [bins] * 3, [0, 180, 0, 256, 0, 256]).ravel()
    return np.asarray(np.sqrt(hist / max(float(hist.sum()), 1.0)), dtype=np.float32)


def product_centroids(embeddings: F32, labels: I64, products: int) -> F32:
    """(P, d) unit centroid of each product's unit embeddings."""
    unit = normalise(embeddings)
    sums = np.zeros((products, unit.shape[1]), dtype=np.float32)
    np.add.at(sums, labels, unit)
    return normalise(sums)


@dataclass(frozen=True, slots=True)
class Recall:
    """Recall@1 and @5 of one gallery."""

    r1: float
    r5: float


def recall(gallery: F32, gallery_labels: I64, queries: F32, query_labels: I64) -> Recall:
    """Recall@1/@5 through aisle's int8 index and exact search (product = best row)."""
    products = int(gallery_labels.max()) + 1
    index = build_index(
        normalise(gallery), gallery_labels, [str(p) for p in range(products)], [True] * products
    )
    config = SearchConfig(k=5, near_equal_margin=0.0, threshold=0.0)
    hits1 = hits5 = 0
    for query, label in zip(normalise(queries), query_labels, strict=True):
        ranked = [int(m.product_id) for m in search(index, query, config).matches]
        hits1 += int(ranked[:1] == [label])
        hits5 += int(label in ranked)
    return Recall(r1=hits1 / len(queries), r5=hits5 / len(queries))


def evaluate(features: F32, data: Dataset, embed: Callable[[F32], F32]) -> dict[str, float]:
    """(a) queries vs the catalog images, (b) queries vs per-product reference centroids.

    Args:
        features: (N, D) per-row features of the dataset.
        data: the dataset.
        embed: maps features to the search space (identity, or a fitted projection).
    """
    space = embed(features)
    iconic, query = data.mask("gallery_iconic"), data.mask("query")
    reference = iconic | data.mask("train")
    a = recall(space[iconic], data.labels[iconic], space[query], data.labels[query])
    cents = product_centroids(space[reference], data.labels[reference], data.products)
    b = recall(cents, np.arange(data.products, dtype=np.int64), space[query], data.labels[query])
    return {
        "iconic_r1": round(a.r1, 4),
        "iconic_r5": round(a.r5, 4),
        "reference_r1": round(b.r1, 4),
        "reference_r5": round(b.r5, 4),
    }
