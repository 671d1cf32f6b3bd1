"""Provides the kiosk's search ports run by edge code in-process: photo search and text search.

`EdgePhotoSearch` takes the camera's next frame from the agent's frame tap and hands it to the
agent's own `PhotoSearcher` (`edge/search`: main-object crop, INT8 embedding, the running index,
in-stock re-rank, abstention at the index's calibrated threshold), which stores the result as a
`search` event (hits and scores, never pixels). The frame is used in memory and dropped.

`EdgeTextSearch` answers a parsed request: price and age filters first, the remaining words by
cosine similarity between the MiniLM query embedding and the product rows, "not sure" below a
threshold. The product rows come with the hub's index (`edge/index/text_rows.py`: the kiosk only
embeds the query), or, on a kiosk without an index, are embedded here once from a catalog file.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from aisle.frame_tap import LatestFrame
from edge.core.search import CatalogIndex, Match, score_rows
from edge.index.text_rows import (
    NO_AGE,
    ProductTextEntry,
    TextList,
    TextRows,
    TextVectorCache,
    embed_text_rows,
)
from edge.inference.text_embedder import TextEmbedder
from edge.search.searcher import PhotoSearcher, SearchUnavailable
from kiosk.ports import FeatureUnavailable, SearchHit, SearchOutcome, TextQuery

logger = logging.getLogger(__name__)

TEXT_THRESHOLD: Final = 0.3
"""MiniLM cosine below which the best text match is "not sure" (demo catalog, see the report)."""
TEXT_K: Final = 6
FLOAT32_BUDGET_MB: Final = 256.0
"""Text rows up to this size are scanned as a float32 copy (100,000 x 384 = 154 MB): an int8
scan dequantizes every chunk per query and measured 3.6x slower (90 vs 25 ms at 100,000 rows)."""


def _outcome(matches: Sequence[Match], abstained: bool) -> SearchOutcome:
    hits = tuple(SearchHit(match.product_id, round(match.score, 4)) for match in matches)
    return SearchOutcome(hits=hits, abstained=abstained)


class EdgePhotoSearch:
    """Implements `kiosk.ports.PhotoSearch` with the agent's searcher on the tapped camera."""

    def __init__(self, searcher: Callable[[], PhotoSearcher | None], frames: LatestFrame) -> None:
        """Creates the adapter.

        Args:
            searcher: returns the running agent's photo searcher (None while it has none).
            frames: the slot the agent's frame tap fills.
        """
        self._searcher = searcher
        self._frames = frames

    def search_frame(self, timeout_s: float) -> SearchOutcome:
        """Searches the next camera frame.

        Raises:
            FeatureUnavailable: no searcher or index yet, or no frame within `timeout_s`.
        """
        searcher = self._searcher()
        if searcher is None:
            raise FeatureUnavailable("Photo search is starting. Please try again in a moment.")
        image = self._next_image(timeout_s)
        try:
            result = searcher.search_frame(image, trigger="kiosk_snap")
        except SearchUnavailable as exc:
            logger.warning("photo search unavailable: %s", exc)
            raise FeatureUnavailable("Photo search is waiting for the store's catalog.") from exc
        return _outcome(result.matches, result.abstained)

    def _next_image(self, timeout_s: float) -> npt.NDArray[np.uint8]:
        after = self._frames.listen()
        try:
            tapped = self._frames.wait_newer(after, timeout_s)
        finally:
            self._frames.release()
        if tapped is None:
            raise FeatureUnavailable("The camera sent no picture. Please try again.")
        return tapped.frame.image


@dataclass(frozen=True, slots=True)
class ProductText:
    """What text search knows of one product.

    Attributes:
        gtin: GTIN-14.
        text: name, brand, category and description, as embedded.
        price_cents: base price (the kiosk re-checks the store price on the card).
        age_months: (youngest, oldest) for kids' products, else None.
    """

    gtin: str
    text: str
    price_cents: int
    age_months: tuple[int | None, int | None] | None = None


