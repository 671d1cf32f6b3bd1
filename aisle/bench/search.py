"""Provides `aisle bench search`: photo-search recall and latency, aisle vs baselines, in one run.

Methods, all scored through aisle's int8 index and exact search:
- `histogram`: HSV colour histogram (Hellinger), the weakest baseline;
- `plain`: global-average-pooled ImageNet features of EfficientNet-Lite0 fp32, cosine;
- `aisle_fp32` / `aisle_int8`: aisle's embedding model (`--model`, default EfficientNet-Lite0
  fine-tuned for product photos, `tools/train_image_embedder.py`; fp32 / static INT8) with the
  projection fitted
  from the reference photos (`train` rows), the catalog images, their mirror images and synthetic
  shelf views of the catalog images (`edge/core/augment.py`); never from query rows.
Recall for (a) query photo -> the product's catalog image and (b) -> per-product centroid of its
reference photos + catalog image. Latency: one query end to end (preprocess, INT8 embedding,
projection, exact search) at 10,000 and 100,000 products, the gallery padded with distractors.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aisle.bench.search_data import (
    F32,
    I64,
    Dataset,
    Image,
    colour_histogram,
    evaluate,
    load_dataset,
    product_centroids,
    read_images,
)
from edge.core.augment import flip_horizontal, synthetic_views
from edge.core.projection import Projection, fit_projection, normalise
from edge.core.search import SearchConfig, build_index, search
from edge.inference.detector import ObjectDetector
from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import RuntimeConfig, load_model

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL = "efficientnet_lite0_retail"
PLAIN_MODEL = "efficientnet_lite0_fp32"


def augmented(
    embedder: ImageEmbedder, images: Sequence[Image], data: Dataset, views_per_catalog: int
) -> tuple[F32, I64]:
    """Features and labels of mirrored reference + catalog images and synthetic catalog views."""
    rng = np.random.default_rng(0)
    rows = np.nonzero(data.mask("train") | data.mask("gallery_iconic"))[0]
    extra = [flip_horizontal(images[int(i)]) for i in rows]
    labels = list(data.labels[rows])
    for i in np.nonzero(data.mask("gallery_iconic"))[0]:
        extra += synthetic_views(images[int(i)], views_per_catalog, rng)
        labels += [data.labels[i]] * views_per_catalog
    return embedder.embed_many(extra), np.asarray(labels, dtype=np.int64)


def fit_for(features: F32, data: Dataset, extra: tuple[F32, I64]) -> Projection:
    """Fits the projection on reference photos (`train` rows), catalog images and augmentations."""
    train = data.mask("train")
    iconic = np.nonzero(data.mask("gallery_iconic"))[0]
    anchors = features[iconic[np.argsort(data.labels[iconic])]]
    samples = np.concatenate([features[train], extra[0]])
    return fit_projection(samples, np.concatenate([data.labels[train], extra[1]]), anchors)


def _distractors(space: F32, count: int, seed: int = 0) -> F32:
    """Unit vectors near real gallery embeddings (mixes of two plus noise), `count` rows."""
    rng = np.random.default_rng(seed)
    first = space[rng.integers(0, len(space), count)]
    second = space[rng.integers(0, len(space), count)]
    noise = rng.standard_normal(first.shape).astype(np.float32) * 0.05
    return normalise(first + rng.uniform(0.2, 0.8, (count, 1)).astype(np.float32) * second + noise)


def _percentiles(times_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(times_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2)}


def measure_latency(
    embedder: ImageEmbedder,
    projection: Projection,
    gallery: F32,
    queries: Sequence[Image],
    sizes: Sequence[int],
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """End-to-end and search-only query latency at each gallery size (products)."""
    total: dict[str, dict[str, float]] = {}
    search_only: dict[str, dict[str, float]] = {}
    config = SearchConfig()
    for size in sizes:
        rows = np.concatenate([gallery, _distractors(gallery, max(0, size - len(gallery)))])
        index = build_index(
            rows, np.arange(len(rows)), [str(i) for i in range(len(rows))], [True] * len(rows)
        )
        times, searches = [], []
        for image in queries:
            start = time.perf_counter()
            query = projection.apply(embedder.embed(image))
            middle = time.perf_counter()
            search(index, query, config)
            end = time.perf_counter()
            times.append((end - start) * 1000.0)
            searches.append((end - middle) * 1000.0)
        total[str(size)] = _percentiles(times)
        search_only[str(size)] = _percentiles(searches)
    return total, search_only


def abstention(
    features: F32, data: Dataset, projection: Projection, threshold: float
) -> dict[str, float]:
    """Answered share and precision of the answered queries at a fixed threshold, for (a).

    The threshold is a shipped default (`SearchConfig.threshold`), tuned once on the grocery val
    split for 90% precision; on another query set (the held-out copy) this checks that it holds.
    """
    space = projection.apply(features)
    iconic, query = data.mask("gallery_iconic"), data.mask("query")
    gallery = space[iconic][np.argsort(data.labels[iconic])]
    scores = space[query] @ gallery.T
    accepted = scores.max(1) >= threshold
    right = scores.argmax(1) == data.labels[query]
    return {
        "threshold": threshold,
        "answered": round(float(accepted.mean()), 4),
        "precision_answered": round(float(right[accepted].mean()) if accepted.any() else 1.0, 4),
        "recall_at_1_all": round(float(right.mean()), 4),
    }


def crop_recall(
    detector: ObjectDetector,
    embedder: ImageEmbedder,
    projection: Projection,
    images: Sequence[Image],
    data: Dataset,
    features: F32,
) -> dict[str, float]:
    """(a)/(b) recall with query photos cropped to their main object (gallery unchanged)."""
    query = np.nonzero(data.mask("query"))[0]
    cropped = features.copy()
    for row in query:
        cropped[row] = embedder.embed(detector.crop_main_object(images[int(row)]))
    return evaluate(cropped, data, projection.apply)


def _dataset_facts(data: Dataset, threads: int, model: str) -> dict[str, Any]:
    return {
        "aisle_model": model,
        "index": "int8 rows with per-row scale, 128-d, exact scan; one row per product",
        "queries": int(data.mask("query").sum()),
        "products": data.products,
        "reference_photos": int(data.mask("train").sum()),
        "threads": threads,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Runs every method and the latency measurement; returns the JSON document."""
    data = load_dataset(args.manifest, args.query_role)
    images = read_images(data.paths)
    runtime = RuntimeConfig(intra_op_threads=args.threads)
    methods = {
        "histogram": evaluate(np.stack([colour_histogram(i) for i in images]), data, normalise)
    }
    plain = ImageEmbedder(load_model(args.models, PLAIN_MODEL, config=runtime))
    methods["plain"] = evaluate(plain.embed_many(images), data, normalise)
    feats, projections, embedders = {}, {}, {}
    for precision in ("fp32", "int8"):
        name = f"{args.model}_{precision}"
        embedder = ImageEmbedder(load_model(args.models, name, config=runtime))
        embedders[precision], feats[precision] = embedder, embedder.embed_many(images)
        extra = augmented(embedder, images, data, args.views)
        projections[precision] = fit_for(feats[precision], data, extra)
        methods[f"aisle_{precision}"] = evaluate(
            feats[precision], data, projections[precision].apply
        )
    space = projections["int8"].apply(feats["int8"])
    reference = data.mask("train") | data.mask("gallery_iconic")
    gallery = product_centroids(space[reference], data.labels[reference], data.products)
    query_images = [images[i] for i in np.nonzero(data.mask("query"))[0]][: args.latency_queries]
    latency, search_only = measure_latency(
        embedders["int8"], projections["int8"], gallery, query_images, args.sizes
    )
    detector = ObjectDetector(load_model(args.models, "yolox_nano", config=runtime))
    crop = crop_recall(
        detector, embedders["int8"], projections["int8"], images, data, feats["int8"]
    )
    extras = {
        "aisle_int8_query_crop_yolox": crop,
        "abstention_aisle_int8_iconic": abstention(
            feats["int8"], data, projections["int8"], args.threshold
        ),
        "search_only_latency_ms": search_only,
        **_dataset_facts(data, args.threads, args.model),
    }
    return {"methods": methods, "latency_ms": latency, "extras": extras}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aisle bench search", description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True, help="dataset manifest.csv")
    parser.add_argument("--query-role", default="val", help="role of the query rows")
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    parser.add_argument(
        "--models",
        type=Path,
        default=REPO_ROOT / "models" / "manifest.json",
        help="models/manifest.json",
    )
    parser.add_argument(
        "--model",
        default=MODEL,
        help="aisle's embedding model, without the _fp32/_int8 suffix (efficientnet_lite0 = "
        "the ImageNet weights, as in session 1)",
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="gallery sizes (products) for the latency measurement",
    )
    parser.add_argument("--latency-queries", type=int, default=100, help="queries timed per size")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    parser.add_argument(
        "--views", type=int, default=10, help="synthetic views per catalog image (projection fit)"
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=SearchConfig().threshold,
        help="abstention threshold (default: the shipped one)",
    )
    return parser


def _table(result: dict[str, Any]) -> str:
    lines = [f"{'method':<12} {'iconic@1':>9} {'iconic@5':>9} {'ref@1':>7} {'ref@5':>7}"]
    for name, row in result["methods"].items():
        lines.append(
            f"{name:<12} {row['iconic_r1']:>9.3f} {row['iconic_r5']:>9.3f} "
            f"{row['reference_r1']:>7.3f} {row['reference_r5']:>7.3f}"
        )
    for size, row in result["latency_ms"].items():
        lines.append(f"latency at {size} products: p50 {row['p50']} ms, p95 {row['p95']} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark; exits 2 on unreadable input."""
    args = _parser().parse_args(argv)
    try:
        result = run(args)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"aisle bench search: {exc}", file=sys.stderr)
        return 2
    if not args.json:
        print(_table(result))
    print(json.dumps(result, indent=None if args.json else 2))
    return 0
