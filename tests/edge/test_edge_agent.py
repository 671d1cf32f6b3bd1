"""Tests `EdgeAgent` end to end: replay -> scanner -> outbox -> real mosquitto -> subscriber."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from contracts.envelope import parse_envelope
from contracts.payloads import DeviceState, ScanPayload
from contracts.topics import events_topic, state_topic
from edge.agent import EdgeAgent
from edge.config import DeviceConfig

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
