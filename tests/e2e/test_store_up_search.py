"""Tests that `aisle store up --headless` gives the demo kiosk photo and text search: the hub
builds an index once its catalog has arrived (photo rows + one MiniLM row per product), publishes
it, and the kiosk's edge agent installs it and reports that version in its retained state.

Read from the real files the processes write (the hub's database and index folder, the kiosk's
index folder), so the test needs no API token."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aisle.broker import free_port
from edge.index.transfer import load_installed
from hub.index.versions import IndexVersions

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

INDEX_DEADLINE_S = 780.0  # a first build embeds 371 photos and texts: minutes on a busy machine


def _kiosk_index_version(hub_db: Path) -> str | None:
    if not hub_db.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{hub_db}?mode=ro", uri=True, timeout=5) as db:
            row = db.execute("SELECT index_version FROM devices WHERE id = 'kiosk-1'").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else row[0]


def _wait_for_kiosk_index(data: Path, store: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + INDEX_DEADLINE_S
    while time.monotonic() < deadline:
        assert store.poll() is None, f"store exited early:\n{log.read_text(errors='replace')}"
        current = IndexVersions(data / "index").current()  # a fresh reader: it caches
        if current is not None and _kiosk_index_version(data / "hub.db") == current.version:
            return current.version
        time.sleep(0.5)
    hub_log = (data / "logs" / "hub.log").read_text(errors="replace")[-3000:]
    pytest.fail(f"kiosk-1 did not report the hub's index within {INDEX_DEADLINE_S} s:\n{hub_log}")


def test_the_demo_kiosk_runs_the_hubs_index_with_text_rows(tmp_path: Path) -> None:
    data = tmp_path / "store"
    log = tmp_path / "store.log"
    command = [sys.executable, "-m", "aisle.cli", "store", "up", "--headless"]
    command += ["--data-dir", str(data), "--hub-port", str(free_port())]
    with log.open("wb") as out:
        store = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        version = _wait_for_kiosk_index(data, store, log)
    finally:
        store.send_signal(signal.SIGTERM)
        code = store.wait(timeout=60)
    assert code == 0, log.read_text(errors="replace")
    installed = load_installed(data / "kiosk-1-index")
    assert installed is not None and installed.version == version
    texts = installed.data.texts
    with sqlite3.connect(f"file:{data / 'hub.db'}?mode=ro", uri=True) as db:
        products = db.execute("SELECT COUNT(*) FROM products").fetchone()[0]
    assert products >= 300 and texts is not None and texts.count == products  # one row each
