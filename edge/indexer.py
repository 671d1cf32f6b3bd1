"""Provides `python -m edge.indexer`: embeds product images into a photo-search index file.

The hub runs this as a child process to build each index version (the hub never imports edge
code). It prints one JSON line (`BuildSummary`) on stdout; errors go to stderr with exit code 2
(bad input) or 3 (model unavailable).

    python -m edge.indexer --images LIST.json|DIR --out index.npz \
        [--models models/manifest.json] [--model efficientnet_lite0_int8] [--dtype int8] \
        [--texts TEXTS.json [--text-cache CACHE.npz] [--text-model all_minilm_l6_v2_int8]] \
        [--parent-pid PID]

With `--parent-pid` (the hub passes its own) the indexer asks Linux for SIGTERM when the thread
that started it exits, and exits at once (code 4) if that process is already gone, so a hub killed
with SIGKILL mid-build leaves no indexer running.

With `--texts` the file also carries one MiniLM row per product for text search
(`edge/index/text_rows.py`); the summary then has `texts`, `text_embedded` and `text_cached`.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from edge.errors import EdgeError
from edge.index.build import build_index_file, read_image_list, summary_json
from edge.index.file import read_index_file, write_index_file
from edge.index.text_rows import (
    TextVectorCache,
    embed_text_rows,
    read_text_list,
    text_cache_keys,
)
from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import load_model
from edge.inference.text_embedder import TextEmbedder
from edge.search_config import DEFAULT_EMBEDDER

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODELS = REPO_ROOT / "models" / "manifest.json"
DEFAULT_TEXT_MODEL = "all_minilm_l6_v2_int8"
EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_NO_MODEL = 3
EXIT_PARENT_GONE = 4
_PR_SET_PDEATHSIG = 1


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of the indexer."""
    parser = argparse.ArgumentParser(prog="python -m edge.indexer", description=__doc__)
    parser.add_argument("--images", type=Path, required=True, help="image list JSON or folder")
    parser.add_argument("--out", type=Path, required=True, help="index file to write")
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS, help="models manifest")
    parser.add_argument("--model", default=DEFAULT_EMBEDDER, help="embedding model name")
    parser.add_argument("--dtype", choices=("int8", "float16", "float32"), default="int8")
    parser.add_argument("--no-projection", action="store_true", help="never fit a projection")
    parser.add_argument("--texts", type=Path, help="product text list JSON: add text rows")
    parser.add_argument("--text-cache", type=Path, help="text embeddings kept between builds")
    parser.add_argument("--text-model", default=DEFAULT_TEXT_MODEL, help="text model name")
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ...")
    parser.add_argument("--parent-pid", type=int, help="exit when this process (the hub) dies")
    return parser


def die_with_parent(parent_pid: int) -> bool:
    """Asks Linux to send this process SIGTERM when its parent dies.

    `PR_SET_PDEATHSIG` fires when the parent *thread* that started this process exits; the hub
    starts the indexer from its build thread, which waits for the run. Same few lines as
    `aisle.processes.die_with_parent` (a preexec there): edge cannot import aisle, and no shared
    package besides the wire contracts exists, so they are written twice.

    Args:
        parent_pid: the process that started this one.

    Returns:
        False if the parent is already gone (it died before the request took effect).
    """
    libc_name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    if libc_name is not None:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    return os.getppid() == parent_pid


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the indexer; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    if args.parent_pid is not None and not die_with_parent(args.parent_pid):
        print(f"edge.indexer: parent {args.parent_pid} is gone", file=sys.stderr)
        return EXIT_PARENT_GONE
    fields = embed_images(args)
    if isinstance(fields, int):
        return fields
    if args.texts is not None:
        try:
            fields |= add_text_rows(args)
        except ValueError as exc:
            print(f"edge.indexer: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except EdgeError as exc:
            print(f"edge.indexer: model {args.text_model}: {exc}", file=sys.stderr)
            return EXIT_NO_MODEL
    print(json.dumps(fields))
    return EXIT_OK


def embed_images(args: argparse.Namespace) -> dict[str, object] | int:
    """Embeds the images of `args.images` into the index file `args.out`.

    Returns:
        The summary fields, or an exit code (bad input, model unavailable) after printing why.
    """
    try:
        listing = read_image_list(args.images)
    except ValueError as exc:
        print(f"edge.indexer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        embedder = ImageEmbedder(load_model(args.models, args.model))
    except EdgeError as exc:
        print(f"edge.indexer: model {args.model}: {exc}", file=sys.stderr)
        return EXIT_NO_MODEL
    try:
        summary = build_index_file(
            listing,
            args.out,
            embed=embedder.embed,
            model=(embedder.model.name, embedder.model.entry.sha256),
            dtype=args.dtype,
            fit=not args.no_projection,
        )
    except ValueError as exc:
        print(f"edge.indexer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return dict(json.loads(summary_json(summary)))


def add_text_rows(args: argparse.Namespace) -> dict[str, int]:
    """Embeds the product texts of `args.texts` into the index file just written.

    Returns:
        Summary fields: texts (rows), text_embedded (new embeddings), text_cached (reused).

    Raises:
        ValueError: the text list is invalid.
        EdgeError: the text model cannot be loaded.
    """
    listing = read_text_list(args.texts)
    embedder = TextEmbedder.from_model(load_model(args.models, args.text_model))
    model = (embedder.model.name, embedder.model.entry.sha256)
    cache = TextVectorCache(args.text_cache)
    rows = embed_text_rows(
        listing, embed=embedder.embed, model=model, cache=cache, dtype=args.dtype
    )
    cache.save(keep=text_cache_keys(listing, model[1]))
    data = read_index_file(args.out)
    write_index_file(args.out, replace(data, texts=rows))
    return {"texts": rows.count, "text_embedded": cache.misses, "text_cached": cache.hits}


if __name__ == "__main__":
    raise SystemExit(main())
