"""Provides the hub test harness: waiting with deadlines, a running ingest, a device publisher."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import uvicorn
from paho.mqtt.enums import CallbackAPIVersion

from aisle.broker import BrokerEndpoint, free_port
from contracts.envelope import Envelope
from contracts.topics import events_topic
from hub.config import BrokerAddress
from hub.db.connection import open_database
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor

WAIT_S = 10.0


def wait_until(predicate: Callable[[], bool], *, timeout_s: float = WAIT_S) -> None:
    """Polls `predicate` until it holds; fails the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout_s} s")
        time.sleep(0.01)


def utc_now() -> datetime:
    """The real clock, UTC."""
    return datetime.now(UTC)


def broker_address(endpoint: BrokerEndpoint) -> BrokerAddress:
    """The hub's view of a test broker."""
    return BrokerAddress(endpoint.host, endpoint.port, False, endpoint.username, endpoint.password)


@dataclass
class RunningIngest:
    """An ingest connected to the broker, with its own database connection."""

    ingest: MqttIngest
    processor: EventProcessor

    def wait_received(self, count: int) -> None:
        """Waits until the ingest has processed `count` device messages (or dropped them)."""
        counters = self.processor.counters
        wait_until(lambda: counters.processed + counters.off_topic >= count)


def start_ingest(endpoint: BrokerEndpoint, db_path: Path, store: str) -> RunningIngest:
    """Starts an ingest for `store` and waits for its subscriptions."""
    processor = EventProcessor(
        open_database(db_path, run_migrations=False), store_id=store, clock=utc_now
    )
    ingest = MqttIngest(broker_address(endpoint), store_id=store, processor=processor)
    ingest.start()
    assert ingest.wait_subscribed(WAIT_S), "ingest did not subscribe"
    return RunningIngest(ingest, processor)


class Publisher:
    """A device-side MQTT client that publishes raw bytes at QoS 1 and waits for PUBACK."""

    def __init__(self, endpoint: BrokerEndpoint, client_id: str) -> None:
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id
        )
        self._client.username_pw_set(endpoint.username, endpoint.password)
        self._client.connect(endpoint.host, endpoint.port)
        self._client.loop_start()

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Publishes and waits until the broker acknowledged the message."""
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout=WAIT_S)
        assert info.is_published(), f"broker did not acknowledge {topic}"

    def publish_event(self, envelope: Envelope) -> None:
        """Publishes an envelope on its device's events topic."""
        self.publish(events_topic(envelope.store, envelope.device), envelope.to_json_bytes())

    def close(self) -> None:
        """Disconnects."""
        self._client.disconnect()
        self._client.loop_stop()


class ServedApp:
    """An ASGI app served by uvicorn in a thread on a free loopback port."""

    def __init__(self, app: Any) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)
        self._thread.start()
        wait_until(lambda: self._server.started)

    def stop(self) -> None:
        """Asks uvicorn to exit and waits for its thread."""
        self._server.should_exit = True
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive(), "uvicorn did not stop"
