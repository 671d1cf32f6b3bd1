"""Tests `aisle central` as a real process over HTTP: seeding, concurrent idempotent orders."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from central_seed import OAT_MILK, small_seed

from central.__main__ import main

STARTUP_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    """Waits until central answers /v1/health, failing if it exits or the deadline passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"central exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("central did not become healthy in time")


@pytest.fixture
def central_url(tmp_path: Path) -> Iterator[str]:
    """A real central process on a free loopback port, seeded from a file."""
    seed = tmp_path / "seed.json"
    seed.write_text(small_seed().model_dump_json(), encoding="utf-8")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "central",
        "--db",
        str(tmp_path / "c.db"),
        "--port",
        str(port),
        "--seed",
        str(seed),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down cleanly, then re-raises SIGTERM: the conventional exit status
        assert process.wait(timeout=20) in (0, -signal.SIGTERM)


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "--seed" in capsys.readouterr().out


def test_bad_seed_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"currency": "EUR", "warehouses": [], "products": [{"gtin": "1"}]}')
    assert main(["--db", str(tmp_path / "c.db"), "--seed", str(bad)]) == 2
    assert "products.0" in capsys.readouterr().err


def test_concurrent_retries_make_one_order(central_url: str) -> None:
    body = {"store": "demo", "lines": [{"gtin": OAT_MILK, "quantity": 1}]}

    def post(_: int) -> tuple[int, str]:
        response = httpx.post(
            f"{central_url}/v1/orders",
            json=body,
            headers={"Idempotency-Key": "same-key"},
            timeout=10.0,
        )
        return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(post, range(12)))
    assert sorted(status for status, _ in results) == [200] * 11 + [201]
    assert len({order_id for _, order_id in results}) == 1
    product = httpx.get(f"{central_url}/v1/products/{OAT_MILK}").json()
    assert sum(level["quantity"] for level in product["online_stock"]) == 44
