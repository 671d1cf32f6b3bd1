"""Provides `aisle bench index`: photo-search index distribution time over a loopback mosquitto.

Builds a random index (default 100,000 x 1280 float16, ~256 MB), installs it as the hub's current
version and measures, on a private mosquitto:
- `aisle`: a device's receiver from connect to the new version installed (pulled in windows,
  each chunk and the whole file checked against sha256, written to a partial file with its
  bitmap, atomically renamed, loaded and swapped);
- `resumed`: the same transfer with the device stopped half way and started again on its folder
  (it fetches only the chunks it lacks);
- `raw_qos1`: the peer: the same chunks published back to back at QoS 1 by one client and
  counted by another, with no checks, files or flow control.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import secrets
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from aisle.broker import BrokerEndpoint, BrokerSpec, start_broker
from contracts.ids import new_ulid
from contracts.index import DEFAULT_CHUNK_BYTES, IndexManifest
from edge.core.projection import Projection
from edge.core.search import CatalogIndex
from edge.index.active import ActiveIndex
from edge.index.file import IndexData, IndexMeta, write_index_file
from edge.index.receiver import IndexReceiver
from edge.index.transfer import IndexTransfer, TransferSettings
from edge.mqtt_clients import BrokerLogin
from hub.config import BrokerAddress
from hub.index.publisher import IndexPublisher
from hub.index.versions import BuiltIndex, IndexVersions, describe_file

STORE = "bench"
TIMEOUT_S = 1800.0


def build_parser() -> argparse.ArgumentParser:
    """Returns the benchmark's argument parser."""
    parser = argparse.ArgumentParser(prog="aisle bench index", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="index rows")
    parser.add_argument("--dims", type=int, default=1280, help="embedding dimensions")
    parser.add_argument("--dtype", choices=("float16", "int8"), default="float16")
    parser.add_argument("--window", type=int, default=32, help="device window, chunks")
    parser.add_argument("--chunk-bytes", type=int, default=DEFAULT_CHUNK_BYTES)
    parser.add_argument("--skip-resume", action="store_true", help="skip the cut-and-resume run")
    return parser


def _index_file(path: Path, rows: int, dims: int, dtype: str) -> None:
    rng = np.random.default_rng(0)
    if dtype == "float16":
        codes: np.ndarray[Any, Any] = rng.standard_normal((rows, dims), dtype=np.float32).astype(
            np.float16
        )
    else:
        codes = rng.integers(-127, 128, (rows, dims), dtype=np.int8)
    index = CatalogIndex(
        codes=codes,
        scales=np.ones(rows, np.float32),
        row_products=np.arange(rows, dtype=np.int64),
        product_ids=tuple(f"{i:014d}" for i in range(rows)),
        in_stock=np.ones(rows, np.bool_),
    )
    meta = IndexMeta("bench", "0" * 64, rows, 0)
    write_index_file(path, IndexData(index, Projection.identity(dims), meta))


def _install(folder: Path, args: argparse.Namespace) -> tuple[IndexVersions, IndexManifest]:
    built_path = folder / "built.npz"
    _index_file(built_path, args.rows, args.dims, args.dtype)
    built = BuiltIndex(
        "bench", "0" * 64, args.dims, args.dtype, args.rows, args.rows, "aisle-index-npz-1"
    )
    versions = IndexVersions(folder / "hub")
    manifest = describe_file(
        built_path,
        built,
        store=STORE,
        version=new_ulid(int(time.time() * 1000)),
        built_at=datetime.now(UTC),
        chunk_bytes=args.chunk_bytes,
    )
    versions.install(built_path, manifest)
    return versions, manifest


def _device(
    endpoint: BrokerEndpoint, folder: Path, window: int, name: str
) -> tuple[IndexReceiver, ActiveIndex, IndexTransfer]:
    active = ActiveIndex()
    transfer = IndexTransfer(TransferSettings(STORE, name, folder, window_chunks=window), active)
    login = BrokerLogin(
        endpoint.host,
        endpoint.port,
        endpoint.username,
        endpoint.password,
        reconnect_min_s=0.5,
        reconnect_max_s=1.0,
    )
    return IndexReceiver(transfer, login, store_id=STORE, device_id=name), active, transfer


