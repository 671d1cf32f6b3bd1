"""Fault tests on the stream itself: duplicated and reordered deliveries, and poison messages
mixed into valid traffic. Each ends with an exact accounting."""

from __future__ import annotations

import json
import random
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from fault_device import sale
from fault_harness import (
    RestartableBroker,
    account,
    applied_count,
    broker_address,
    report,
    start_ingest,
    wait_until,
)
from paho.mqtt.enums import CallbackAPIVersion

from aisle.broker import BrokerEndpoint
from contracts.envelope import ENVELOPE_VERSION, Envelope
from contracts.ids import new_ulid
from contracts.topics import events_topic
from hub.db.connection import open_database

STORE = "faults"


def _envelope(device: str, seq: int, **payload_changes: object) -> Envelope:
    payload = {**sale(device, seq), **payload_changes}
    return Envelope(
        v=ENVELOPE_VERSION,
        id=new_ulid(1_780_000_000_000 + seq),
        store=STORE,
        device=device,
        seq=seq,
        ts="2026-05-28T10:00:00Z",
        type="sale",
        payload=payload,
    )


class RawDevice:
    """A device that publishes exactly the bytes it is given, at QoS 1."""

    def __init__(self, endpoint: BrokerEndpoint, client_id: str) -> None:
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self._client.username_pw_set(endpoint.username, endpoint.password)
        self._client.connect(endpoint.host, endpoint.port)
        self._client.loop_start()

    def publish_all(self, messages: list[tuple[str, bytes]]) -> None:
        infos = [self._client.publish(topic, body, qos=1) for topic, body in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
            assert info.is_published()

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def test_duplicated_and_reordered_deliveries_apply_once(
    mosquitto: RestartableBroker, hub_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(6)
    count = 300
    envelopes = {d: [_envelope(d, s) for s in range(1, count + 1)] for d in ("pos-1", "pos-2")}
    stream = []
    for device, items in envelopes.items():
        topic = events_topic(STORE, device)
        for envelope in items:
            body = envelope.to_json_bytes()
            stream.append((topic, body))
            if rng.random() < 0.3:  # the same event again, byte for byte or re-serialised
                again = body if rng.random() < 0.5 else json.dumps(json.loads(body)).encode()
                stream.append((topic, again))
    rng.shuffle(stream)
    hub = start_ingest(broker_address(mosquitto.endpoint), hub_db_path, STORE)
    device = RawDevice(mosquitto.endpoint, "raw-dup")
    try:
        device.publish_all(stream)
        wait_until(lambda: hub.processor.counters.processed >= len(stream), what="all processed")
    finally:
        device.close()
        hub.stop()
    db = open_database(hub_db_path, run_migrations=False)
    result = account("duplicated_reordered", db, {d: count for d in envelopes})
    result.extra["deliveries"] = len(stream)
    result.extra["late_fills"] = hub.processor.counters.late_fills
    report(result, capsys)
    assert result.redeliveries_ignored == len(stream) - 2 * count


def _poison(topic: str, valid: Envelope) -> list[tuple[str, bytes]]:
    other_device = events_topic(STORE, "pos-9")
    conflicting = _envelope("pos-1", valid.seq, receipt="tampered")
    conflicting = conflicting.model_copy(update={"id": valid.id})
    return [
        (topic, b"\x00\xffnot json"),
        (topic, b"[1, 2, 3]"),
        (topic, b"{" + b" " * 300_000 + b"}"),
        (topic, _envelope("pos-1", 999, lines=[]).to_json_bytes()),
        (
            topic,
            _envelope("pos-1", 998).model_copy(update={"type": "nope"}).to_json_bytes(),
        ),
        (other_device, _envelope("pos-1", 997).to_json_bytes()),
        (topic, conflicting.to_json_bytes()),
    ]


def test_poison_messages_are_dead_lettered_once_and_the_stream_goes_on(
    mosquitto: RestartableBroker, hub_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    count = 200
    topic = events_topic(STORE, "pos-1")
    valid = [_envelope("pos-1", s) for s in range(1, count + 1)]
    stream = [(topic, e.to_json_bytes()) for e in valid]
    poison = _poison(topic, valid[10])
    for index, message in enumerate(poison):
        stream.insert(20 + index * 25, message)
    hub = start_ingest(broker_address(mosquitto.endpoint), hub_db_path, STORE)
    device = RawDevice(mosquitto.endpoint, "raw-poison")
    try:
        device.publish_all(stream)
        wait_until(lambda: applied_count(hub_db_path) >= count, what="valid sales applied")
        wait_until(lambda: hub.processor.counters.dead_letters >= len(poison), what="poison kept")
    finally:
        device.close()
        hub.stop()
    db = open_database(hub_db_path, run_migrations=False)
    result = account("poison", db, {"pos-1": count})
    report(result, capsys)
    assert result.dead_letters == len(poison)  # each once: acknowledged, never redelivered
    reasons = [r[0] for r in db.execute("SELECT reason FROM dead_letters ORDER BY id")]
    assert any("already applied with different content" in r for r in reasons)
