"""Provides the kiosk's MQTT scan feed: scans its own edge agent publishes, handed to the UI.

`ScanFeed` subscribes to the kiosk's own device events topic, where its edge agent publishes
confirmed scans, and hands each new scan to a callback (the app posts it to itself as a message,
which is thread-safe). Bad messages are logged, counted and dropped; the loop goes on.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from contracts.envelope import Envelope, parse_envelope
from contracts.errors import ContractError
from contracts.payloads import ScanPayload, parse_payload
from contracts.topics import events_topic
from kiosk.config import BrokerLogin, KioskSettings

logger = logging.getLogger(__name__)

KEEPALIVE_S: Final = 30
RECONNECT_MIN_DELAY_S: Final = 1
RECONNECT_MAX_DELAY_S: Final = 30
SEEN_EVENT_IDS_MAX: Final = 512
_LOG_BYTES: Final = 200

ScanHandler = Callable[[ScanPayload], None]
FeedStatusHandler = Callable[[bool, str], None]


def parse_scan_message(
    raw: bytes, *, store_id: str, device_id: str
) -> tuple[Envelope, ScanPayload | None]:
    """Parses one message from the events topic.

    Args:
        raw: the MQTT payload.
        store_id: the store the kiosk belongs to.
        device_id: the kiosk's device id.

    Returns:
        The envelope and its scan; the scan is None for other event types (not the kiosk's).

    Raises:
        ContractError: the message is not a valid envelope of this device, or its payload is bad.
    """
    envelope = parse_envelope(raw)
    if envelope.store != store_id or envelope.device != device_id:
        raise ContractError(
            f"envelope from {envelope.store}/{envelope.device} on the topic of "
            f"{store_id}/{device_id}"
        )
    if envelope.type != "scan":
        return envelope, None
    payload = parse_payload(envelope)
    if not isinstance(payload, ScanPayload):
        raise ContractError(f"scan payload parsed as {type(payload).__name__}")
    return envelope, payload


class ScanFeed:
    """Delivers the scans the kiosk's edge agent publishes on its own events topic.

    paho runs the network loop in its own thread and reconnects by itself (between
    `RECONNECT_MIN_DELAY_S` and `RECONNECT_MAX_DELAY_S`); the subscription is renewed on every
    connect. Each event id is delivered once; a bad message is logged and counted, never raised.
    """

    def __init__(
        self,
        login: BrokerLogin,
        *,
        store_id: str,
        device_id: str,
        client_id: str | None = None,
    ) -> None:
        """Prepares the feed; nothing connects until `start`.

        Args:
            login: the broker address and credentials.
            store_id: the kiosk's store.
            device_id: the kiosk's device (the edge agent's id).
            client_id: MQTT client id; defaults to `{device_id}-ui`, cut to 64 characters.
        """
        self.login = login
        self.store_id = store_id
        self.device_id = device_id
        self.topic = events_topic(store_id, device_id)
        self.client_id = client_id or f"{device_id}-ui"[-64:]
        self.received = 0
        self.rejected = 0
        self.duplicates = 0
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._on_scan: ScanHandler | None = None
        self._on_status: FeedStatusHandler | None = None
        self._client: mqtt.Client | None = None

    @classmethod
    def from_settings(cls, settings: KioskSettings, environ: Mapping[str, str]) -> ScanFeed:
        """Creates the feed from the kiosk settings (password read from `environ`).

        Raises:
            ConfigError: the broker password variable is not set.
        """
        login = settings.broker_login(environ)
        return cls(login, store_id=settings.store_id, device_id=settings.device_id)

    @property
    def description(self) -> str:
        """Where the feed listens, without the password (for status lines and logs)."""
        user = f"{self.login.username}@" if self.login.username else ""
        scheme = "mqtts" if self.login.tls else "mqtt"
        return f"{scheme}://{user}{self.login.host}:{self.login.port} {self.topic}"

    def start(self, on_scan: ScanHandler, on_status: FeedStatusHandler | None = None) -> None:
        """Connects in the background and calls `on_scan` (from paho's thread) for each new scan.

        Args:
            on_scan: receives each scan once; must be thread-safe (e.g. `App.post_message`).
            on_status: receives (True, reason) once subscribed, (False, reason) on every failure
                or disconnect; called from paho's thread.

        Raises:
            RuntimeError: the feed was already started.
        """
        if self._client is not None:
            raise RuntimeError("the scan feed is already started")
        self._on_scan, self._on_status = on_scan, on_status
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=True,
            protocol=mqtt.MQTTv311,
        )
        if self.login.username is not None:
            client.username_pw_set(self.login.username, self.login.password)
        if self.login.tls:
            client.tls_set()
        client.reconnect_delay_set(RECONNECT_MIN_DELAY_S, RECONNECT_MAX_DELAY_S)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client
        client.connect_async(self.login.host, self.login.port, keepalive=KEEPALIVE_S)
        client.loop_start()

    def stop(self) -> None:
        """Disconnects and stops the network thread; safe to call twice."""
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        client.loop_stop()

    def handle_message(self, topic: str, raw: bytes) -> ScanPayload | None:
        """Parses one message; returns the scan to deliver, or None (not a new scan, or bad).

        Bad messages are logged at WARNING with the topic, reason and first 200 bytes.
        """
        if topic != self.topic:
            logger.warning("scan feed: dropped message on unsubscribed topic %s", topic)
            self.rejected += 1
            return None
        try:
            envelope, payload = parse_scan_message(
                raw, store_id=self.store_id, device_id=self.device_id
            )
        except ContractError as exc:
            self.rejected += 1
            logger.warning(
                "scan feed: rejected message topic=%s reason=%s raw=%r",
                topic,
                exc,
                raw[:_LOG_BYTES],
            )
            return None
        if payload is None:
            return None  # other event types (e.g. photo search) are not the kiosk's business
        return payload if self._first_sight(envelope.id) else None

    def _first_sight(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._seen:
                self.duplicates += 1
                return False
            self._seen[event_id] = None
            while len(self._seen) > SEEN_EVENT_IDS_MAX:
                self._seen.popitem(last=False)
            self.received += 1
            return True

    def _report(self, connected: bool, reason: str) -> None:
        if self._on_status is not None:
            self._on_status(connected, reason)

    def _on_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            logger.warning("scan feed: broker refused %s: %s", self.client_id, reason)
            self._report(False, f"broker refused the connection: {reason}")
            return
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(
        self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: list[Any], _props: Any
    ) -> None:
        if any(reason.is_failure for reason in reasons):
            logger.warning("scan feed: broker refused the subscription to %s", self.topic)
            self._report(False, f"broker refused the subscription to {self.topic}")
            return
        logger.info("scan feed: subscribed to %s", self.topic)
        self._report(True, "subscribed")

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        self._report(False, f"cannot reach the broker at {self.login.host}:{self.login.port}")

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        self._report(False, f"disconnected: {reason}")

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            scan = self.handle_message(message.topic, bytes(message.payload))
            if scan is not None and self._on_scan is not None:
                self._on_scan(scan)
        except Exception:  # top of paho's callback loop: one bad message never stops the feed
            self.rejected += 1
            logger.exception("scan feed: failed to deliver a message on %s", message.topic)
