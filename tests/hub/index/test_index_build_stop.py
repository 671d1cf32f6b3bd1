"""Tests that an index build never leaves its `edge.indexer` child behind: `IndexBuilder.stop`
(the hub's shutdown) terminates a running indexer and waits for it, later builds refuse at once,
and an indexer whose parent is already gone exits without building."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hub_builders import T0, catalog_product, change
from hub_harness import ServedApp
from sqlite_utils import Database

from central.seed import DEMO_CATALOG_PATH, read_seed
from hub.db import catalog
from hub.index.builder import BuildConfig, IndexBuilder, IndexBuildStopped
from hub.index.photos import ReferencePhotos
from hub.index.versions import IndexVersions

INDEXER_DEADLINE_S = 60.0
BUILD_JOIN_S = 30.0


def _indexers() -> list[int]:
    """Pids of this process's `edge.indexer` children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == os.getpid() and state != "Z" and b"edge.indexer" in cmdline:
            found.append(int(entry.name))
    return found


def _wait_for_indexer() -> int:
    deadline = time.monotonic() + INDEXER_DEADLINE_S
    while time.monotonic() < deadline:
        found = _indexers()
        if found:
            return found[0]
        time.sleep(0.05)
    pytest.fail(f"no edge.indexer child within {INDEXER_DEADLINE_S} s")


def test_stop_terminates_a_running_indexer_and_refuses_later_builds(
    tmp_path: Path, hub_db: Database, store_id: str, central: ServedApp
) -> None:
    products = read_seed(DEMO_CATALOG_PATH).products[:40]
    with hub_db.atomic():
        for cursor, product in enumerate(products, start=1):
            catalog.apply_change(hub_db, change(cursor, catalog_product(product.gtin)), T0)
    builder = IndexBuilder(
        BuildConfig(store_id=store_id, central_url=central.base_url),
        db=hub_db,
        versions=IndexVersions(tmp_path / "index"),
        photos=ReferencePhotos(tmp_path / "photos"),
        clock=lambda: datetime.now(UTC),
    )
    errors: list[BaseException] = []

    def build() -> None:
        try:
            builder.build()
        except BaseException as exc:  # recorded for the assertions below
            errors.append(exc)

    thread = threading.Thread(target=build, name="test-build")
    thread.start()
    indexer = _wait_for_indexer()
    builder.stop()
    assert indexer not in _indexers()
    thread.join(BUILD_JOIN_S)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], IndexBuildStopped), errors
    assert IndexVersions(tmp_path / "index").current() is None
    with pytest.raises(IndexBuildStopped):
        builder.build()
    assert not _indexers()


def test_an_indexer_whose_parent_is_gone_exits_without_building(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    out = str(tmp_path / "index.npz")
    command = [sys.executable, "-m", "edge.indexer", "--images", str(tmp_path), "--out", out]
    done = subprocess.run(
        [*command, "--parent-pid", str(gone.pid)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert f"parent {gone.pid} is gone" in done.stderr
    assert not (tmp_path / "index.npz").exists()
