"""Tests photo search on real product photos (the shared Grocery Store dataset, train/val only):
an index built from catalog images and staff photos of some products finds the product in val
photos through the device pipeline (detector crop, INT8 embedding), and photos of products left
out of the index are not answered. Skipped when the shared data is absent."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from contracts.gtin import gs1_check_digit
from edge.index.active import ActiveIndex, LoadedIndex
from edge.index.build import ImageEntry, ImageList, ProductImages, build_index_file
from edge.index.file import read_index_file
from edge.inference.detector import ObjectDetector
from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import load_model
from edge.search.result import PhotoSearchResult
from edge.search.searcher import PhotoSearcher
from edge.search_config import DEFAULT_EMBEDDER

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

MODELS = Path(__file__).resolve().parents[3] / "models" / "manifest.json"
PRODUCTS = range(0, 81, 3)  # 27 products: every third class
HELD_OUT = set(range(0, 81, 12))  # 7 of them are left out of the index
PHOTOS_PER_PRODUCT = 8


def product_gtin(fine_id: int) -> str:
    """A made-up GTIN-14 for a dataset class (the dataset has no codes)."""
    body = f"2000000000{fine_id:03d}"
    return body + str(gs1_check_digit(body))


@dataclass(frozen=True, slots=True)
class Query:
    """A val photo and its product."""

    path: Path
    fine_id: int


@dataclass(frozen=True, slots=True)
class Grocery:
    """The index built from the train split, and the val queries."""

    searcher: PhotoSearcher
    queries: tuple[Query, ...]


def _rows(shared: Path) -> list[dict[str, str]]:
    with (shared / "grocery" / "manifest.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _listing(shared: Path, rows: list[dict[str, str]]) -> ImageList:
    images: dict[int, list[ImageEntry]] = {}
    for row in rows:
        fine = int(row["fine_id"])
        if fine not in PRODUCTS or fine in HELD_OUT or row["role"] == "val":
            continue
        entries = images.setdefault(fine, [])
        role = "catalog" if row["role"] == "gallery_iconic" else "reference"
        if role == "catalog" or sum(e.role == "reference" for e in entries) < PHOTOS_PER_PRODUCT:
            entries.append(ImageEntry(path=shared / "grocery" / row["path"], role=role))
    return ImageList(
        products=[ProductImages(gtin=product_gtin(f), images=e) for f, e in sorted(images.items())]
    )


@pytest.fixture(scope="module")
def grocery(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Grocery]:
    """An index of 20 grocery products (catalog image + 8 photos each), and val queries."""
    rows = _rows(shared_data)
    embedder = ImageEmbedder(load_model(MODELS, DEFAULT_EMBEDDER))
    out = tmp_path_factory.mktemp("grocery") / "index.npz"
    model = (embedder.model.name, embedder.model.entry.sha256)
    build_index_file(_listing(shared_data, rows), out, embed=embedder.embed, model=model)
    active = ActiveIndex(LoadedIndex("grocery-1", read_index_file(out)))
    detector = ObjectDetector(load_model(MODELS, "yolox_nano"))
    searcher = PhotoSearcher(embedder, active.current, detector=detector)
    queries = tuple(
        Query(shared_data / "grocery" / r["path"], int(r["fine_id"]))
        for r in rows
        if r["role"] == "val" and int(r["fine_id"]) in PRODUCTS
    )
    yield Grocery(searcher, queries)


def _search(grocery: Grocery, query: Query) -> PhotoSearchResult:
    image = cv2.imread(str(query.path), cv2.IMREAD_COLOR)
    assert image is not None, query.path
    return grocery.searcher.search_frame(np.asarray(image, np.uint8))


def test_val_photos_find_their_products_and_strangers_are_not_answered(grocery: Grocery) -> None:
    inside, outside = [], []
    for query in grocery.queries:
        result = _search(grocery, query)
        assert result.threshold_source == "index" and len(result.matches) == 5
        if query.fine_id in HELD_OUT:
            outside.append(result.abstained)
        else:
            top = result.matches[0].product_id == product_gtin(query.fine_id)
            top5 = product_gtin(query.fine_id) in [m.product_id for m in result.matches]
            inside.append((top, top5, result.abstained))
    top1 = np.mean([t for t, _, _ in inside])
    top5 = np.mean([t for _, t, _ in inside])
    answered = [t for t, _, abstained in inside if not abstained]
    print(
        f"grocery val: {len(inside)} in-index photos, top-1 {top1:.2f}, top-5 {top5:.2f}, "
        f"answered {len(answered) / len(inside):.2f} at precision "
        f"{np.mean(answered) if answered else float('nan'):.2f}; {len(outside)} photos of "
        f"products not in the index, {np.mean(outside):.2f} abstained"
    )
    assert top1 >= 0.6 and top5 >= 0.85
    assert answered and np.mean(answered) >= 0.85
    assert np.mean(outside) >= 0.8
