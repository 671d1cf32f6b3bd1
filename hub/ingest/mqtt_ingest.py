"""Provides `MqttIngest`, the hub's only paho-mqtt code: subscribe to the store's device topics
and hand each message to the `EventProcessor`.

The session is persistent (clean_session=False) so the broker keeps QoS 1 events for the hub
while it is down. Messages are acknowledged by hand, after they are committed or dead-lettered.
A message whose processing failed unexpectedly is kept as a dead letter with the error (its
bytes can be replayed); only if even that write fails is it left unacknowledged, for the broker
to redeliver on the next session. Messages on topics the hub did not subscribe to are dropped
with a warning (some brokers have delivered retained messages to non-matching subscribers).
"""

from __future__ import annotations

import logging
import sqlite3
import ssl
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from contracts.topics import store_device_filter
from hub.config import BrokerAddress
from hub.ingest.processor import LOG_PAYLOAD_BYTES, EventProcessor, IngestCounters

logger = logging.getLogger(__name__)

RECONNECT_MIN_DELAY_S = 1
RECONNECT_MAX_DELAY_S = 30
SUBSCRIBE_QOS = 1


def hub_client_id(store_id: str) -> str:
    """The hub's MQTT client id (letters, digits, '-' and '_' only, as every broker accepts)."""
    return f"hub-{store_id}"


class MqttIngest:
    """Subscribes to `aisle/<store>/dev/+/events` and `.../state` and feeds the processor.

    Args:
        broker: where the broker is and how to log in.
        store_id: this hub's store.
        processor: applies each message (used from paho's network thread only).
        keepalive_s: MQTT keepalive.
    """

    def __init__(
        self,
        broker: BrokerAddress,
        *,
        store_id: str,
        processor: EventProcessor,
        keepalive_s: int = 30,
    ) -> None:
        self._broker = broker
        self._processor = processor
        self._keepalive_s = keepalive_s
        self._filters = (
            store_device_filter(store_id, "events"),
            store_device_filter(store_id, "state"),
        )
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._client = self._make_client(hub_client_id(store_id))

    def _make_client(self, client_id: str) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self._broker.username is not None:
            client.username_pw_set(self._broker.username, self._broker.password)
        if self._broker.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(RECONNECT_MIN_DELAY_S, RECONNECT_MAX_DELAY_S)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    @property
    def counters(self) -> IngestCounters:
        """Ingest totals (received, applied, duplicates, dead letters, ...)."""
        return self._processor.counters

    def is_connected(self) -> bool:
        """True while the hub holds a session with the broker."""
        return self._connected.is_set()

    def wait_subscribed(self, timeout_s: float) -> bool:
        """Waits until the subscriptions are acknowledged; returns False on timeout."""
        return self._subscribed.wait(timeout_s)

    def start(self) -> None:
        """Connects in the background (paho's network thread, which also reconnects)."""
        self._client.connect_async(self._broker.host, self._broker.port, self._keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnects and stops the network thread."""
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            logger.warning("broker refused the hub: %s", reason_code)
            return
        self._connected.set()
        logger.info(
            "connected to broker %s:%d session_present=%s",
            self._broker.host,
            self._broker.port,
            flags.session_present,
        )
        client.subscribe([(topic, SUBSCRIBE_QOS) for topic in self._filters])

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            logger.warning("broker refused subscriptions %s: %s", self._filters, refused)
            return
        self._subscribed.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()
        self._subscribed.clear()
        if reason_code.is_failure:
            logger.warning("lost the broker (%s); paho reconnects with backoff", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        try:
            self._receive(message)
        except Exception as exc:
            self._processor.counters.errors += 1
            logger.exception("ingest failed topic=%s mid=%d", message.topic, message.mid)
            self._quarantine_failed(message, exc)

    def _quarantine_failed(self, message: mqtt.MQTTMessage, exc: Exception) -> None:
        reason = f"internal error: {type(exc).__name__}: {exc}"
        try:
            self._processor.quarantine(message.topic, reason, bytes(message.payload))
        except sqlite3.Error:
            logger.exception(
                "could not keep the failed message, left unacknowledged topic=%s mid=%d",
                message.topic,
                message.mid,
            )
            return
        if message.qos > 0:
            self._client.ack(message.mid, message.qos)

    def _receive(self, message: mqtt.MQTTMessage) -> None:
        topic = message.topic
        if not any(mqtt.topic_matches_sub(sub, topic) for sub in self._filters):
            self._processor.counters.off_topic += 1
            logger.warning(
                "dropped message on a topic the hub did not subscribe to topic=%s payload=%r",
                topic,
                bytes(message.payload[:LOG_PAYLOAD_BYTES]),
            )
        else:
            self._processor.handle(topic, bytes(message.payload))
        if message.qos > 0:
            self._client.ack(message.mid, message.qos)
