"""Provides `aisle bench text-search`: kiosk text search at 100,000 products, before and after
the hub ships the text rows in the index.

Products: the demo catalog's texts, multiplied into `--products` distinct texts (a variant word
and a number per copy; prices and ages varied). Measured in one run:
    before   the kiosk embeds every product text with MiniLM at start (the path without rows
             from the hub), then answers with a float32 matrix and a per-product filter loop
             (the algorithm of the previous kiosk code, kept here as the peer)
    after    the kiosk loads the index file holding the hub's INT8 text rows and makes its
             float32 scan copy (start), then embeds only the query and scans the rows with
             vectorised filters
    hub      what the hub pays instead: embedding rate per text, and a rebuild in which
             `--changed-share` of the texts changed (the cache holds the rest)
Embedding all 100,000 texts takes minutes on 2 cores, so `before.start_s` embeds
`--sample` texts and scales the time to `--products` (`start_s_measured_on` says how many);
`--full` embeds them all. The after-file's rows are the sample's real rows repeated (its load
time and scan speed do not depend on the values). Query latency is p50/p95 over `--rounds`
passes of the queries. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from aisle.kiosk_search import EdgeTextSearch, ProductText, load_catalog_texts
from edge.core.projection import Projection
from edge.core.search import build_index
from edge.index.file import IndexData, IndexMeta, read_index_file, write_index_file
from edge.index.text_rows import (
    NO_AGE,
    TextList,
    TextRows,
    TextVectorCache,
    embed_text_rows,
)
from edge.inference.runtime import load_model
from edge.inference.text_embedder import TextEmbedder
from kiosk.ports import TextQuery
from kiosk.text_query import parse_query

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODELS = REPO / "models" / "manifest.json"
DEFAULT_CATALOG = REPO / "central" / "data" / "demo_catalog.json"
TEXT_MODEL = "all_minilm_l6_v2_int8"
VARIANTS = ("classic", "family pack", "organic", "compact", "deluxe", "travel", "mini", "xl")
QUERIES = (
    "kids car seat for a 6 year old under 200",
    "oat milk",
    "waterproof jacket under 80",
    "toy for a 3 year old",
    "coffee beans",
    "running shoes between 50 and 120",
    "something for a baby under 30",
    "dark chocolate",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aisle bench text-search", description=__doc__)
    parser.add_argument("--products", type=int, default=100_000, help="catalog size")
    parser.add_argument("--sample", type=int, default=1000, help="texts embedded for real")
    parser.add_argument("--full", action="store_true", help="embed every text for `before`")
    parser.add_argument("--changed-share", type=float, default=0.01, help="hub rebuild: changed")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the queries")
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS, help="models manifest")
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG, help="catalog JSON")
    parser.add_argument("--json", action="store_true", help="accepted; the output is JSON")
    return parser


def grow_catalog(base: Sequence[ProductText], count: int) -> list[ProductText]:
    """`count` distinct product texts made from `base` (deterministic)."""
    rng = np.random.default_rng(7)
    out = []
    for i in range(count):
        p = base[i % len(base)]
        copy = i // len(base)
        variant = VARIANTS[copy % len(VARIANTS)]
        text = p.text if copy == 0 else f"{p.text} {variant} {copy}"
        price = int(p.price_cents * float(rng.uniform(0.7, 1.4))) if copy else p.price_cents
        out.append(ProductText(f"{i + 1:014d}", text, price, p.age_months))
    return out


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    values = np.asarray(samples_ms)
    p50, p95 = np.percentile(values, [50, 95])
    return {"p50": round(float(p50), 2), "p95": round(float(p95), 2), "n": len(samples_ms)}


def _time_queries(answer: Callable[[TextQuery], object], rounds: int) -> dict[str, float]:
    queries = [parse_query(text) for text in QUERIES]
    answer(queries[0])  # warm-up
    samples = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            answer(query)
            samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


class LegacyTextSearch:
    """The previous kiosk algorithm: float32 rows, a Python filter loop, a full sort."""

    def __init__(
        self, embedder: TextEmbedder, products: Sequence[ProductText], vectors: npt.NDArray[Any]
    ) -> None:
        """Keeps the products and their (N, 384) float32 embeddings."""
        self._embedder = embedder
        self._products = products
        self._vectors = vectors

    def search(self, query: TextQuery) -> list[str]:
        """Top 6 GTINs after the filters."""
        keep = np.ones(len(self._products), dtype=np.bool_)
        for row, product in enumerate(self._products):
            if query.max_price_cents is not None and product.price_cents > query.max_price_cents:
                keep[row] = False
            if query.min_price_cents is not None and product.price_cents < query.min_price_cents:
                keep[row] = False
            if query.age_months is not None and product.age_months is not None:
                low, high = product.age_months
                if (low is not None and query.age_months < low) or (
                    high is not None and query.age_months > high
                ):
                    keep[row] = False
        scores = self._vectors @ self._embedder.embed(query.text or "")
        scores = np.where(keep, scores, -np.inf)
        return [self._products[row].gtin for row in np.argsort(-scores, kind="stable")[:6]]


def _listing(products: Sequence[ProductText]) -> TextList:
    rows = []
    for p in products:
        low, high = p.age_months if p.age_months is not None else (None, None)
        rows.append(
            {"gtin": p.gtin, "text": p.text, "price_cents": p.price_cents}
            | {"age_min_months": low, "age_max_months": high}
        )
    return TextList.model_validate({"products": rows})


def _tile_rows(sample: TextRows, products: Sequence[ProductText]) -> TextRows:
    """Rows for every product: the sample's real rows repeated (values do not change speed)."""
    take = np.arange(len(products)) % sample.count
    index = replace(
        sample.index,
        codes=sample.index.codes[take],
        scales=sample.index.scales[take],
        row_products=np.arange(len(products), dtype=np.int64),
        product_ids=tuple(p.gtin for p in products),
        in_stock=np.ones(len(products), dtype=np.bool_),
    )
    full = _listing(products).products
    return TextRows(
        index=index,
        price_cents=np.asarray([p.price_cents for p in full], dtype=np.int64),
        age_min_months=np.asarray(
            [NO_AGE if p.age_min_months is None else p.age_min_months for p in full], np.int32
        ),
        age_max_months=np.asarray(
            [NO_AGE if p.age_max_months is None else p.age_max_months for p in full], np.int32
        ),
        model_name=sample.model_name,
        model_sha256=sample.model_sha256,
    )


