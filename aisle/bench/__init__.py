"""Provides `aisle bench <name>`: benchmarks that print JSON beside their peer, same run."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

# benchmark -> ("module:function", one-line help)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "barcode": ("aisle.bench.barcode:main", "decode rate and speed: aisle vs pyzbar vs zxing-cpp"),
    "search": ("aisle.bench.search:main", "photo search recall and latency vs baselines"),
    "photo-query": ("aisle.bench.photo_query:main", "one photo search on the device, p50/p95"),
    "text-search": ("aisle.bench.text_search:main", "kiosk text search at 100k: start + query"),
    "index": ("aisle.bench.index_transfer:main", "index distribution time vs raw MQTT QoS 1"),
    "tryon": ("aisle.bench.tryon:main", "try-on fps, jitter and anchor error"),
    "card": ("aisle.bench.card:main", "scan event to product card latency"),
    "ingest": ("aisle.bench.ingest:main", "hub ingest rate through a real broker"),
    "reconcile": ("aisle.bench.reconcile:main", "central sync at scale"),
    "dashboard": ("aisle.bench.dashboard:main", "dashboard page render times"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one benchmark by name.

    Args:
        argv: `[name, *options]`.

    Returns:
        The benchmark's exit code (2 for an unknown or unavailable benchmark).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: aisle bench <name> [options]\n\nbenchmarks:")
        for name, (_, help_text) in BENCHMARKS.items():
            print(f"  {name:<10} {help_text}")
        return 0
    if args[0] not in BENCHMARKS:
        print(f"aisle bench: unknown benchmark {args[0]!r}", file=sys.stderr)
        return 2
    module_name, func_name = BENCHMARKS[args[0]][0].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        print(f"aisle bench: {args[0]!r} is not built yet", file=sys.stderr)
        return 2
    func: Callable[[list[str]], int] = getattr(module, func_name)
    return func(args[1:])
