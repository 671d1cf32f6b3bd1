"""Provides `aisle bench dashboard`: staff page render times on a big store, and how fast a
device event reaches an open live stream.

Builds a hub database (default 100,000 products and 1,000,000 ledger movements, plus events,
reservations, orders, demand, AI decisions and a reconciliation report), serves the real hub
app with uvicorn on a loopback port, logs in as a manager over HTTP, and times each page
(p50/p95 over `--requests` GETs after warm-up). The peer, measured in the same run, is the hub's
cheapest JSON endpoint (`/api/v1/health`): the HTTP floor every page pays. The live figure is
from an event handed to the real ingest processor to its frame on an open `/dashboard/live`
stream read by an SSE client.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

from aisle.bench.dashboard_data import MANAGER, BenchSizes, build_store, gtin_of
from aisle.broker import free_port
from contracts.envelope import Envelope
from contracts.ids import new_ulid
from contracts.topics import events_topic
from hub.api.app import create_app
from hub.api.notifier import EventNotifier
from hub.config import HubSettings
from hub.db import pricing
from hub.db.connection import open_database
from hub.domain.pricing import PricingPolicy
from hub.ingest.processor import EventProcessor

STORE = "bench"
PASSWORD = "bench password 1"
WARMUP = 3
LIVE_EVENTS = 30
WAIT_S = 10.0
SAMPLE = 4242  # the product the GTIN search and the product page show (capped by --products)
PAGES: dict[str, str] = {
    "overview": "/dashboard",
    "stock": "/dashboard/stock",
    "stock_search_name": "/dashboard/stock?q=oat+milk",
    "stock_search_gtin": "/dashboard/stock?q={sample}",
    "stock_category_aisle": "/dashboard/stock?category=category-07&aisle=A8",
    "stock_page_20": "/dashboard/stock?page=20",
    "product": "/dashboard/stock/{sample}",
    "discrepancies": "/dashboard/discrepancies",
    "discrepancies_resolved": "/dashboard/discrepancies?show=resolved",
    "pickups": "/dashboard/pickups",
    "pickups_picked_up": "/dashboard/pickups?tab=picked_up",
    "devices": "/dashboard/devices",
    "device": "/dashboard/devices/kiosk-1",
    "demand_unknown": "/dashboard/demand",
    "demand_out_of_stock": "/dashboard/demand?view=out_of_stock",
    "demand_no_match": "/dashboard/demand?view=no_match",
    "demand_csv": "/dashboard/demand.csv?view=out_of_stock",
    "audit": "/dashboard/audit",
    "audit_by_model": "/dashboard/audit?model=zxing",
    "users": "/dashboard/users",
    "prices": "/dashboard/prices",
    "prices_decided": "/dashboard/prices?tab=decided",
}
PEER = "/api/v1/health"


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of `aisle bench dashboard`."""
    parser = argparse.ArgumentParser(prog="aisle bench dashboard", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    parser.add_argument("--products", type=int, default=100_000, help="catalog size")
    parser.add_argument("--movements", type=int, default=1_000_000, help="ledger movements")
    parser.add_argument("--events", type=int, default=50_000, help="device events today")
    parser.add_argument("--requests", type=int, default=40, help="timed GETs per page")
    parser.add_argument("--db", type=Path, help="reuse/keep the database here (built if absent)")
    return parser


def _stats(times_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(times_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


class Server:
    """The hub app under uvicorn in a thread, with the processor ingest would use."""

    def __init__(self, db_path: Path) -> None:
        self.notifier = EventNotifier()
        settings = HubSettings(store_id=STORE, db_path=db_path)
        self.api_db = open_database(db_path, run_migrations=False)
        app = create_app(settings, self.api_db, notifier=self.notifier)
        self.processor = EventProcessor(
            open_database(db_path, run_migrations=False),
            store_id=STORE,
            clock=lambda: datetime.now(UTC),
            on_applied=self.notifier.notify,
        )
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        """Starts serving and waits until uvicorn accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + WAIT_S
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Closes live streams and stops uvicorn."""
        self.notifier.close()
        self._server.should_exit = True
        self._thread.join(WAIT_S)
        self.api_db.close()


def log_in(client: httpx.Client) -> None:
    """Logs in as the bench manager through the login form."""
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    response = client.post(
        "/login", data={"csrf_token": token.group(1), "username": MANAGER, "password": PASSWORD}
    )
    if response.status_code != 303:
        raise RuntimeError(f"login failed: HTTP {response.status_code}")


def time_page(client: httpx.Client, path: str, requests: int) -> dict[str, float]:
    """p50/p95 of GET `path` (after warm-up); raises if the page does not answer 200."""
    times_ms = []
    for i in range(WARMUP + requests):
        start = time.perf_counter()
        response = client.get(path)
        elapsed_ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        if i >= WARMUP:
            times_ms.append(elapsed_ms)
    return _stats(times_ms)


def _read_stream(
    client: httpx.Client,
    ready: threading.Event,
    arrivals: queue.Queue[float],
    stop: threading.Event,
) -> None:
    headers = {"Accept": "text/event-stream"}
    with client.stream("GET", "/dashboard/live", headers=headers, timeout=None) as response:
        for line in response.iter_lines():
            if line.startswith("retry:"):
                ready.set()
            elif line.startswith("id:"):
                arrivals.put(time.perf_counter())
            if stop.is_set():
                return


def _live_envelope(seq: int) -> bytes:
    now = datetime.now(UTC)
    payload = {
        "text": "x",
        "symbology": "ean13",
        "gtin": gtin_of(seq),
        "gs1": {},
        "engine": "zxing",
        "frames_confirmed": 3,
        "time_to_scan_ms": 90.0,
    }
    envelope = Envelope(
        v=1,
        id=new_ulid(int(now.timestamp() * 1000)),
        store=STORE,
        device="bench-live",
        seq=seq,
        ts=now,
        type="scan",
        payload=payload,
    )
    return envelope.to_json_bytes()


def time_live(server: Server, client: httpx.Client) -> dict[str, float]:
    """Event handed to ingest -> its frame read on an open `/dashboard/live` stream."""
    ready, stop = threading.Event(), threading.Event()
    arrivals: queue.Queue[float] = queue.Queue()
    reader = threading.Thread(
        target=_read_stream, args=(client, ready, arrivals, stop), daemon=True
    )
    reader.start()
    if not ready.wait(WAIT_S):
        raise RuntimeError("the live stream did not open")
    latencies_ms = []
    topic = events_topic(STORE, "bench-live")
    for seq in range(1, LIVE_EVENTS + 1):
        start = time.perf_counter()
        server.processor.handle(topic, _live_envelope(seq))
        latencies_ms.append((arrivals.get(timeout=WAIT_S) - start) * 1000)
        time.sleep(0.05)  # one event at a time: no batching in the figure
    stop.set()
    stats = _stats(latencies_ms)
    return {"p50": stats["p50_ms"], "p95": stats["p95_ms"], "max": round(max(latencies_ms), 1)}


def time_pricing_job(db_path: Path) -> dict[str, float | int]:
    """Runs the price-proposal job once over the whole store and times it (seconds)."""
    started = time.perf_counter()
    run = pricing.run_pricing_job(db_path, now=datetime.now(UTC), policy=PricingPolicy())
    seconds = round(time.perf_counter() - started, 2)
    db = open_database(db_path, run_migrations=False)
    try:
        open_now = pricing.count_by_state(db).get("open", 0)
    finally:
        db.close()
    return {"seconds": seconds, "products": run.products, "open_proposals": open_now}


def run(args: argparse.Namespace, db_path: Path) -> dict[str, object]:
    """Builds (unless reused) the store, serves it, and measures every page and the stream."""
    sizes = BenchSizes(products=args.products, movements=args.movements, events=args.events)
    build_s, started = 0.0, time.perf_counter()
    if not db_path.exists():
        build_store(db_path, sizes, now=datetime.now(UTC), password=PASSWORD)
        build_s = round(time.perf_counter() - started, 1)
    pricing_job = time_pricing_job(db_path)
    server = Server(db_path)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            log_in(client)
            peer = time_page(client, PEER, args.requests)
            sample = gtin_of(min(SAMPLE, sizes.products - 1))
            pages = {
                name: time_page(client, path.format(sample=sample), args.requests)
                for name, path in PAGES.items()
            }
            live = time_live(server, client)
    finally:
        server.stop()
    worst = max(stats["p95_ms"] for stats in pages.values())
    return {
        "pages": pages,
        "live_event_ms": live,
        "peer": {"api_health": peer},
        "pricing_job": pricing_job,
        "worst_page_p95_ms": worst,
        "goals": {"page_p95_ms": 200, "live_event_p95_ms": 500},
        "meets_goals": worst <= 200 and live["p95"] <= 500,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "store": {
            "products": sizes.products,
            "movements": sizes.movements,
            "events": sizes.events,
            "build_s": build_s,
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; prints JSON (with `--json` only the JSON). Returns 0."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.db is not None:
        result = run(args, args.db)
    else:
        with tempfile.TemporaryDirectory(prefix="aisle-bench-dashboard-") as folder:
            result = run(args, Path(folder) / "hub.db")
    if not args.json:
        print(f"dashboard bench: worst page p95 {result['worst_page_p95_ms']} ms", file=sys.stderr)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0
