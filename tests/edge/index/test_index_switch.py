"""Tests the atomic version switch: queries running while new versions install all complete, each
on one whole version; and the transfer state machine's refusals without a broker."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from index_harness import MODEL_SHA, make_index, next_version, wait_until

from contracts.index import IndexChunk, IndexManifest
from edge.core.search import SearchConfig, search
from edge.index.active import ActiveIndex
from edge.index.transfer import IndexTransfer, TransferSettings, installed_path
from hub.index.versions import BuiltIndex, describe_file

DIMS = 32
CHUNK_BYTES = 2048


def _manifest(path: Path, *, store: str = "s1", model_sha: str = MODEL_SHA) -> IndexManifest:
    rows = 400
    built = BuiltIndex("test_model", model_sha, DIMS, "float16", rows, rows, "aisle-index-npz-1")
    return describe_file(
        path,
        built,
        store=store,
        version=next_version(),
        built_at=datetime.now(UTC),
        chunk_bytes=CHUNK_BYTES,
    )


def _chunks(path: Path, manifest: IndexManifest) -> list[IndexChunk]:
    data = path.read_bytes()
    return [
        IndexChunk(manifest.version, i, data[i * CHUNK_BYTES : (i + 1) * CHUNK_BYTES])
        for i in range(manifest.chunk_count)
    ]


def _deliver(transfer: IndexTransfer, manifest: IndexManifest, chunks: list[IndexChunk]) -> None:
    transfer.on_manifest(manifest, 0.0)
    for chunk in chunks:
        transfer.on_chunk(chunk, 0.0)


def test_version_switch_while_queries_run_drops_no_query(tmp_path: Path) -> None:
    active = ActiveIndex()
    transfer = IndexTransfer(TransferSettings("s1", "k1", tmp_path / "dev"), active)
    versions = []
    for seed in range(4):
        built = tmp_path / f"v{seed}.npz"
        make_index(built, rows=400, dims=DIMS, prefix=f"V{seed}-", seed=seed)
        manifest = _manifest(built)
        versions.append((manifest, _chunks(built, manifest)))
    _deliver(transfer, *versions[0])
    stop = threading.Event()
    answered: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    query = np.zeros(DIMS, np.float32)
    query[0] = 1.0

    def ask() -> None:
        while not stop.is_set():
            try:
                loaded = active.current()  # one version for the whole query
                assert loaded is not None
                result = search(loaded.data.index, query, SearchConfig(k=3))
                answered.append((loaded.version, result.matches[0].product_id))
            except BaseException as exc:  # recorded: the test fails on any
                errors.append(exc)

    workers = [threading.Thread(target=ask) for _ in range(3)]
    for worker in workers:
        worker.start()
    for manifest, chunks in versions[1:]:
        running = active.version
        wait_until(lambda running=running: sum(v == running for v, _ in answered[-50:]) > 5)  # type: ignore[misc]
        _deliver(transfer, manifest, chunks)
        assert active.version == manifest.version
    wait_until(lambda: answered[-1][0] == versions[-1][0].version)
    stop.set()
    for worker in workers:
        worker.join(10)
    assert not errors
    prefixes = {m.version: f"V{i}-" for i, (m, _) in enumerate(versions)}
    assert all(product.startswith(prefixes[version]) for version, product in answered)
    assert {version for version, _ in answered} == set(prefixes)
    assert active.swaps == 4
    assert [p.name for p in (tmp_path / "dev").glob("index-*.npz")] == [
        installed_path(tmp_path / "dev", versions[-1][0].version).name
    ]


def test_corrupt_chunk_is_refused_and_listed_in_the_next_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    built = tmp_path / "v.npz"
    make_index(built, rows=400, dims=DIMS, prefix="C-", seed=9)
    manifest = _manifest(built)
    chunks = _chunks(built, manifest)
    active = ActiveIndex()
    transfer = IndexTransfer(
        TransferSettings("s1", "k1", tmp_path / "dev", window_chunks=4, max_chunk_retries=2), active
    )
    first = transfer.on_manifest(manifest, 0.0)
    assert first[0].chunks == [0, 1, 2, 3]
    bad = IndexChunk(manifest.version, 1, b"\x00" * len(chunks[1].data))
    requests = transfer.on_chunk(bad, 1.0)
    assert transfer.stats().corrupt == 1
    assert "refused corrupt chunk 1" in caplog.text
    assert requests[0].corrupt == [1] and 1 in requests[0].chunks
    short = IndexChunk(manifest.version, 2, chunks[2].data[:-1])
    transfer.on_chunk(short, 1.0)
    assert transfer.stats().corrupt == 2
    for chunk in chunks:
        transfer.on_chunk(chunk, 2.0)
    assert active.version == manifest.version
    assert (
        hashlib.sha256(installed_path(tmp_path / "dev", manifest.version).read_bytes()).hexdigest()
        == manifest.sha256
    )


def test_a_chunk_corrupt_too_often_gives_the_version_up(tmp_path: Path) -> None:
    built = tmp_path / "v.npz"
    make_index(built, rows=400, dims=DIMS, prefix="G-", seed=5)
    manifest = _manifest(built)
    transfer = IndexTransfer(
        TransferSettings("s1", "k1", tmp_path / "dev", max_chunk_retries=2), ActiveIndex()
    )
    transfer.on_manifest(manifest, 0.0)
    for _ in range(3):
        transfer.on_chunk(IndexChunk(manifest.version, 0, b"x" * CHUNK_BYTES), 0.0)
    stats = transfer.stats()
    assert stats.target is None and "arrived corrupt 3 times" in stats.refused[0]
    assert transfer.on_manifest(manifest, 1.0) == []  # not tried again until a new version


@pytest.mark.parametrize(
    ("store", "model_sha", "reason"),
    [
        ("other", MODEL_SHA, "for store 'other'"),
        ("s1", "0" * 64, "built with model sha256 000000000000"),
    ],
)
def test_foreign_manifests_are_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, store: str, model_sha: str, reason: str
) -> None:
    built = tmp_path / "v.npz"
    make_index(built, rows=400, dims=DIMS, prefix="F-", seed=6)
    transfer = IndexTransfer(
        TransferSettings("s1", "k1", tmp_path / "dev", model_sha256=MODEL_SHA), ActiveIndex()
    )
    assert transfer.on_manifest(_manifest(built, store=store, model_sha=model_sha), 0.0) == []
    assert reason in caplog.text


def test_older_manifest_is_ignored_and_timeouts_ask_again(tmp_path: Path) -> None:
    built = tmp_path / "v.npz"
    make_index(built, rows=400, dims=DIMS, prefix="O-", seed=7)
    older, newer = _manifest(built), _manifest(built)
    active = ActiveIndex()
    transfer = IndexTransfer(
        TransferSettings("s1", "k1", tmp_path / "dev", window_chunks=2, chunk_timeout_s=5.0),
        active,
    )
    _deliver(transfer, newer, _chunks(built, newer))
    assert transfer.on_manifest(older, 0.0) == []
    assert active.version == newer.version
    third = _manifest(built)
    assert transfer.on_manifest(third, 10.0)[0].chunks == [0, 1]
    assert transfer.on_tick(12.0) == []
    again = transfer.on_tick(15.0)
    assert again[0].chunks == [0, 1] and transfer.stats().timeouts == 2