def _wait(predicate: Any, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("index transfer did not finish")
        time.sleep(0.005)


def _timed_transfer(
    endpoint: BrokerEndpoint, folder: Path, manifest: IndexManifest, window: int, *, cut: bool
) -> dict[str, Any]:
    name = "dev-cut" if cut else "dev"
    receiver, active, transfer = _device(endpoint, folder / name, window, name)
    start = time.perf_counter()
    receiver.start()
    cut_at = None
    if cut:  # the device stops (power, crash) half way and starts again on the same folder
        _wait(lambda: transfer.stats().chunks_have >= manifest.chunk_count // 2)
        receiver.stop()
        cut_at = transfer.stats().chunks_have
        receiver, active, transfer = _device(endpoint, folder / name, window, name)
        receiver.start()
    _wait(lambda: active.version == manifest.version)
    total_s = time.perf_counter() - start
    stats = transfer.stats()
    receiver.stop()
    return {
        "seconds_to_installed": round(total_s, 2),
        "megabytes_per_s": round(manifest.total_bytes / 1e6 / total_s, 1),
        "chunks_at_cut": cut_at,
        "chunks_written_after_cut": stats.stored if cut else None,
        "timeouts": stats.timeouts,
    }


def _raw_qos1(endpoint: BrokerEndpoint, path: Path, chunk_bytes: int) -> dict[str, Any]:
    data = path.read_bytes()
    chunks = [data[i : i + chunk_bytes] for i in range(0, len(data), chunk_bytes)]
    done, got = threading.Event(), [0]

    def on_message(client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        got[0] += 1
        if got[0] == len(chunks):
            done.set()

    clients = []
    for role in ("raw-sub", "raw-pub"):
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=role)
        client.username_pw_set(endpoint.username, endpoint.password)
        client.max_inflight_messages_set(64)
        client.connect(endpoint.host, endpoint.port)
        client.loop_start()
        clients.append(client)
    clients[0].on_message = on_message
    clients[0].subscribe("bench/raw", 1)
    time.sleep(0.5)
    start = time.perf_counter()
    infos = [clients[1].publish("bench/raw", chunk, 1) for chunk in chunks]
    done.wait(TIMEOUT_S)
    seconds = time.perf_counter() - start
    for info in infos[-1:]:
        info.wait_for_publish(10)
    for client in clients:
        client.disconnect()
        client.loop_stop()
    return {"seconds": round(seconds, 2), "megabytes_per_s": round(len(data) / 1e6 / seconds, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark and prints its JSON."""
    args = build_parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="aisle-bench-index-") as tmp:
        folder = Path(tmp)
        spec = BrokerSpec(folder / "broker", username="bench", password=secrets.token_urlsafe(12))
        broker = start_broker(spec, kind="mosquitto")
        try:
            endpoint = broker.endpoint
            versions, manifest = _install(folder, args)
            address = BrokerAddress(
                endpoint.host, endpoint.port, False, endpoint.username, endpoint.password
            )
            hub = IndexPublisher(address, store_id=STORE, versions=versions)
            hub.start()
            hub.wait_subscribed(30)
            result: dict[str, Any] = {
                "index": {
                    "rows": args.rows,
                    "dims": args.dims,
                    "dtype": args.dtype,
                    "bytes": manifest.total_bytes,
                    "chunks": manifest.chunk_count,
                    "chunk_bytes": manifest.chunk_bytes,
                    "window_chunks": args.window,
                },
                "aisle": _timed_transfer(endpoint, folder, manifest, args.window, cut=False),
            }
            if not args.skip_resume:
                result["resumed"] = _timed_transfer(
                    endpoint, folder, manifest, args.window, cut=True
                )
            hub.stop()
            result["raw_qos1"] = _raw_qos1(
                endpoint,
                folder / "hub" / "versions" / manifest.version / "index.npz",
                manifest.chunk_bytes,
            )
        finally:
            broker.stop()
    print(json.dumps(result, indent=2))
    return 0