def _index_file(folder: Path, rows: TextRows) -> Path:
    """An index file with one photo row and the text rows (as the hub ships it)."""
    photo = build_index(np.ones((1, 8), np.float32) / np.sqrt(8), [0], ["00000000000001"], [True])
    data = IndexData(photo, Projection.identity(8), IndexMeta("bench", "0" * 64, 1, 0), rows)
    path = folder / "index.npz"
    write_index_file(path, data)
    return path


def _embedder(models: Path) -> tuple[TextEmbedder, float]:
    start = time.perf_counter()
    embedder = TextEmbedder.from_model(load_model(models, TEXT_MODEL))
    return embedder, time.perf_counter() - start


def measure_before(
    embedder: TextEmbedder, products: Sequence[ProductText], args: argparse.Namespace
) -> tuple[dict[str, Any], npt.NDArray[np.float32]]:
    """Kiosk start (embed every text; the sample scaled unless `--full`) and query latency."""
    count = len(products) if args.full else min(args.sample, len(products))
    start = time.perf_counter()
    sample = embedder.embed_many([p.text for p in products[:count]])
    embed_s = time.perf_counter() - start
    vectors = sample[np.arange(len(products)) % count]
    legacy = LegacyTextSearch(embedder, products, vectors)
    result = {
        "start_s": round(embed_s * len(products) / count, 1),
        "start_s_measured_on": count,
        "embed_ms_per_text": round(embed_s * 1000 / count, 2),
        "query_ms": _time_queries(legacy.search, args.rounds),
    }
    return result, sample


def measure_after(
    embedder: TextEmbedder,
    products: Sequence[ProductText],
    sample_vectors: npt.NDArray[np.float32],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Kiosk start with the hub's rows (load the index file) and query latency on them."""
    count = len(sample_vectors)
    sample = build_index(
        sample_vectors, np.arange(count), [p.gtin for p in products[:count]], [True] * count
    )
    rows = TextRows(
        sample,
        np.zeros(count, np.int64),
        np.full(count, NO_AGE, np.int32),
        np.full(count, NO_AGE, np.int32),
        embedder.model.name,
        embedder.model.entry.sha256,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = _index_file(Path(folder), _tile_rows(rows, products))
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        loaded = read_index_file(path).texts
        search = EdgeTextSearch(embedder, lambda: loaded)
        search.prepare()  # the float32 scan copy, as the kiosk's warm-up makes it
        load_s = time.perf_counter() - start
    return {
        "start_s": round(load_s, 2),
        "file_mb": round(size_mb, 1),
        "query_ms": _time_queries(search.search, args.rounds),
    }


def measure_hub(
    embedder: TextEmbedder, products: Sequence[ProductText], args: argparse.Namespace
) -> dict[str, Any]:
    """The hub's rebuild: `--changed-share` of the texts new, the rest from the cache."""
    changed = max(1, int(len(products) * args.changed_share))
    listing = _listing(products)
    model = (embedder.model.name, embedder.model.entry.sha256)
    cache = TextVectorCache(None)
    filler = np.zeros(384, np.float32)
    filler[0] = 1.0
    for entry in listing.products[changed:]:  # earlier builds embedded these
        cache.vector(model[1], entry.text, lambda _text: filler)
    cache.hits = cache.misses = 0
    start = time.perf_counter()
    rows = embed_text_rows(listing, embed=embedder.embed, model=model, cache=cache)
    rebuild_s = time.perf_counter() - start
    return {
        "rebuild_s": round(rebuild_s, 1),
        "texts": rows.count,
        "embedded": cache.misses,
        "cached": cache.hits,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark and prints its JSON."""
    args = _parser().parse_args(argv)
    embedder, model_load_s = _embedder(args.models)
    products = grow_catalog(load_catalog_texts(args.catalog), args.products)
    before, sample = measure_before(embedder, products, args)
    after = measure_after(embedder, products, sample, args)
    before["start_s"] = round(before["start_s"] + model_load_s, 1)
    after["start_s"] = round(after["start_s"] + model_load_s, 2)
    report = {
        "products": len(products),
        "model_load_s": round(model_load_s, 2),
        "before": before,
        "after": after,
        "hub": measure_hub(embedder, products, args),
    }
    print(json.dumps(report))
    return 0
