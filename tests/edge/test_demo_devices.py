"""Runs the shipped demo device configs on their replay fixtures through a real broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisle.broker import BrokerEndpoint
from contracts.envelope import parse_envelope
from contracts.payloads import ScanPayload
from contracts.topics import events_topic
from edge.agent import EdgeAgent
from edge.config import load_device_config, with_overrides

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO = REPO_ROOT / "firmware_configs" / "demo"


@pytest.mark.parametrize("device", ["kiosk-1", "glasses-1"])
def test_demo_device_emits_its_fixtures_expected_scans(
    device: str,
    mqtt_broker: BrokerEndpoint,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recorder,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("AISLE_MQTT_PASSWORD", mqtt_broker.password)
    shipped = load_device_config(DEMO / f"{device}.toml")
    config = with_overrides(
        shipped,
        realtime=False,
        loop=False,
        broker_url=f"mqtt://{mqtt_broker.username}@{mqtt_broker.host}:{mqtt_broker.port}",
        outbox_path=tmp_path / "outbox.sqlite",
    )
    assert config.source.path is not None
    expected = json.loads((config.source.path / "expected.json").read_text())["scans"]
    recorder.subscribe(events_topic(config.store_id, config.device_id))
    stats = EdgeAgent(config).run_until_source_ends(drain_timeout_s=20)
    received = [parse_envelope(recorder.next().payload) for _ in expected]
    assert [ScanPayload.model_validate(e.payload).gtin for e in received] == [
        scan["gtin"] for scan in expected
    ]
    assert [e.seq for e in received] == list(range(1, len(expected) + 1))
    assert (stats.outbox.depth, stats.pipeline.frames_dropped) == (0, 0)
