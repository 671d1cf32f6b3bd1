"""Provides `aisle bench photo-query`: one photo search on the device, frame to result, p50/p95.

Builds an index from an image list or folder (what `python -m edge.indexer --images` reads; e.g.
`python tools/make_search_fixture.py --catalog-out DIR`), then runs `PhotoSearcher.search_frame`
on every frame of a replay fixture, `--rounds` times, as the kiosk and the glasses call it:
    detector   YOLOX crop (or the centre fallback) + INT8 embedding + exact search (aisle's path)
    centre     the same without the detector (the peer: what the detector costs)
    search_*   the exact search alone on the same queries, over the index padded with distractor
               rows to 10,000 and 100,000 rows (what catalog size costs)
It prints one JSON object: `{"index": {...}, "latency_ms": {"<path>": {"p50", "p95", "n"}},
"abstained": {"<path>": share}}`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.core.projection import normalise
from edge.core.search import SearchConfig, build_index, search
from edge.index.active import ActiveIndex, LoadedIndex
from edge.index.build import build_index_file, read_image_list
from edge.index.file import IndexData, read_index_file
from edge.inference.detector import ObjectDetector
from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import load_model
from edge.search.searcher import PhotoSearcher
from edge.search_config import DEFAULT_EMBEDDER
from edge.sources.replay import ReplaySource

REPO = Path(__file__).resolve().parents[2]
DEFAULT_REPLAY = REPO / "tests" / "fixtures" / "replays" / "photo_search_shelf"
DEFAULT_MODELS = REPO / "models" / "manifest.json"
PAD_ROWS = (10_000, 100_000)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aisle bench photo-query", description=__doc__)
    parser.add_argument("--images", type=Path, required=True, help="image list JSON or folder")
    parser.add_argument("--replay", type=Path, default=DEFAULT_REPLAY, help="query frames")
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS, help="models manifest")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the frames")
    return parser


def _frames(replay: Path) -> list[npt.NDArray[np.uint8]]:
    source = ReplaySource(replay, fps=1000)
    source.open()
    frames = []
    try:
        while (frame := source.read()) is not None:
            frames.append(frame.image)
    finally:
        source.close()
    return frames


def _stats(values: Sequence[float]) -> dict[str, float]:
    data = np.asarray(values, dtype=np.float64)
    return {
        "p50": round(float(np.percentile(data, 50)), 2),
        "p95": round(float(np.percentile(data, 95)), 2),
        "n": len(values),
    }


def _padded(data: IndexData, rows: int) -> IndexData:
    index = data.index
    extra = max(0, rows - len(index.codes))
    noise = normalise(np.random.default_rng(0).standard_normal((extra, index.dim)))
    codes = index.codes.astype(np.float32) * index.scales[:, None]
    products = np.concatenate([index.row_products, len(index.product_ids) + np.arange(extra)])
    ids = [*index.product_ids, *(f"9{n:013d}" for n in range(extra))]
    stock = np.concatenate([index.in_stock, np.ones(extra, np.bool_)])
    padded = build_index(np.concatenate([codes, noise]), products, ids, stock, dtype="int8")
    return replace(data, index=padded)


def _search_only(
    data: IndexData, queries: list[npt.NDArray[np.float32]], rounds: int
) -> dict[str, dict[str, float]]:
    out = {}
    for rows in PAD_ROWS:
        padded = _padded(data, rows)
        config = SearchConfig(threshold=0.0)
        times = []
        for _ in range(rounds):
            for query in queries:
                started = time.perf_counter()
                search(padded.index, query, config)
                times.append((time.perf_counter() - started) * 1000)
        out[f"search_{rows}"] = _stats(times)
    return out


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark; prints JSON; returns the exit code."""
    args = _parser().parse_args(argv)
    embedder = ImageEmbedder(load_model(args.models, DEFAULT_EMBEDDER))
    detector = ObjectDetector(load_model(args.models, "yolox_nano"))
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "index.npz"
        model = (embedder.model.name, embedder.model.entry.sha256)
        summary = build_index_file(
            read_image_list(args.images), out, embed=embedder.embed, model=model
        )
        data = read_index_file(out)
    active = ActiveIndex(LoadedIndex("bench", data))
    frames = _frames(args.replay)
    report: dict[str, Any] = {
        "index": {"products": summary.products, "rows": summary.count},
        "latency_ms": {},
        "abstained": {},
    }
    for name, crop_with in (("detector", detector), ("centre", None)):
        searcher = PhotoSearcher(embedder, active.current, detector=crop_with)
        results = [searcher.search_frame(f) for _ in range(args.rounds) for f in frames]
        report["latency_ms"][name] = _stats([r.latency_ms for r in results])
        report["abstained"][name] = round(float(np.mean([r.abstained for r in results])), 3)
    queries = [data.projection.apply(embedder.embed(f)) for f in frames]
    report["latency_ms"].update(_search_only(data, queries, args.rounds))
    print(json.dumps(report))
    return 0
