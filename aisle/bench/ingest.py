"""Provides `aisle bench ingest`: events per second into the hub database through a real broker,
p99 device-to-ledger latency at 500 events/s, and the raw sqlite-utils insert rate (the ceiling),
all in the same run.

A managed mosquitto runs as its own process; the device load runs in another process
(`aisle.bench.ingest_load`); the hub's real ingest (paho, batch writer, processor, WAL file with
`synchronous=FULL`) runs in this one. Throughput: the load publishes as fast as the broker takes
it while the hub ingests; the rate is the events committed over the time from the first to the
last commit. Latency: the load is paced at `--latency-rate` and each event's `ts` is stamped at
its send; latency is commit time minus `ts` (same machine, same clock). Ceiling: the same event
rows inserted with sqlite-utils `insert_all` into a fresh database file with the same pragmas.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aisle.bench.ingest_load import PASSWORD_ENV, make_event
from aisle.broker import BrokerEndpoint, BrokerSpec, start_broker
from hub.config import BrokerAddress
from hub.db.connection import open_database
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.outcomes import IngestOutcome
from hub.ingest.processor import EventProcessor

SUBSCRIBE_TIMEOUT_S = 15.0
STORE = "bench"


@dataclass(slots=True)
class CommitLog:
    """Commit times and latencies seen by the processor's `on_committed` hook."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    applied: int = 0
    first_s: float | None = None
    last_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    target: int = 0
    cpu_s: float = 0.0

    def record(self, outcomes: Sequence[IngestOutcome]) -> None:
        """Hook body: counts applied events and their device-to-ledger latency."""
        now_s, now = time.monotonic(), datetime.now(UTC)
        with self.lock:
            for outcome in outcomes:
                if outcome.result != "applied" or outcome.ts is None:
                    continue
                self.applied += 1
                self.latencies_ms.append((now - outcome.ts).total_seconds() * 1000)
            if self.first_s is None:
                self.first_s = now_s
            self.last_s = now_s
            if self.applied >= self.target:
                self.done.set()


def _run_load(endpoint: BrokerEndpoint, store: str, *, count: int, rate: float) -> None:
    env = dict(os.environ, **{PASSWORD_ENV: endpoint.password})
    command = [
        sys.executable,
        "-m",
        "aisle.bench.ingest_load",
        f"--host={endpoint.host}",
        f"--port={endpoint.port}",
        f"--username={endpoint.username}",
        f"--store={store}",
        f"--count={count}",
        f"--rate={rate}",
    ]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def measure_ingest(
    endpoint: BrokerEndpoint, folder: Path, *, count: int, rate: float, store: str
) -> CommitLog:
    """Runs the hub's ingest while the load process publishes `count` events.

    Raises:
        RuntimeError: if the hub does not subscribe or not every event is committed in time.
    """
    log = CommitLog(target=count)
    processor = EventProcessor(
        open_database(folder / f"{store}.db"),
        store_id=store,
        clock=lambda: datetime.now(UTC),
        on_committed=log.record,
    )
    address = BrokerAddress(
        endpoint.host, endpoint.port, False, endpoint.username, endpoint.password
    )
    ingest = MqttIngest(address, store_id=store, processor=processor)
    ingest.start()
    try:
        if not ingest.wait_subscribed(SUBSCRIBE_TIMEOUT_S):
            raise RuntimeError("the hub did not subscribe")
        cpu_start_s = time.process_time()
        _run_load(endpoint, store, count=count, rate=rate)
        if not log.done.wait(timeout=max(60.0, count / 200)):
            raise RuntimeError(f"only {log.applied} of {count} events committed")
        log.cpu_s = time.process_time() - cpu_start_s
    finally:
        ingest.stop()
    return log


def sqlite_ceiling(folder: Path, *, count: int) -> float:
    """Rows per second that sqlite-utils `insert_all` writes into the events table."""
    db = open_database(folder / "ceiling.db")
    now = datetime.now(UTC)
    stamp = now.isoformat()
    rows = []
    for index in range(count):
        body = make_event(STORE, f"load-{index % 4}", index // 4 + 1, now)
        data = json.loads(body)
        rows.append(
            {
                "id": data["id"],
                "store": STORE,
                "device": data["device"],
                "seq": data["seq"],
                "type": "scan",
                "ts": data["ts"],
                "received_at": stamp,
                "payload": json.dumps(data["payload"]),
                "content_sha256": "0" * 64,
            }
        )
    start_s = time.perf_counter()
    db["events"].insert_all(rows, batch_size=1000)  # type: ignore[union-attr]
    elapsed_s = time.perf_counter() - start_s
    db.close()
    return count / elapsed_s


def run(args: argparse.Namespace) -> dict[str, float | int | str]:
    """Starts the broker and runs the three measurements; returns the JSON result."""
    with tempfile.TemporaryDirectory(prefix="aisle-bench-ingest-") as tmp:
        folder = Path(tmp)
        spec = BrokerSpec(folder / "broker", "bench", secrets.token_urlsafe(12))
        broker = start_broker(spec, kind=args.broker)
        try:
            rate_log = measure_ingest(
                broker.endpoint, folder, count=args.events, rate=0, store="rate"
            )
            latency_log = measure_ingest(
                broker.endpoint,
                folder,
                count=args.latency_events,
                rate=args.latency_rate,
                store="latency",
            )
        finally:
            broker.stop()
        ceiling = sqlite_ceiling(folder, count=args.events)
    span_s = rate_log.last_s - (rate_log.first_s or rate_log.last_s)
    latencies = sorted(latency_log.latencies_ms)
    return {
        "events_per_s": round(rate_log.applied / span_s, 1) if span_s > 0 else 0.0,
        "p99_ms_at_500": round(statistics.quantiles(latencies, n=100)[98], 2),
        "sqlite_ceiling_per_s": round(ceiling, 1),
        "p50_ms_at_500": round(statistics.median(latencies), 2),
        "hub_cpu_us_per_event": round(rate_log.cpu_s / max(1, rate_log.applied) * 1e6, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "events": rate_log.applied,
        "latency_events": latency_log.applied,
        "latency_rate_per_s": args.latency_rate,
        "broker": broker.endpoint.kind,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ingest benchmark.

    Args:
        argv: command-line options (see `--help`).

    Returns:
        0 on success, 1 when the run failed (broker, hub or load).
    """
    parser = argparse.ArgumentParser(prog="aisle bench ingest", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--events", type=int, default=30_000, help="events for the rate run")
    parser.add_argument(
        "--latency-events", type=int, default=5_000, help="events for the latency run"
    )
    parser.add_argument("--latency-rate", type=float, default=500.0, help="paced events/s")
    parser.add_argument("--broker", choices=("mosquitto", "amqtt"), default="mosquitto")
    args = parser.parse_args(argv)
    try:
        result = run(args)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"aisle bench ingest: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")
    return 0
