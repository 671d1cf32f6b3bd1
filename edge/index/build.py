"""Provides the embedding step of an index build: images in, an `aisle-index-npz-1` file out.

The hub runs it as a child process (`python -m edge.indexer`, see `edge/indexer.py`), because
the hub never imports edge code: the embedding model, its preprocessing and the projection must
be exactly the ones the device applies to its queries.

Input, one JSON document (`ImageList`):

    {"products": [{"gtin": "...", "in_stock": true,
                   "images": [{"path": "/abs/or/relative.jpg", "role": "catalog" | "reference"}]}]}

or a folder holding one sub-folder per GTIN with its images (`catalog.*` is the catalog image,
every other image a reference photo; all in stock). Each readable image becomes one row; an
unreadable one is skipped and reported. With reference photos, a projection is fitted on them
(`edge/core/projection.py`); without, rows are the normalised pooled features.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from edge.core.projection import Projection, fit_projection, normalise
from edge.core.search import IndexDtype, build_index
from edge.index.file import FILE_FORMAT, IndexData, IndexMeta, write_index_file
from edge.search.calibration import (
    CalibrationPlan,
    CatalogImage,
    calibrate_index,
    held_out_photos,
)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})
MAX_FIT_PRODUCTS = 5000  # the projection's full-batch fit grows with products x photos
Embed = Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.float32]]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageEntry(_Input):
    """One image of a product."""

    path: Path = Field(description="image file, relative to the list's folder if not absolute")
    role: Literal["catalog", "reference"] = Field(description="catalog image or staff photo")


class ProductImages(_Input):
    """A product and its images."""

    gtin: str = Field(pattern=r"^\d{8,14}$", description="the product's GTIN")
    in_stock: bool = Field(default=True, description="in stock in this store at build time")
    images: list[ImageEntry] = Field(description="its images")


class ImageList(_Input):
    """What to index."""

    products: list[ProductImages] = Field(description="products and their images")


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """What a build wrote; printed as JSON by the indexer for the hub.

    Attributes:
        skipped: `path: reason` of each image left out.
    """

    file_format: str
    model_name: str
    model_sha256: str
    dims: int
    dtype: str
    count: int
    products: int
    images: int
    projection: str
    skipped: tuple[str, ...]
    abstain_threshold: float | None = None


def read_image_list(source: Path) -> ImageList:
    """Reads a JSON image list, or lists a folder of `<gtin>/` sub-folders.

    Raises:
        ValueError: if the JSON is invalid or the folder holds no product folders.
    """
    if source.is_dir():
        return _list_folder(source)
    try:
        listing = ImageList.model_validate_json(source.read_bytes())
    except (OSError, ValidationError) as exc:
        raise ValueError(f"{source}: not an image list: {exc}") from exc
    base = source.parent
    return ImageList(
        products=[
            product.model_copy(
                update={
                    "images": [
                        image.model_copy(update={"path": base / image.path})
                        for image in product.images
                    ]
                }
            )
            for product in listing.products
        ]
    )


def _list_folder(folder: Path) -> ImageList:
    products = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        images = [
            ImageEntry(path=f, role="catalog" if f.stem == "catalog" else "reference")
            for f in sorted(sub.iterdir())
            if f.suffix.lower() in IMAGE_SUFFIXES
        ]
        products.append(ProductImages(gtin=sub.name, images=images))
    if not products:
        raise ValueError(f"{folder} holds no <gtin>/ folders")
    return ImageList(products=products)


def _embed_all(
    listing: ImageList, embed: Embed
) -> tuple[list[npt.NDArray[np.float32]], list[int], list[bool], list[str]]:
    rows, row_products, is_reference, skipped = [], [], [], []
    for product_index, product in enumerate(listing.products):
        for image in product.images:
            pixels = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
            if pixels is None or pixels.size == 0:
                skipped.append(f"{image.path}: not a readable image")
                continue
            rows.append(embed(np.asarray(pixels, np.uint8)))
            row_products.append(product_index)
            is_reference.append(image.role == "reference")
    return rows, row_products, is_reference, skipped


def fit_store_projection(
    features: npt.NDArray[np.float32], row_products: npt.NDArray[np.int64], reference: list[bool]
) -> Projection | None:
    """Fits the projection when there are reference photos; None when it cannot or should not.

    Anchors are each product's catalog image, or the mean of its photos when it has none.
    """
    products = int(row_products.max()) + 1 if len(row_products) else 0
    is_ref = np.asarray(reference, np.bool_)
    if not is_ref.any() or products < 2 or products > MAX_FIT_PRODUCTS:
        return None
    unit = normalise(features)
    anchors = np.zeros((products, unit.shape[1]), np.float32)
    for product in range(products):
        mine = row_products == product
        catalog = mine & ~is_ref
        anchors[product] = unit[catalog][0] if catalog.any() else unit[mine].mean(axis=0)
    return fit_projection(unit[is_ref], row_products[is_ref], anchors)


def build_index_file(
    listing: ImageList,
    out: Path,
    *,
    embed: Embed,
    model: tuple[str, str],
    dtype: IndexDtype = "int8",
    fit: bool = True,
    calibration: CalibrationPlan | None = None,
) -> BuildSummary:
    """Embeds every image of `listing` and writes the index file.

    Args:
        listing: products and images.
        out: index file to write.
        embed: BGR uint8 image -> (D,) pooled features.
        model: (name, sha256) of the embedding model.
        dtype: row storage type.
        fit: fit a projection on reference photos when there are any.
        calibration: how the abstention threshold is calibrated (`edge/search/calibration.py`);
            None uses the default plan.

    Raises:
        ValueError: if no image could be read.
    """
    rows, row_products, reference, skipped = _embed_all(listing, embed)
    if not rows:
        raise ValueError(f"no readable image among {len(skipped)}")
    features = np.stack(rows).astype(np.float32)
    products = np.asarray(row_products, np.int64)
    plan = calibration or CalibrationPlan()
    projection, held_out = _fit(features, products, reference, fit=fit, plan=plan)
    used = projection or Projection.identity(features.shape[1])
    index = build_index(
        used.apply(features),
        products,
        [p.gtin.zfill(14) for p in listing.products],
        [p.in_stock for p in listing.products],
        dtype=dtype,
    )
    abstention = calibrate_index(
        _catalog_images(listing), index, used, embed=embed, reference_rows=held_out, plan=plan
    )
    meta = IndexMeta(*model, len(rows), len(skipped), abstention)
    write_index_file(out, IndexData(index, used, meta))
    return BuildSummary(
        FILE_FORMAT,
        *model,
        dims=index.dim,
        dtype=dtype,
        count=len(rows),
        products=len(set(row_products)),
        images=len(rows),
        projection="none" if projection is None else "fitted",
        skipped=tuple(skipped),
        abstain_threshold=None if abstention is None else abstention.threshold,
    )


def _fit(
    features: npt.NDArray[np.float32],
    products: npt.NDArray[np.int64],
    reference: list[bool],
    *,
    fit: bool,
    plan: CalibrationPlan,
) -> tuple[Projection | None, npt.NDArray[np.int64]]:
    """The projection (fitted without the photos held out for calibration) and the reference
    rows calibration may use: the held-out ones, or every one when nothing was fitted on them
    (a projection scores its own training photos too well to calibrate with)."""
    held = held_out_photos(products, reference, plan=plan) if fit else np.zeros(len(products), bool)
    keep = ~held
    projection = None
    if fit:
        kept_reference = [flag for flag, kept in zip(reference, keep, strict=True) if kept]
        projection = fit_store_projection(features[keep], products[keep], kept_reference)
    rows = held if projection is not None else np.asarray(reference, np.bool_)
    return projection, np.flatnonzero(rows).astype(np.int64)


def _catalog_images(listing: ImageList) -> list[CatalogImage]:
    return [
        CatalogImage(image.path, product)
        for product, entry in enumerate(listing.products)
        for image in entry.images
        if image.role == "catalog"
    ]


def summary_json(summary: BuildSummary) -> str:
    """The summary as one line of JSON (what the hub reads from the indexer's stdout)."""
    fields = {name: getattr(summary, name) for name in BuildSummary.__slots__}
    fields["skipped"] = list(summary.skipped)
    return json.dumps(fields)
