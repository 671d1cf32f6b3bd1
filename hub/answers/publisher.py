"""Provides `AnswerPublisher`, the paho client that sends answers to devices (QoS 1).

It has its own connection (client id `hub-<store>-answers`), apart from ingest's persistent
session, so answering never touches the acknowledgement flow of ingest. paho queues publishes
made while it reconnects.
"""

from __future__ import annotations

import logging
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from hub.config import BrokerAddress
from hub.mqtt_clients import new_client

logger = logging.getLogger(__name__)

ANSWER_QOS = 1


def answers_client_id(store_id: str) -> str:
    """The answer publisher's MQTT client id."""
    return f"hub-{store_id}-answers"[:64]


class AnswerPublisher:
    """Publishes answers on device topics.

    Args:
        broker: where the broker is and how to log in.
        store_id: this hub's store.
        keepalive_s: MQTT keepalive.
    """

    def __init__(self, broker: BrokerAddress, *, store_id: str, keepalive_s: int = 30) -> None:
        self._broker = broker
        self._keepalive_s = keepalive_s
        self._connected = threading.Event()
        client = new_client(broker, answers_client_id(store_id))
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        self._client = client

    def start(self) -> None:
        """Connects in the background (paho's network thread, which also reconnects)."""
        self._client.connect_async(self._broker.host, self._broker.port, self._keepalive_s)
        self._client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        """Waits for the broker session; returns False on timeout."""
        return self._connected.wait(timeout_s)

    def stop(self) -> None:
        """Disconnects and stops the network thread."""
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def publish(self, topic: str, payload: bytes) -> None:
        """Queues one answer at QoS 1 (never blocks; paho sends it when connected)."""
        info = self._client.publish(topic, payload, qos=ANSWER_QOS)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            logger.warning("answer not queued topic=%s rc=%s", topic, info.rc)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            logger.warning("broker refused the answer publisher: %s", reason_code)
            return
        self._connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()