class CatalogText(BaseModel):
    """The fields of a catalog product that text search reads (others are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    gtin: str = Field(pattern=r"^\d{14}$", description="GTIN-14")
    name: str = Field(min_length=1, description="product name")
    brand: str = Field(default="", description="brand name")
    category: str = Field(default="", description="top-level category")
    subcategory: str = Field(default="", description="finer category")
    description: str = Field(default="", description="shopper-facing text")
    price_cents: int = Field(ge=0, description="base price in minor units")
    age_min_months: int | None = Field(default=None, ge=0, description="kids: youngest age")
    age_max_months: int | None = Field(default=None, ge=0, description="kids: oldest age")


def product_texts(products: Sequence[CatalogText]) -> list[ProductText]:
    """The searchable text of catalog products."""
    rows = []
    for p in products:
        text = f"{p.name}. {p.brand}. {p.category}, {p.subcategory}. {p.description}"
        ages = None
        if p.age_min_months is not None or p.age_max_months is not None:
            ages = (p.age_min_months, p.age_max_months)
        rows.append(ProductText(p.gtin, text, p.price_cents, ages))
    return rows


def load_catalog_texts(path: Path) -> list[ProductText]:
    """Reads the products of a catalog file (`{"products": [...]}`, as central's seed).

    Raises:
        ValueError: the file is not a catalog (the message says what is wrong).
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        products = [CatalogText.model_validate(row) for row in raw["products"]]
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not a catalog with products: {exc}") from exc
    return product_texts(products)


def local_text_rows(embedder: TextEmbedder, products: Sequence[ProductText]) -> TextRows:
    """Embeds `products` on this kiosk (a few ms each): the path without the hub's text rows.

    Raises:
        ValueError: no products, or a GTIN listed twice.
    """
    listing = TextList(
        products=[
            ProductTextEntry(
                gtin=p.gtin,
                text=p.text,
                price_cents=p.price_cents,
                age_min_months=None if p.age_months is None else p.age_months[0],
                age_max_months=None if p.age_months is None else p.age_months[1],
            )
            for p in products
        ]
    )
    model = (embedder.model.name, embedder.model.entry.sha256)
    return embed_text_rows(
        listing, embed=embedder.embed, model=model, cache=TextVectorCache(None), dtype="float32"
    )


class LocalTextRows:
    """Text rows embedded on this kiosk from a catalog file, once, on first use."""

    def __init__(self, embedder: TextEmbedder, products: Sequence[ProductText]) -> None:
        """Keeps what to embed; `prepare` (or the first call) embeds it."""
        self._embedder = embedder
        self._products = tuple(products)
        self._lock = threading.Lock()
        self._rows: TextRows | None = None

    def prepare(self) -> None:
        """Embeds every product's text once; later calls return at once."""
        with self._lock:
            if self._rows is None:
                self._rows = local_text_rows(self._embedder, self._products)
                logger.info("text search ready: %d products embedded here", len(self._products))

    def __call__(self) -> TextRows:
        """The rows (embedded now if `prepare` has not run)."""
        self.prepare()
        assert self._rows is not None  # set by prepare
        return self._rows


def filter_mask(rows: TextRows, query: TextQuery) -> npt.NDArray[np.bool_]:
    """(P,) True where a product passes the query's price and age filters (vectorised)."""
    keep = np.ones(rows.count, dtype=np.bool_)
    if query.max_price_cents is not None:
        keep &= rows.price_cents <= query.max_price_cents
    if query.min_price_cents is not None:
        keep &= rows.price_cents >= query.min_price_cents
    if query.age_months is not None:
        low, high = rows.age_min_months, rows.age_max_months
        keep &= (low == NO_AGE) | (low <= query.age_months)
        keep &= (high == NO_AGE) | (high >= query.age_months)
    return keep


def _best(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.intp]:
    """Rows of the k best finite scores, best first (ties keep row order)."""
    finite = int(np.isfinite(scores).sum())
    wanted = min(k, finite)
    if wanted == 0:
        return np.zeros(0, dtype=np.intp)
    rows = np.argpartition(-scores, wanted - 1)[:wanted] if wanted < len(scores) else None
    order = np.arange(len(scores)) if rows is None else np.sort(rows)
    return order[np.argsort(-scores[order], kind="stable")][:wanted]


class EdgeTextSearch:
    """Implements `kiosk.ports.TextSearch` with MiniLM: the query embedded here, the product rows
    shipped by the hub in the index (or, without an index, embedded here from a catalog file)."""

    def __init__(
        self,
        embedder: TextEmbedder,
        rows: Callable[[], TextRows | None],
        *,
        k: int = TEXT_K,
        threshold: float = TEXT_THRESHOLD,
        float32_budget_mb: float = FLOAT32_BUDGET_MB,
    ) -> None:
        """Creates the search.

        Args:
            embedder: the MiniLM text embedder (the model the rows were built with).
            rows: returns the product rows a query starting now uses (None: none yet).
            k: hits returned at most.
            threshold: best cosine below which the result is "not sure".
            float32_budget_mb: scan a float32 copy of rows up to this size (0: never).
        """
        self._embedder = embedder
        self._rows = rows
        self._k = k
        self._threshold = threshold
        self._budget_bytes = float32_budget_mb * 1e6
        self._lock = threading.Lock()
        self._scan: tuple[TextRows, CatalogIndex] | None = None

    @classmethod
    def from_products(
        cls,
        embedder: TextEmbedder,
        products: Sequence[ProductText],
        *,
        k: int = TEXT_K,
        threshold: float = TEXT_THRESHOLD,
    ) -> EdgeTextSearch:
        """A search over `products` embedded on this kiosk (`prepare` warms it)."""
        return cls(embedder, LocalTextRows(embedder, products), k=k, threshold=threshold)

    def prepare(self) -> None:
        """Embeds locally listed products now, or readies the scan copy of the hub's rows."""
        if isinstance(self._rows, LocalTextRows):
            self._rows.prepare()
        rows = self._rows()
        if rows is not None:
            self._scan_index(rows)

    def _current_rows(self) -> TextRows:
        rows = self._rows()
        if rows is None:
            raise FeatureUnavailable("Text search is waiting for the store's catalog.")
        sha = self._embedder.model.entry.sha256
        if rows.model_sha256 != sha:
            logger.warning(
                "text search off: rows built with %s (%s), queries use %s (%s)",
                rows.model_name,
                rows.model_sha256[:12],
                self._embedder.model.name,
                sha[:12],
            )
            raise FeatureUnavailable("Text search is waiting for the store's catalog.")
        return rows

    def _scan_index(self, rows: TextRows) -> CatalogIndex:
        """The matrix a query scans: a float32 copy of `rows` (made once per rows object, so
        once per index version) when it fits the budget, else the rows as shipped."""
        index = rows.index
        if index.codes.dtype == np.float32 or index.codes.size * 4 > self._budget_bytes:
            return index
        with self._lock:
            if self._scan is None or self._scan[0] is not rows:
                codes = index.codes.astype(np.float32) * index.scales[:, None]
                scales = np.ones(len(codes), dtype=np.float32)
                self._scan = (rows, replace(index, codes=codes, scales=scales))
            return self._scan[1]

    def search(self, query: TextQuery) -> SearchOutcome:
        """Filters by price and age, then ranks the rest by similarity to `query.text`.

        Raises:
            FeatureUnavailable: no product rows yet, or rows of another text model.
        """
        rows = self._current_rows()
        keep = filter_mask(rows, query)
        if not keep.any():
            return SearchOutcome(hits=(), abstained=True)
        if query.text:
            scores = score_rows(self._scan_index(rows), self._embedder.embed(query.text))
        else:  # constraints only: every product that passes is as good as any other
            scores = np.ones(rows.count, dtype=np.float32)
        scores = np.where(keep, scores, -np.inf).astype(np.float32)
        ids = rows.index.product_ids
        matches = [Match(ids[row], float(scores[row]), False) for row in _best(scores, self._k)]
        top = matches[0].score if matches else 0.0
        confident = not query.text or top >= self._threshold
        if confident and query.text:  # an answer: keep the hits that match, not the rest
            matches = [match for match in matches if match.score >= self._threshold]
        logger.info(
            "text search: model %s sha256 %s top %s %.3f threshold %.2f confident %s",
            self._embedder.model.name,
            self._embedder.model.entry.sha256[:12],
            matches[0].product_id if matches else None,
            top,
            self._threshold,
            confident,
        )
        return _outcome(matches, not confident)
