"""Tests index distribution over a real mosquitto: the hub's publisher and a device's receiver.

An interrupted transfer resumes (connection cut mid-transfer, and a device restarted mid-transfer)
without fetching held chunks again and verifies the file; a corrupt chunk is refused, reported to
the hub and fetched again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from index_harness import (
    TcpProxy,
    install_version,
    make_index,
    start_device,
    start_hub,
    wait_until,
)

from aisle.broker import BrokerEndpoint
from contracts.ids import new_ulid
from edge.index.partial import file_sha256
from edge.index.transfer import CURRENT_FILE, installed_path, load_installed
from hub.index.versions import IndexVersions

CHUNK_BYTES = 4096


@pytest.fixture
def store() -> str:
    """A store id of this test alone (its topics are its own on the shared broker)."""
    return f"ix{new_ulid(1_700_000_000_000)[-10:]}"


@pytest.fixture
def versions(tmp_path: Path) -> IndexVersions:
    """The hub's index folder."""
    return IndexVersions(tmp_path / "hub-index")


@pytest.fixture
def proxy(mqtt_broker: BrokerEndpoint) -> Iterator[TcpProxy]:
    """A cuttable TCP path to the session mosquitto."""
    forwarder = TcpProxy((mqtt_broker.host, mqtt_broker.port))
    yield forwarder
    forwarder.close()


def _built(tmp_path: Path, versions: IndexVersions, store: str, *, rows: int, seed: int) -> str:
    built = tmp_path / f"built-{seed}.npz"
    make_index(built, rows=rows, dims=64, prefix=f"P{seed}-", seed=seed)
    manifest = install_version(versions, store, built, count=rows, dims=64, chunk_bytes=CHUNK_BYTES)
    return manifest.version


def test_transfer_installs_and_switches(
    mqtt_broker: BrokerEndpoint, versions: IndexVersions, store: str, tmp_path: Path
) -> None:
    version = _built(tmp_path, versions, store, rows=200, seed=1)
    hub = start_hub(mqtt_broker, store, versions)
    device = start_device(mqtt_broker, store, "kiosk-a", tmp_path / "dev", window_chunks=8)
    try:
        wait_until(lambda: device.active.version == version)
        loaded = device.active.current()
        assert loaded is not None and loaded.data.index.product_ids[0] == "P1-00000000"
        manifest = versions.current()
        assert manifest is not None
        assert file_sha256(installed_path(tmp_path / "dev", version)) == manifest.sha256
        assert (tmp_path / "dev" / CURRENT_FILE).is_file()
        assert not list((tmp_path / "dev").glob("*.part*"))
        wait_until(lambda: hub.stats().devices.get("kiosk-a") is not None)
        wait_until(lambda: hub.stats().devices["kiosk-a"].running == version)
        # A restarted device loads the installed version from disk, checked against its sha256.
        again = load_installed(tmp_path / "dev")
        assert again is not None and again.version == version
    finally:
        device.receiver.stop()
        hub.stop()


def test_cut_connection_mid_transfer_resumes_without_refetching(
    mqtt_broker: BrokerEndpoint,
    versions: IndexVersions,
    store: str,
    tmp_path: Path,
    proxy: TcpProxy,
) -> None:
    version = _built(tmp_path, versions, store, rows=1500, seed=2)  # ~200 KB: ~50 chunks
    total = versions.current().chunk_count  # type: ignore[union-attr]
    hub = start_hub(mqtt_broker, store, versions, resend_window_s=0.0)
    device = start_device(
        mqtt_broker, store, "kiosk-b", tmp_path / "dev", port=proxy.port, window_chunks=2
    )
    try:
        wait_until(lambda: device.transfer.stats().chunks_have >= total // 3)
        proxy.cut()
        held_at_cut = device.transfer.stats().chunks_have
        assert held_at_cut < total, "the transfer finished before the cut"
        wait_until(lambda: proxy.accepted >= 2)  # the receiver reconnected by itself
        wait_until(lambda: device.active.version == version)
        stats = device.transfer.stats()
        assert stats.stored == total  # every chunk written once: nothing held was fetched again
        assert device.receiver.stats().connects >= 2
    finally:
        device.receiver.stop()
        hub.stop()


def test_device_restarted_mid_transfer_resumes_from_disk(
    mqtt_broker: BrokerEndpoint, versions: IndexVersions, store: str, tmp_path: Path
) -> None:
    version = _built(tmp_path, versions, store, rows=1500, seed=3)
    total = versions.current().chunk_count  # type: ignore[union-attr]
    hub = start_hub(mqtt_broker, store, versions)
    first = start_device(mqtt_broker, store, "kiosk-c", tmp_path / "dev", window_chunks=2)
    wait_until(lambda: first.transfer.stats().chunks_have >= total // 2)
    first.receiver.stop()
    held = first.transfer.stats().chunks_have
    assert held < total
    second = start_device(mqtt_broker, store, "kiosk-c", tmp_path / "dev", window_chunks=8)
    try:
        wait_until(lambda: second.active.version == version)
        assert second.transfer.stats().stored <= total - held
        assert second.transfer.stats().stored + held >= total
    finally:
        second.receiver.stop()
        hub.stop()


def test_corrupt_chunk_is_refused_reported_and_fetched_again(
    mqtt_broker: BrokerEndpoint,
    versions: IndexVersions,
    store: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    version = _built(tmp_path, versions, store, rows=300, seed=4)
    stored = versions.folder / "versions" / version / "index.npz"
    good = stored.read_bytes()
    damaged = bytearray(good)
    damaged[5 * CHUNK_BYTES + 7] ^= 0xFF  # the hub's copy of chunk 5 goes bad on disk
    stored.write_bytes(bytes(damaged))
    hub = start_hub(mqtt_broker, store, versions, resend_window_s=0.0)
    device = start_device(
        mqtt_broker, store, "kiosk-d", tmp_path / "dev", chunk_timeout_s=0.5, max_chunk_retries=1000
    )
    try:
        with caplog.at_level(logging.WARNING):
            wait_until(lambda: device.transfer.stats().corrupt >= 2)
            wait_until(lambda: hub.stats().corrupt_reported >= 1)
        assert device.active.version is None  # nothing corrupt is ever installed
        assert any("refused corrupt chunk 5" in r.getMessage() for r in caplog.records)
        assert hub.stats().devices["kiosk-d"].corrupt_reported >= 1
        stored.write_bytes(good)  # repaired: the next answer is right
        wait_until(lambda: device.active.version == version)
        loaded = device.active.current()
        assert loaded is not None
        assert np.array_equal(loaded.data.index.row_products, np.arange(300))
    finally:
        device.receiver.stop()
        hub.stop()
