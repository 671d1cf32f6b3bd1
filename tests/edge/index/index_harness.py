"""Provides the index transfer test harness: index files, a cuttable TCP proxy, hub and device."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from aisle.broker import BrokerEndpoint
from contracts.ids import new_ulid
from contracts.index import IndexManifest
from edge.core.projection import Projection
from edge.core.search import build_index
from edge.index.active import ActiveIndex
from edge.index.file import IndexData, IndexMeta, write_index_file
from edge.index.receiver import IndexReceiver
from edge.index.transfer import IndexTransfer, TransferSettings
from edge.mqtt_clients import BrokerLogin
from hub.config import BrokerAddress
from hub.index.publisher import IndexPublisher
from hub.index.versions import BuiltIndex, IndexVersions, describe_file

WAIT_S = 20.0
MODEL_SHA = hashlib.sha256(b"test model").hexdigest()
_version_ms = [1_800_000_000_000]


def wait_until(predicate: Callable[[], bool], *, timeout_s: float = WAIT_S) -> None:
    """Polls `predicate` until it holds; fails the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout_s} s")
        time.sleep(0.01)


def next_version() -> str:
    """A ULID later than every one made before in this process."""
    _version_ms[0] += 1000
    return new_ulid(_version_ms[0])


def make_index(path: Path, *, rows: int, dims: int, prefix: str, seed: int) -> IndexData:
    """Writes a random float16 index whose product ids start with `prefix`."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((rows, dims)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"{prefix}{i:08d}" for i in range(rows)]
    index = build_index(
        vectors, np.arange(rows), ids, [i % 2 == 0 for i in range(rows)], dtype="float16"
    )
    data = IndexData(index, Projection.identity(dims), IndexMeta("test_model", MODEL_SHA, rows, 0))
    write_index_file(path, data)
    return data


def install_version(
    versions: IndexVersions,
    store: str,
    built_file: Path,
    *,
    count: int,
    dims: int,
    chunk_bytes: int,
) -> IndexManifest:
    """Describes `built_file` and installs it as the hub's current version."""
    built = BuiltIndex("test_model", MODEL_SHA, dims, "float16", count, count, "aisle-index-npz-1")
    manifest = describe_file(
        built_file,
        built,
        store=store,
        version=next_version(),
        built_at=datetime.now(UTC),
        chunk_bytes=chunk_bytes,
    )
    versions.install(built_file, manifest)
    return manifest


class TcpProxy:
    """A loopback TCP forwarder whose connections the test can cut at any moment."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closed = False
        self.accepted = 0
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._upstream)
            with self._lock:
                self._sockets += [client, upstream]
                self.accepted += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drops every open connection (new ones are still accepted)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        """Stops accepting and drops every connection."""
        self._server.close()
        self.cut()


@dataclass
class Device:
    """A device's index side: its active index, transfer and receiver."""

    active: ActiveIndex
    transfer: IndexTransfer
    receiver: IndexReceiver


def start_device(
    endpoint: BrokerEndpoint,
    store: str,
    device: str,
    folder: Path,
    *,
    port: int | None = None,
    **settings: float,
) -> Device:
    """Starts a receiver for `device` (through `port` when given, e.g. a proxy)."""
    active = ActiveIndex()
    transfer = IndexTransfer(
        TransferSettings(store_id=store, device_id=device, folder=folder, **settings),  # type: ignore[arg-type]
        active,
    )
    login = BrokerLogin(
        endpoint.host,
        port or endpoint.port,
        endpoint.username,
        endpoint.password,
        keepalive_s=5,
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
    )
    receiver = IndexReceiver(transfer, login, store_id=store, device_id=device)
    receiver.start()
    return Device(active, transfer, receiver)


def start_hub(
    endpoint: BrokerEndpoint, store: str, versions: IndexVersions, **kw: float
) -> IndexPublisher:
    """Starts the hub's index publisher for `store` and waits for its subscription."""
    address = BrokerAddress(
        endpoint.host, endpoint.port, False, endpoint.username, endpoint.password
    )
    publisher = IndexPublisher(address, store_id=store, versions=versions, **kw)  # type: ignore[arg-type]
    publisher.start()
    assert publisher.wait_subscribed(WAIT_S)
    return publisher
