"""Tests `aisle hub`: config validation, and a real hub process that serves, ingests from a real
broker, syncs from a real central, and stops cleanly on SIGINT and SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hub_builders import make_envelope
from hub_harness import Publisher, ServedApp, wait_until
from hub_tokens import api_headers

from aisle.broker import BrokerEndpoint, free_port
from contracts.cards import ProductCard
from hub.__main__ import main

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO_ROOT / "hub" / "data" / "demo_hub.toml"
DEMO_STOCK = REPO_ROOT / "hub" / "data" / "demo_store_stock.json"
START_S = 30.0
STOP_S = 20.0


def test_the_demo_config_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--validate-config", str(DEMO_CONFIG)]) == 0
    assert capsys.readouterr().out.strip().endswith("ok")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('store_id = "demo"\ndb_path = "x.db"\ncolour = "red"\n', "→ colour → 'red' → Extra"),
        ('store_id = "demo"\ndb_path = "x.db"\n[http]\nport = 70000\n', "→ http.port → 70000 →"),
        ('store_id = "de mo"\ndb_path = "x.db"\n', "→ store_id → 'de mo' → String should match"),
        ('db_path = "x.db"\n[broker]\nurl = "mqtt://u:secret@h:1"\n', "secrets never go in files"),
        ("store_id = \n", "TOML"),
        ('store_id = "demo"\n', "→ db_path → (missing) → Field required"),
    ],
)
def test_a_bad_config_is_refused_with_file_key_value_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    assert main(["--validate-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(str(path))
    assert expected in err
    assert "secret" not in err.replace("secrets never", "")


@pytest.fixture
def hub_process(
    tmp_path: Path, mqtt_broker: BrokerEndpoint, central: ServedApp, store_id: str
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """`python -m hub` for this test's store, with two products of the demo stock seeded."""
    items = [i for i in json.loads(DEMO_STOCK.read_text())["items"] if i["on_hand"] > 0][:2]
    seed = tmp_path / "stock.json"
    seed.write_text(json.dumps({"store": store_id, "items": items}))
    port = free_port()
    log = tmp_path / "hub.log"
    argv = [sys.executable, "-m", "hub", "--store", store_id, "--db", str(tmp_path / "hub.db")]
    argv += ["--broker-url", f"mqtt://{mqtt_broker.username}@127.0.0.1:{mqtt_broker.port}"]
    argv += ["--central-url", central.base_url, "--port", str(port), "--seed-stock", str(seed)]
    env = {**os.environ, "AISLE_MQTT_PASSWORD": mqtt_broker.password}
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
        )
    yield process, f"http://127.0.0.1:{port}", log
    if process.poll() is None:
        process.kill()
        process.wait()


def _health(base_url: str) -> dict[str, object]:
    try:
        response = httpx.get(f"{base_url}/api/v1/health", timeout=1)
    except httpx.HTTPError:
        return {}
    return dict(response.json()) if response.status_code == 200 else {}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_hub_process_ingests_serves_cards_and_stops_cleanly(
    hub_process: tuple[subprocess.Popen[bytes], str, Path],
    publisher: Publisher,
    store_id: str,
    signum: int,
) -> None:
    process, base_url, log = hub_process
    wait_until(
        lambda: _health(base_url).get("status") == "ok" or process.poll() is not None,
        timeout_s=START_S,
    )
    assert process.poll() is None, log.read_text()
    envelope = make_envelope(store_id, "kiosk-1", 1)
    publisher.publish_event(envelope)
    api = httpx.Client(base_url=base_url, headers=api_headers(log.with_name("hub.db")))
    wait_until(lambda: any(e["id"] == envelope.id for e in api.get("/api/v1/events").json()))
    item = json.loads(DEMO_STOCK.read_text())["items"][0]
    card = ProductCard.model_validate(api.get(f"/api/v1/cards/{item['gtin']}").json())
    api.close()
    assert (card.on_hand, card.central_reachable) == (item["on_hand"], True)

    process.send_signal(signum)
    assert process.wait(timeout=STOP_S) == 0, log.read_text()
    assert "stopped" in log.read_text()


def test_flag_errors_never_print_the_broker_password(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--store", "demo", "--db", "x.db", "--broker-url", "mqtt://u:hunter2@host:99999"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "flags → broker.url → 'mqtt://u:***@host:99999'" in err
    assert "hunter2" not in err
