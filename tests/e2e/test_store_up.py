"""Tests `aisle store up --headless`: every process starts, both devices reach the hub, and
SIGINT or SIGTERM stops the whole tree, leaving no process behind, also while the hub's first
index build runs its `edge.indexer` child; a hub killed with SIGKILL mid-build leaves no indexer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from aisle.broker import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

EVENTS_DEADLINE_S = 10.0
START_DEADLINE_S = 90.0
INDEXER_DEADLINE_S = 60.0
GONE_DEADLINE_S = 10.0


def _descendants(pid: int) -> set[int]:
    """All live descendants of `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait_for_indexer(store: subprocess.Popen[bytes], log: Path) -> int:
    """The pid of the hub's `edge.indexer` child (the first index build), once it runs."""
    deadline = time.monotonic() + INDEXER_DEADLINE_S
    while time.monotonic() < deadline:
        found = [pid for pid in _descendants(store.pid) if "edge.indexer" in _cmdline(pid)]
        if found:
            return found[0]
        assert store.poll() is None, f"store exited early:\n{log.read_text(errors='replace')}"
        time.sleep(0.2)
    pytest.fail(f"no edge.indexer within {INDEXER_DEADLINE_S} s:\n{log.read_text()}")


def _left_behind(tree: set[int]) -> list[int]:
    """Pids of `tree` still alive after a grace of `GONE_DEADLINE_S`."""
    deadline = time.monotonic() + GONE_DEADLINE_S
    while time.monotonic() < deadline and any(_alive(pid) for pid in tree):
        time.sleep(0.1)
    return sorted(pid for pid in tree if _alive(pid))


def _get_json(url: str, token: str) -> object:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=2) as response:
        return json.load(response)


def _wait_for_devices(
    hub_url: str, token_file: Path, devices: set[str], deadline_s: float
) -> set[str]:
    """Events of `devices`, read with the kiosk token `aisle store up` provisioned."""
    token = token_file.read_text().strip()
    deadline = time.monotonic() + deadline_s
    seen: set[str] = set()
    while time.monotonic() < deadline and not devices <= seen:
        try:
            events = _get_json(f"{hub_url}/api/v1/events?limit=200", token)
        except OSError:
            events = []
        assert isinstance(events, list)
        seen = {str(event["device"]) for event in events}
        time.sleep(0.2)
    return seen


def _start_store(tmp_path: Path, hub_port: int) -> subprocess.Popen[bytes]:
    log = (tmp_path / "store.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aisle.cli",
            "store",
            "up",
            "--headless",
            "--data-dir",
            str(tmp_path / "store"),
            "--hub-port",
            str(hub_port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        assert process.poll() is None, f"store exited early:\n{log.read_text(errors='replace')}"
        time.sleep(0.2)
    pytest.fail(f"{text!r} not printed within {START_DEADLINE_S} s:\n{log.read_text()}")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_headless_store_runs_and_stops_without_orphans(tmp_path: Path, signum: int) -> None:
    hub_port = free_port()
    store = _start_store(tmp_path, hub_port)
    log = tmp_path / "store.log"
    try:
        _wait_for_line(log, "kiosk-edge started", store)
        started = time.monotonic()
        token_file = tmp_path / "store" / "kiosk-1-hub-token"
        assert token_file.stat().st_mode & 0o777 == 0o600
        seen = _wait_for_devices(
            f"http://127.0.0.1:{hub_port}",
            token_file,
            {"kiosk-1", "glasses-1"},
            EVENTS_DEADLINE_S,
        )
        elapsed_s = time.monotonic() - started
        assert {"kiosk-1", "glasses-1"} <= seen, (
            f"events from {sorted(seen)} after {elapsed_s:.1f} s:\n{log.read_text()}"
        )
        indexer = _wait_for_indexer(store, log)
        tree = _descendants(store.pid)
        assert len(tree) >= 6, f"expected broker, central, hub, indexer, two agents: {tree}"
        assert indexer in tree
    finally:
        os.kill(store.pid, signum)
        code = store.wait(timeout=60)
    assert code == 0, log.read_text()
    left = _left_behind(tree)
    assert not left, f"processes left behind: {left}\n{log.read_text()}"


def test_hub_killed_mid_build_leaves_no_indexer(tmp_path: Path) -> None:
    store = _start_store(tmp_path, free_port())
    log = tmp_path / "store.log"
    try:
        _wait_for_line(log, "kiosk-edge started", store)
        indexer = _wait_for_indexer(store, log)
        hub = next(pid for pid in _descendants(store.pid) if "aisle.cli hub " in _cmdline(pid))
        tree = _descendants(store.pid)
        os.kill(hub, signal.SIGKILL)
        code = store.wait(timeout=60)  # the supervisor sees the hub die and stops the rest
    finally:
        if store.poll() is None:
            os.kill(store.pid, signal.SIGTERM)
            store.wait(timeout=60)
    assert code == 1, log.read_text()
    left = _left_behind(tree)
    assert indexer not in left, f"indexer {indexer} outlived the hub it was building for"
    assert not left, f"processes left behind: {left}\n{log.read_text()}"
