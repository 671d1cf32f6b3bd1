"""Provides the photo-search index file (`aisle-index-npz-1`): write it, read it, check it.

An uncompressed numpy `.npz` (read with `allow_pickle=False`, so a file can carry no code) with:

    codes         (N, d) int8 | float16 | float32   row embeddings, in the projected space
    scales        (N,) float32                       per-row dequantization scale
    row_products  (N,) int64                         product of each row, in [0, P)
    product_ids   (P,) unicode                       GTINs
    in_stock      (P,) bool                          stock flags when the index was built
    proj_mean     (D,) float32                       projection centre (see edge/core/projection)
    proj_matrix   (D, d) float32                     projection matrix
    meta_json     (M,) uint8                         UTF-8 JSON `IndexMeta`
    text_*        optional: one MiniLM row per product for text search (edge/index/text_rows.py)

The hub never reads it: it ships the bytes; the edge indexer writes it and the device loads it.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edge.core.abstention import AbstentionCalibration
from edge.core.projection import Projection
from edge.core.search import CatalogIndex
from edge.index.text_rows import TEXT_ARRAYS, TextRows, rows_from_arrays, text_arrays

FILE_FORMAT = "aisle-index-npz-1"
_ARRAYS = (
    "codes",
    "scales",
    "row_products",
    "product_ids",
    "in_stock",
    "proj_mean",
    "proj_matrix",
    "meta_json",
)


class IndexFileError(ValueError):
    """An index file is unreadable or its arrays disagree; the message says which."""


@dataclass(frozen=True, slots=True)
class IndexMeta:
    """What an index was built from.

    Attributes:
        model_name: embedding model of the rows (manifest name).
        model_sha256: sha256 of that model's file.
        images: images embedded.
        skipped: images that could not be read (not in the index).
        abstention: the threshold and confidence curve calibrated when it was built (None in
            files from before calibration; searches then use their configured fallback).
    """

    model_name: str
    model_sha256: str
    images: int
    skipped: int
    abstention: AbstentionCalibration | None = None


@dataclass(frozen=True, slots=True)
class IndexData:
    """A loaded index: the search matrix, the projection its queries need, and its meta.

    `texts` holds the text-search rows (None in files built without product texts).
    """

    index: CatalogIndex
    projection: Projection
    meta: IndexMeta
    texts: TextRows | None = None


def write_index_file(path: Path, data: IndexData) -> None:
    """Writes `data` to `path` in the `aisle-index-npz-1` format (uncompressed)."""
    index = data.index
    fields: dict[str, object] = {
        "format": FILE_FORMAT,
        "model_name": data.meta.model_name,
        "model_sha256": data.meta.model_sha256,
        "images": data.meta.images,
        "skipped": data.meta.skipped,
    }
    if data.meta.abstention is not None:
        fields["abstention"] = data.meta.abstention.to_json()
    meta = json.dumps(fields).encode()
    texts: dict[str, Any] = {} if data.texts is None else text_arrays(data.texts)
    with path.open("wb") as handle:
        np.savez(
            handle,
            **texts,
            codes=index.codes,
            scales=index.scales,
            row_products=index.row_products,
            product_ids=np.asarray(index.product_ids, dtype=np.str_),
            in_stock=index.in_stock,
            proj_mean=data.projection.mean,
            proj_matrix=data.projection.matrix,
            meta_json=np.frombuffer(meta, dtype=np.uint8),
        )


def _abstention(raw: object) -> AbstentionCalibration | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise IndexFileError(f"meta abstention is not an object: {raw!r:.60}")
    try:
        return AbstentionCalibration.from_json(raw)
    except ValueError as exc:
        raise IndexFileError(f"meta abstention: {exc}") from exc


def _meta(raw: bytes) -> IndexMeta:
    try:
        meta = json.loads(raw.decode("utf-8"))
        if meta.get("format") != FILE_FORMAT:
            raise IndexFileError(f"format {meta.get('format')!r} is not {FILE_FORMAT}")
        return IndexMeta(
            str(meta["model_name"]),
            str(meta["model_sha256"]),
            int(meta["images"]),
            int(meta["skipped"]),
            _abstention(meta.get("abstention")),
        )
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise IndexFileError(f"meta_json is not an index meta: {exc}") from exc


def read_index_file(path: Path) -> IndexData:
    """Loads an index file fully into memory.

    Raises:
        IndexFileError: the file is not an `aisle-index-npz-1` file or its arrays disagree.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [name for name in _ARRAYS if name not in archive.files]
            if missing:
                raise IndexFileError(f"{path.name} lacks arrays {missing}")
            arrays = {name: archive[name] for name in _ARRAYS}
            texts = [name for name in TEXT_ARRAYS if name in archive.files]
            if texts and len(texts) != len(TEXT_ARRAYS):
                raise IndexFileError(f"{path.name} has only some text arrays: {texts}")
            arrays |= {name: archive[name] for name in texts}
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        if isinstance(exc, IndexFileError):
            raise
        raise IndexFileError(f"{path.name} is not an index file: {exc}") from exc
    try:
        index = CatalogIndex(
            codes=arrays["codes"],
            scales=arrays["scales"].astype(np.float32),
            row_products=arrays["row_products"].astype(np.int64),
            product_ids=tuple(str(gtin) for gtin in arrays["product_ids"]),
            in_stock=arrays["in_stock"].astype(np.bool_),
        )
        projection = Projection(
            mean=arrays["proj_mean"].astype(np.float32),
            matrix=arrays["proj_matrix"].astype(np.float32),
        )
        text_rows = rows_from_arrays(arrays) if "text_codes" in arrays else None
    except ValueError as exc:
        raise IndexFileError(f"{path.name}: {exc}") from exc
    if projection.matrix.shape[1] != index.dim:
        raise IndexFileError(
            f"{path.name}: projection gives {projection.matrix.shape[1]}-d, rows are {index.dim}-d"
        )
    return IndexData(index, projection, _meta(arrays["meta_json"].tobytes()), text_rows)
