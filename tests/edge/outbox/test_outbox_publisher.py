"""Tests the outbox publisher against real mosquitto processes: delivery, PUBACK, reconnects."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aisle.broker import BrokerEndpoint, BrokerProcess, BrokerSpec, free_port, start_broker
from contracts.envelope import parse_envelope
from contracts.payloads import DeviceState
from contracts.topics import events_topic, state_topic
from edge.outbox.publisher import OutboxPublisher, PublisherSettings
from edge.outbox.store import OutboxStore

STORE, DEVICE = "s1", "pub-dev-1"


def wait_until(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    """Polls `condition` until it holds, failing the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout_s} s")
        time.sleep(0.02)


def _settings(endpoint: BrokerEndpoint, *, port: int | None = None) -> PublisherSettings:
    return PublisherSettings(
        store_id=STORE,
        device_id=DEVICE,
        profile="kiosk",
        host=endpoint.host,
        port=port or endpoint.port,
        username=endpoint.username,
        password=endpoint.password,
        keepalive_s=5,
        reconnect_min_s=0.1,
        reconnect_max_s=0.5,
    )


class Running:
    """A publisher running in a thread until `stop()`."""

    def __init__(self, outbox: OutboxStore, settings: PublisherSettings) -> None:
        self.publisher = OutboxPublisher(outbox, settings)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.publisher.run, args=(self._stop,))
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)
        assert not self._thread.is_alive()


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[OutboxStore]:
    store = OutboxStore(
        tmp_path / "outbox.sqlite", store_id=STORE, device_id=DEVICE, budget_bytes=50_000_000
    )
    yield store
    store.close()


def test_rows_wait_for_the_broker_then_are_deleted_on_puback(
    outbox: OutboxStore, tmp_path: Path
) -> None:
    spec = BrokerSpec(
        data_dir=tmp_path / "broker",
        username="aisle-test",
        password=secrets.token_urlsafe(12),
        port=free_port(),
    )
    spec.data_dir.mkdir()
    envelopes = [outbox.append("scan", {"n": n}) for n in range(30)]
    endpoint = BrokerEndpoint("mosquitto", spec.host, spec.port, spec.username, spec.password)
    running = Running(outbox, _settings(endpoint))
    try:
        wait_until(lambda: running.publisher.stats().connection_failures >= 2)
        assert outbox.stats().depth == 30  # nothing is deleted while nobody acknowledges
        broker = start_broker(spec, kind="mosquitto")
        try:
            assert running.publisher.wait_drained(15)
            stats = running.publisher.stats()
            assert (stats.published, stats.acknowledged, outbox.stats().depth) == (30, 30, 0)
        finally:
            running.stop()
            broker.stop()
    finally:
        running.stop()  # idempotent
    assert envelopes[-1].seq == 30


def test_state_is_retained_online_on_connect_and_offline_on_clean_stop(
    mqtt_broker: BrokerEndpoint,
    outbox: OutboxStore,
    recorder,  # type: ignore[no-untyped-def]
) -> None:
    topic = state_topic(STORE, DEVICE)
    recorder.subscribe(topic)
    running = Running(outbox, _settings(mqtt_broker))
    first = DeviceState.model_validate_json(recorder.next(topic=topic).payload)
    while first.status != "online":  # a retained offline state from an earlier test may come first
        first = DeviceState.model_validate_json(recorder.next(topic=topic).payload)
    running.stop()
    last = DeviceState.model_validate_json(recorder.next(topic=topic).payload)
    assert (first.device, last.status) == (DEVICE, "offline")


def test_broker_restart_mid_stream_loses_nothing_and_republishes_nothing(
    outbox: OutboxStore, tmp_path: Path
) -> None:
    spec = BrokerSpec(
        data_dir=tmp_path / "broker",
        username="aisle-test",
        password=secrets.token_urlsafe(12),
        port=free_port(),
    )
    spec.data_dir.mkdir()
    broker: BrokerProcess = start_broker(spec, kind="mosquitto")
    running = Running(outbox, _settings(broker.endpoint))
    try:
        for n in range(400):
            outbox.append("scan", {"n": n})
            running.publisher.notify()
            if n == 200:
                broker.stop()  # rows are in flight and queued while the broker is gone
                broker = start_broker(spec, kind="mosquitto")
        assert running.publisher.wait_drained(30)
        stats = running.publisher.stats()
        print(stats)
        assert stats.connects >= 2 and stats.connection_failures >= 1
        # Each row was handed to paho exactly once; paho re-sent its own in-flight ones.
        assert (stats.published, stats.acknowledged, outbox.stats().depth) == (400, 400, 0)
    finally:
        running.stop()
        broker.stop()


def test_events_arrive_with_their_stored_envelope(
    mqtt_broker: BrokerEndpoint,
    outbox: OutboxStore,
    recorder,  # type: ignore[no-untyped-def]
) -> None:
    recorder.subscribe(events_topic(STORE, DEVICE))
    stored = [outbox.append("scan", {"n": n}) for n in range(5)]
    running = Running(outbox, _settings(mqtt_broker))
    try:
        received = [parse_envelope(recorder.next().payload) for _ in range(5)]
    finally:
        running.stop()
    assert received == stored


def test_wrong_password_is_retried_without_losing_rows(
    mqtt_broker: BrokerEndpoint, outbox: OutboxStore
) -> None:
    outbox.append("scan", {"n": 1})
    settings = _settings(mqtt_broker)
    wrong = PublisherSettings(**{**_fields(settings), "password": "not-the-password"})
    running = Running(outbox, wrong)
    try:
        wait_until(lambda: running.publisher.stats().connection_failures >= 2)
        stats = running.publisher.stats()
        assert (stats.connects, stats.callback_errors, outbox.stats().depth) == (0, 0, 1)
    finally:
        running.stop()


def _fields(settings: PublisherSettings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in PublisherSettings.__slots__}
