"""Provides the text part of an index file: one MiniLM row per product, with its price and ages.

The hub lists every product's searchable text (name, brand, category, description) with its
price and age range (`TextList`, JSON); the indexer embeds each text with the INT8 MiniLM
(`edge/inference/text_embedder.py`) and stores the rows in the index file beside the photo rows,
so a kiosk only embeds the shopper's query. Embedding 100,000 texts takes minutes on 2 cores, so
the indexer keeps a cache keyed by sha256(model sha256 + text): the next version re-embeds only
products whose text changed, and unchanged rows are byte-identical.

Arrays added to the `.npz` (all or none):

    text_codes      (P, 384) int8 | float16   unit embeddings (int8: symmetric per-row scale)
    text_scales     (P,) float32              dequantization scale (ones unless int8)
    text_gtins      (P,) unicode              GTINs
    text_in_stock   (P,) bool                 stock flags at build time
    text_price_cents (P,) int64               base price, minor units
    text_age_min    (P,) int32                youngest age in months, -1: none
    text_age_max    (P,) int32                oldest age in months, -1: none
    text_meta_json  (M,) uint8                {"model_name", "model_sha256"}
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from edge.core.search import CatalogIndex, IndexDtype, build_index

logger = logging.getLogger(__name__)

TEXT_ARRAYS = (
    "text_codes",
    "text_scales",
    "text_gtins",
    "text_in_stock",
    "text_price_cents",
    "text_age_min",
    "text_age_max",
    "text_meta_json",
)
NO_AGE = -1
EmbedText = Callable[[str], npt.NDArray[np.float32]]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductTextEntry(_Input):
    """One product's searchable text, as the hub lists it."""

    gtin: str = Field(pattern=r"^\d{14}$", description="GTIN-14")
    text: str = Field(min_length=1, max_length=4000, description="name, brand, category, ...")
    price_cents: int = Field(ge=0, description="base price in minor units")
    age_min_months: int | None = Field(default=None, ge=0, description="kids: youngest age")
    age_max_months: int | None = Field(default=None, ge=0, description="kids: oldest age")
    in_stock: bool = Field(default=True, description="in stock in this store at build time")


class TextList(_Input):
    """What text search should find: every product of the catalog."""

    products: list[ProductTextEntry] = Field(description="products and their texts")


def read_text_list(path: Path) -> TextList:
    """Reads a text list JSON file.

    Raises:
        ValueError: if the file is unreadable or not a text list.
    """
    try:
        return TextList.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise ValueError(f"{path}: not a text list: {exc}") from exc


@dataclass(frozen=True, slots=True)
class TextRows:
    """The text-search rows of an index.

    Attributes:
        index: one row per product (`product_ids` are GTINs, `row_products` is 0..P-1).
        price_cents: (P,) int64 base prices.
        age_min_months: (P,) int32, NO_AGE where the product gives none.
        age_max_months: (P,) int32, NO_AGE where the product gives none.
        model_name: text model of the rows (manifest name).
        model_sha256: sha256 of its file (a query must use the same model).
    """

    index: CatalogIndex
    price_cents: npt.NDArray[np.int64]
    age_min_months: npt.NDArray[np.int32]
    age_max_months: npt.NDArray[np.int32]
    model_name: str
    model_sha256: str

    def __post_init__(self) -> None:
        count = len(self.index.product_ids)
        shapes = {a.shape for a in (self.price_cents, self.age_min_months, self.age_max_months)}
        if shapes != {(count,)} or len(self.index.codes) != count:
            raise ValueError(f"text rows: {count} products but arrays of shapes {shapes}")

    @property
    def count(self) -> int:
        """Products P."""
        return len(self.index.product_ids)


def _cache_key(model_sha256: str, text: str) -> str:
    return hashlib.sha256(f"{model_sha256}\n{text}".encode()).hexdigest()


