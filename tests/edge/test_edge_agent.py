"""Tests `EdgeAgent` end to end: replay -> scanner -> outbox -> real mosquitto -> subscriber."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from aisle.broker import BrokerEndpoint
from contracts.envelope import parse_envelope
from contracts.payloads import DeviceState, ScanPayload
from contracts.topics import events_topic, state_topic
from edge.agent import EdgeAgent
from edge.config import DeviceConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD_ENV = "AISLE_TEST_MQTT_PASSWORD"
OAT = "4006381333931"
TEA = "5901234123457"


def test_replay_scans_arrive_as_envelopes_in_seq_order(
    make_replay: Callable[..., Path],
    broker_config: Callable[..., DeviceConfig],
    recorder,  # type: ignore[no-untyped-def]
) -> None:
    replay = make_replay([None, OAT, OAT, OAT, None, None] + [None] * 10 + [TEA] * 4 + [None] * 3)
    config = broker_config(replay)
    recorder.subscribe(events_topic(config.store_id, config.device_id))
    stats = EdgeAgent(config).run_until_source_ends(drain_timeout_s=20)
    assert stats.outbox.depth == 0
    assert stats.pipeline.frames_processed == 23
    envelopes = [parse_envelope(recorder.next().payload) for _ in range(2)]
    assert [e.seq for e in envelopes] == [1, 2]
    gtins = [ScanPayload.model_validate(e.payload).gtin for e in envelopes]
    expected = json.loads((replay / "expected.json").read_text())["scans"]
    assert gtins == [scan["gtin"] for scan in expected]
    assert all(e.type == "scan" and e.device == config.device_id for e in envelopes)


def test_agent_publishes_retained_state(
    make_replay: Callable[..., Path],
    broker_config: Callable[..., DeviceConfig],
    recorder,  # type: ignore[no-untyped-def]
) -> None:
    config = broker_config(make_replay([OAT] * 3))
    EdgeAgent(config).run_until_source_ends(drain_timeout_s=20)
    recorder.subscribe(state_topic(config.store_id, config.device_id))
    retained = recorder.next(topic=state_topic(config.store_id, config.device_id))
    state = DeviceState.model_validate_json(retained.payload)
    assert retained.retain
    assert state.status == "offline"  # a clean stop says so itself
    assert state.device == config.device_id


def _write_toml(path: Path, replay: Path, outbox: Path, endpoint: BrokerEndpoint) -> Path:
    path.write_text(
        f"""
store_id = "teststore"
device_id = "kiosk-proc"
profile = "kiosk"
state_interval_s = 0.5
[broker]
url = "mqtt://{endpoint.host}:{endpoint.port}"
username = "{endpoint.username}"
password_env = "{PASSWORD_ENV}"
keepalive_s = 5
[source]
kind = "replay"
path = "{replay}"
fps = 15
realtime = true
loop = true
[outbox]
path = "{outbox}"
budget_mb = 5
"""
    )
    return path


def _start_agent(config: Path, endpoint: BrokerEndpoint) -> subprocess.Popen[bytes]:
    env = {**os.environ, PASSWORD_ENV: endpoint.password}
    return subprocess.Popen(
        [sys.executable, "-m", "aisle.cli", "edge", "--config", str(config)],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _next_state(  # type: ignore[no-untyped-def]
    recorder, topic: str, status: str, *, min_fps: float = 0.0
) -> DeviceState:
    while True:
        state = DeviceState.model_validate_json(recorder.next(topic=topic, timeout_s=20).payload)
        if state.status == status and state.fps >= min_fps:
            return state


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_agent_process_state_and_last_will(
    how: str,
    make_replay: Callable[..., Path],
    mqtt_broker: BrokerEndpoint,
    tmp_path: Path,
    recorder,  # type: ignore[no-untyped-def]
) -> None:
    replay = make_replay([None, OAT, OAT, OAT] + [None] * 20)
    config = _write_toml(tmp_path / "kiosk-proc.toml", replay, tmp_path / "o.sqlite", mqtt_broker)
    state_t = state_topic("teststore", "kiosk-proc")
    recorder.subscribe(state_t)
    recorder.subscribe(events_topic("teststore", "kiosk-proc"))
    process = _start_agent(config, mqtt_broker)
    try:
        online = _next_state(recorder, state_t, "online")
        scan = parse_envelope(
            recorder.next(topic=events_topic("teststore", "kiosk-proc"), timeout_s=20).payload
        )
        assert online.profile == "kiosk" and scan.seq == 1
        measured = _next_state(recorder, state_t, "online", min_fps=1.0)  # frames are flowing
        assert measured.ts is not None and measured.reasons == []
        process.send_signal(signal.SIGKILL if how == "SIGKILL" else signal.SIGTERM)
        offline = _next_state(recorder, state_t, "offline")
        assert process.wait(20) == (-signal.SIGKILL if how == "SIGKILL" else 0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    # The will is written at connect (no ts); a clean stop stamps its own offline state.
    assert (offline.ts is None) == (how == "SIGKILL")


def test_lost_camera_is_reported_degraded(
    broker_config: Callable[..., DeviceConfig],
    tmp_path: Path,
    recorder,  # type: ignore[no-untyped-def]
) -> None:
    config = broker_config(
        tmp_path, source={"kind": "camera", "camera": str(tmp_path / "no-camera.avi")}
    )
    topic = state_topic(config.store_id, config.device_id)
    recorder.subscribe(topic)
    stop = threading.Event()
    agent = EdgeAgent(config)
    runner = threading.Thread(target=agent.run, args=(stop,))
    runner.start()
    try:
        degraded = _next_state(recorder, topic, "degraded")
    finally:
        stop.set()
        runner.join(20)
    assert not runner.is_alive()
    assert any("cannot be opened" in reason for reason in degraded.reasons)


def test_cli_plays_a_replay_once_and_exits_when_delivered(
    mqtt_broker: BrokerEndpoint, tmp_path: Path
) -> None:
    fixture = REPO_ROOT / "tests" / "fixtures" / "replays" / "kiosk_oat_milk"
    broker_url = f"mqtt://{mqtt_broker.username}@{mqtt_broker.host}:{mqtt_broker.port}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aisle.cli",
            "edge",
            "--config",
            str(REPO_ROOT / "firmware_configs" / "demo" / "kiosk-1.toml"),
            "--replay",
            str(fixture),
            "--broker-url",
            broker_url,
            "--outbox",
            str(tmp_path / "outbox.sqlite"),
            "--exit-at-end",
        ],
        env={**os.environ, "AISLE_MQTT_PASSWORD": mqtt_broker.password},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    expected = json.loads((fixture / "expected.json").read_text())["scans"]
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "scans_stored": len(expected),
        "outbox_depth": 0,
    }
