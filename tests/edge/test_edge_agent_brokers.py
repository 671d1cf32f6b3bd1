"""Runs the edge agent's replay -> broker path against every broker aisle supports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aisle.broker import BrokerEndpoint
from contracts.envelope import parse_envelope
from contracts.payloads import ScanPayload
from contracts.topics import events_topic
from edge.agent import EdgeAgent
from edge.config import DeviceConfig

OAT = "4006381333931"


@pytest.fixture
def edge_broker(any_broker: BrokerEndpoint) -> BrokerEndpoint:
    """This module's tests run once on mosquitto and once on the pip fallback broker."""
    return any_broker


def test_scan_reaches_the_broker(
    make_replay: Callable[..., Path],
    broker_config: Callable[..., DeviceConfig],
    recorder,  # type: ignore[no-untyped-def]
) -> None:
    config = broker_config(make_replay([None, OAT, OAT, OAT, None]))
    topic = events_topic(config.store_id, config.device_id)
    recorder.subscribe(topic)
    stats = EdgeAgent(config).run_until_source_ends(drain_timeout_s=20)
    # amqtt once delivered a retained message to a non-matching subscriber: wait on our topic
    envelope = parse_envelope(recorder.next(topic=topic).payload)
    assert ScanPayload.model_validate(envelope.payload).gtin == OAT.zfill(14)
    assert (envelope.seq, stats.outbox.depth, stats.pipeline.scans_stored) == (1, 0, 1)