class TextVectorCache:
    """Unit text embeddings (float16) by sha256(model sha256 + text), kept in one `.npz` file."""

    def __init__(self, path: Path | None) -> None:
        """Loads `path` if it exists (a damaged cache is logged and ignored); None: no file."""
        self._path = path
        self._vectors: dict[str, npt.NDArray[np.float16]] = {}
        self.hits = 0
        self.misses = 0
        if path is not None and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as archive:
                    keys, vectors = archive["keys"], archive["vectors"]
                self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}
            except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                logger.warning("text cache %s unreadable, embedding every text: %s", path, exc)

    def vector(self, model_sha256: str, text: str, embed: EmbedText) -> npt.NDArray[np.float16]:
        """The cached embedding of `text`, or a new one from `embed` (then cached)."""
        key = _cache_key(model_sha256, text)
        found = self._vectors.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        vector = np.asarray(embed(text), dtype=np.float16)
        self._vectors[key] = vector
        return vector

    def save(self, keep: set[str] | None = None) -> None:
        """Writes the cache (only the keys in `keep`, when given) atomically."""
        if self._path is None:
            return
        items = [(k, v) for k, v in self._vectors.items() if keep is None or k in keep]
        keys = np.asarray([k for k, _ in items], dtype=np.str_)
        vectors = np.stack([v for _, v in items]) if items else np.zeros((0, 0), np.float16)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(self._path.name + ".tmp")
        with temporary.open("wb") as handle:
            np.savez(handle, keys=keys, vectors=vectors)
        temporary.replace(self._path)


def _ages(values: Sequence[int | None]) -> npt.NDArray[np.int32]:
    return np.asarray([NO_AGE if v is None else v for v in values], dtype=np.int32)


def embed_text_rows(
    listing: TextList,
    *,
    embed: EmbedText,
    model: tuple[str, str],
    cache: TextVectorCache,
    dtype: IndexDtype = "int8",
) -> TextRows:
    """Embeds every product's text (reusing cached vectors) into text rows.

    Args:
        listing: the products and their texts.
        embed: text -> (384,) unit float32 embedding (`TextEmbedder.embed`).
        model: (manifest name, sha256) of the text model.
        cache: embeddings of earlier builds; new ones are added to it.
        dtype: storage type of the rows.

    Raises:
        ValueError: a GTIN listed twice, or an empty list.
    """
    products = listing.products
    gtins = [p.gtin for p in products]
    if not products or len(set(gtins)) != len(gtins):
        raise ValueError(f"text list needs distinct GTINs: {len(gtins)} listed, {len(set(gtins))}")
    vectors = np.stack([cache.vector(model[1], p.text, embed) for p in products])
    index = build_index(
        vectors.astype(np.float32),
        np.arange(len(products)),
        gtins,
        [p.in_stock for p in products],
        dtype=dtype,
    )
    return TextRows(
        index=index,
        price_cents=np.asarray([p.price_cents for p in products], dtype=np.int64),
        age_min_months=_ages([p.age_min_months for p in products]),
        age_max_months=_ages([p.age_max_months for p in products]),
        model_name=model[0],
        model_sha256=model[1],
    )


def text_cache_keys(listing: TextList, model_sha256: str) -> set[str]:
    """The cache keys a build of `listing` uses (to drop texts no product has any more)."""
    return {_cache_key(model_sha256, p.text) for p in listing.products}


def text_arrays(rows: TextRows) -> dict[str, npt.NDArray[np.generic]]:
    """The `.npz` arrays of `rows` (names in `TEXT_ARRAYS`)."""
    meta = json.dumps({"model_name": rows.model_name, "model_sha256": rows.model_sha256})
    return {
        "text_codes": rows.index.codes,
        "text_scales": rows.index.scales,
        "text_gtins": np.asarray(rows.index.product_ids, dtype=np.str_),
        "text_in_stock": rows.index.in_stock,
        "text_price_cents": rows.price_cents,
        "text_age_min": rows.age_min_months,
        "text_age_max": rows.age_max_months,
        "text_meta_json": np.frombuffer(meta.encode(), dtype=np.uint8),
    }


def rows_from_arrays(arrays: dict[str, npt.NDArray[np.generic]]) -> TextRows:
    """Text rows from the `.npz` arrays named in `TEXT_ARRAYS`.

    Raises:
        ValueError: if the arrays disagree or the meta is not JSON with both model fields.
    """
    try:
        meta = json.loads(arrays["text_meta_json"].tobytes().decode("utf-8"))
        name, sha = str(meta["model_name"]), str(meta["model_sha256"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"text_meta_json is not a text meta: {exc}") from exc
    gtins = tuple(str(gtin) for gtin in arrays["text_gtins"])
    index = CatalogIndex(
        codes=arrays["text_codes"],
        scales=arrays["text_scales"].astype(np.float32),
        row_products=np.arange(len(gtins), dtype=np.int64),
        product_ids=gtins,
        in_stock=arrays["text_in_stock"].astype(np.bool_),
    )
    return TextRows(
        index=index,
        price_cents=arrays["text_price_cents"].astype(np.int64),
        age_min_months=arrays["text_age_min"].astype(np.int32),
        age_max_months=arrays["text_age_max"].astype(np.int32),
        model_name=name,
        model_sha256=sha,
    )
