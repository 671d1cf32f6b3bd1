"""Provides `MqttIngest`, the hub's only paho-mqtt code: subscribe to the store's device topics
and hand each message to the `BatchWriter`, which commits batches through the `EventProcessor`.

The session is persistent (clean_session=False) so the broker keeps QoS 1 events for the hub
while it is down. paho 2.x runs with `manual_ack=True`: paho sends no PUBACK on its own, and the
writer thread calls `client.ack(mid, qos)` for each message only after the transaction holding
it committed (or its dead letter did). `ack` only queues a packet for paho's network thread, so
calling it from the writer thread is safe. An ack is skipped for a message that arrived on an
earlier connection: the broker redelivers it on the new session and dedupe drops it, whereas a
PUBACK with an old packet id could acknowledge another message. Messages on topics the hub did
not subscribe to are dropped with a warning (some brokers have delivered retained messages to
non-matching subscribers).
"""

from __future__ import annotations

import logging
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from contracts.topics import DeviceChannel, store_device_filter
from hub.config import BrokerAddress
from hub.ingest.processor import LOG_PAYLOAD_BYTES, EventProcessor, IngestCounters
from hub.ingest.resend import ResendScheduler
from hub.ingest.writer import MAX_BATCH, QUEUE_MAX, BatchWriter, Inbound
from hub.mqtt_clients import new_client

logger = logging.getLogger(__name__)

RECONNECT_MAX_DELAY_S = 5  # the hub, one client, comes back before devices (their cap: 30 s)
SUBSCRIBE_QOS = 1
WRITER_STOP_S = 10.0
SUBSCRIBED_CHANNELS: tuple[DeviceChannel, ...] = ("events", "state")


def hub_client_id(store_id: str) -> str:
    """The hub's MQTT client id (letters, digits, '-' and '_' only, as every broker accepts)."""
    return f"hub-{store_id}"


class MqttIngest:
    """Subscribes to `aisle/<store>/dev/+/events` and `.../state` and feeds the processor.

    Args:
        broker: where the broker is and how to log in.
        store_id: this hub's store.
        processor: applies each batch (used from the writer thread only).
        keepalive_s: MQTT keepalive.
        max_batch: most messages per transaction.
        queue_max: most messages waiting for the writer before paho's thread is held back.
        resend: ask devices to resend the seqs of open gaps (`hub/ingest/resend.py`).
    """

    def __init__(
        self,
        broker: BrokerAddress,
        *,
        store_id: str,
        processor: EventProcessor,
        keepalive_s: int = 30,
        max_batch: int = MAX_BATCH,
        queue_max: int = QUEUE_MAX,
        resend: bool = True,
    ) -> None:
        self._broker = broker
        self._processor = processor
        self._session = 0  # connection generation, bumped on each CONNACK (paho's thread)
        self.resend = (
            ResendScheduler(processor, store_id=store_id, publish=self._publish_command)
            if resend
            else None
        )
        self._writer = BatchWriter(
            processor,
            ack=self._ack,
            max_batch=max_batch,
            queue_max=queue_max,
            between_batches=None if self.resend is None else self.resend.tick,
        )
        self._keepalive_s = keepalive_s
        self._filters = tuple(
            store_device_filter(store_id, channel) for channel in SUBSCRIBED_CHANNELS
        )
        self._device_prefix = self._filters[0].removesuffix("+/events")
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._client = self._make_client(hub_client_id(store_id))

    def _make_client(self, client_id: str) -> mqtt.Client:
        client = new_client(
            self._broker,
            client_id,
            clean_session=False,
            manual_ack=True,
            reconnect_max_s=RECONNECT_MAX_DELAY_S,
        )
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

    def queue_depth(self) -> int:
        """Messages received and waiting for the writer."""
        return self._writer.depth()

    def start(self) -> None:
        """Starts the writer, then connects in the background (paho's network thread, which
        also reconnects)."""
        self._writer.start()
        self._client.connect_async(self._broker.host, self._broker.port, self._keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnects, stops the network thread, then the writer (what it has not committed
        stays unacknowledged, for the broker to redeliver)."""
        self._client.disconnect()
        self._writer.stop(timeout_s=WRITER_STOP_S)
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
        self._session += 1
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
        except Exception:
            self._processor.counters.errors += 1
            logger.exception("ingest failed topic=%s mid=%d", message.topic, message.mid)

    def _receive(self, message: mqtt.MQTTMessage) -> None:
        topic = message.topic
        item = Inbound(topic, bytes(message.payload), message.mid, message.qos, self._session)
        if self._subscribed_to(topic):
            self._writer.submit(item)
            return
        self._processor.counters.off_topic += 1
        logger.warning(
            "dropped message on a topic the hub did not subscribe to topic=%s payload=%r",
            topic,
            item.payload[:LOG_PAYLOAD_BYTES],
        )
        self._ack(item)

    def _subscribed_to(self, topic: str) -> bool:
        """Whether `topic` matches one of the hub's filters (`aisle/<store>/dev/+/<channel>`)."""
        head, _, rest = topic.rpartition("/")
        return (
            head.startswith(self._device_prefix)
            and "/" not in head[len(self._device_prefix) :]
            and len(head) > len(self._device_prefix)
            and rest in SUBSCRIBED_CHANNELS
        )

    def _publish_command(self, topic: str, payload: bytes) -> None:
        """Publishes a command to a device (QoS 1, not retained; any thread)."""
        if not self._subscribed.is_set():
            raise ConnectionError("not connected to the broker")
        self._client.publish(topic, payload, SUBSCRIBE_QOS, False)

    def _ack(self, item: Inbound) -> None:
        """Acknowledges a durable message to the broker (any thread; paho queues the packet)."""
        if item.qos == 0:
            return
        if item.session != self._session:
            self._processor.counters.stale_acks_skipped += 1
            return
        self._client.ack(item.mid, item.qos)
