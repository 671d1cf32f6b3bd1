"""Tests the chain scale path with two real mosquitto processes: a store broker bridged by aisle
to a chain broker. Store events reach the chain side and catalog updates come back, across a
restart of the chain broker, with an exact account of the events."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from aisle.broker import (
    BridgeSpec,
    BrokerEndpoint,
    BrokerProcess,
    BrokerSpec,
    free_port,
    mosquitto_config,
    start_broker,
)

STORE = "s-bridge"
WAIT_S = 30.0


def _wait(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {WAIT_S} s")
        time.sleep(0.02)


class Listener:
    """A client with a persistent session that records every message on `topic_filter`."""

    def __init__(self, endpoint: BrokerEndpoint, client_id: str, topic_filter: str) -> None:
        self.messages: list[bytes] = []
        self._lock = threading.Lock()
        self.subscribed = threading.Event()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False
        )
        self._client.username_pw_set(endpoint.username, endpoint.password)
        self._client.reconnect_delay_set(1, 2)
        self._client.on_connect = lambda c, *a: c.subscribe(topic_filter, 1)
        self._client.on_subscribe = lambda *a: self.subscribed.set()
        self._client.on_message = self._on_message
        self._client.connect(endpoint.host, endpoint.port)
        self._client.loop_start()
        assert self.subscribed.wait(WAIT_S)

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(bytes(msg.payload))

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def _publisher(endpoint: BrokerEndpoint, client_id: str) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.username_pw_set(endpoint.username, endpoint.password)
    client.reconnect_delay_set(1, 2)
    client.connect(endpoint.host, endpoint.port)
    client.loop_start()
    return client


@pytest.fixture
def chain_spec(tmp_path: Path) -> BrokerSpec:
    return BrokerSpec(tmp_path / "chain", "chain", secrets.token_urlsafe(12), port=free_port())


@pytest.fixture
def brokers(chain_spec: BrokerSpec, tmp_path: Path) -> Iterator[list[BrokerProcess]]:
    chain = start_broker(chain_spec, kind="mosquitto")
    bridge = BridgeSpec(
        STORE,
        "127.0.0.1",
        chain_spec.port,
        chain_spec.username,
        chain_spec.password,
        restart_min_s=1,
        restart_max_s=2,
    )
    store_spec = BrokerSpec(tmp_path / "store", "aisle", secrets.token_urlsafe(12), bridge=bridge)
    store = start_broker(store_spec, kind="mosquitto")
    running = [store, chain]
    yield running
    for broker in running:
        broker.stop()


def test_the_bridge_config_names_topics_and_keeps_the_password_out_of_sight(
    tmp_path: Path,
) -> None:
    bridge = BridgeSpec(STORE, "chain.example", 8883, "store-7", "s3cret")
    spec = BrokerSpec(tmp_path, "aisle", "x", bridge=bridge)
    text = mosquitto_config(spec, port=1883, password_file=tmp_path / "passwd")
    assert f"topic dev/+/events out 1 aisle/{STORE}/ aisle/{STORE}/" in text
    assert f"topic catalog/# in 1 aisle/{STORE}/ aisle/{STORE}/" in text
    assert "cleansession false" in text and "address chain.example:8883" in text
    assert "s3cret" not in repr(bridge)


def test_store_events_reach_the_chain_and_catalog_comes_back_across_a_chain_restart(
    brokers: list[BrokerProcess], chain_spec: BrokerSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    store, chain = brokers
    chain_side = Listener(chain.endpoint, "central-consumer", "aisle/+/dev/+/events")
    device_side = Listener(store.endpoint, "kiosk-1", f"aisle/{STORE}/catalog/#")
    device = _publisher(store.endpoint, "till-1")
    central = _publisher(chain.endpoint, "central-publisher")
    events = f"aisle/{STORE}/dev/till-1/events"
    try:
        _wait(lambda: _bridge_up(central, device_side), "bridge carries catalog in")
        for n in range(200):
            device.publish(events, f"event-{n}".encode(), qos=1)
        _wait(lambda: chain_side.count() >= 100, "events reach the chain")
        chain.stop()
        for n in range(200, 400):  # the chain is down: the store broker keeps them
            device.publish(events, f"event-{n}".encode(), qos=1).wait_for_publish(WAIT_S)
        restarted = start_broker(chain_spec, kind="mosquitto")
        brokers[1] = restarted
        _wait(lambda: len(set(chain_side.messages)) >= 400, "every event after the restart")
        before = device_side.count()
        central.publish(f"aisle/{STORE}/catalog/price-delta", b"after-restart", qos=1)
        _wait(lambda: b"after-restart" in device_side.messages[before:], "catalog comes back")
    finally:
        for client in (device, central):
            client.disconnect()
            client.loop_stop()
        chain_side.close()
        device_side.close()
    distinct = set(chain_side.messages)
    with capsys.disabled():
        print(
            f"\nACCOUNTING bridge_chain_restart: sent=400 at_chain={len(distinct)} "
            f"lost={400 - len(distinct)} redelivered={len(chain_side.messages) - len(distinct)}"
        )
    assert distinct == {f"event-{n}".encode() for n in range(400)}


def _bridge_up(central: mqtt.Client, device_side: Listener) -> bool:
    central.publish(f"aisle/{STORE}/catalog/ping", b"ping", qos=1)
    time.sleep(0.2)
    return b"ping" in device_side.messages
