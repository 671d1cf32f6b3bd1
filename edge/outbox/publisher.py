"""Provides `OutboxPublisher`: drains the outbox to the broker at QoS 1 and keeps device state.

One thread (`run`) owns the paho client: it connects, runs paho's network loop, publishes outbox
rows and deletes each row when its PUBACK arrives. Other threads only call `notify`, `set_state`
and `stats`, so paho is never used from two threads.

Delivery rules:
- An outbox row is published only after it is stored (the store writes first).
- paho keeps every QoS 1 message it has not seen acknowledged and re-sends it itself after a
  reconnect, so rows already handed to paho are tracked by message id (`mid`) and never published
  again by us; only rows after the last one handed over are new. A restarted process has no such
  memory and publishes every stored row again; the hub dedupes on the envelope id.
- Our own reconnect loop with capped exponential backoff; callbacks never raise.
- The same connection subscribes to the device's cmd topic: a `resend` command is answered by
  `ResendResponder` (archived envelopes published again, unheld seqs reported).
- Every state carries `delivered_seq` (all seqs up to it acknowledged), and the state is
  published again when the stream goes quiet with `delivered_seq` advanced, so the hub learns
  how far the device got even when a broker forgot the last events of a stream.
- Last will: retained `DeviceState(status="offline")` on the state topic. Right after each
  connect, a retained online state; on a clean stop, a retained offline state.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from contracts.payloads import DeviceState
from contracts.topics import cmd_topic, events_topic, state_topic
from edge.outbox.resend import ResendResponder
from edge.outbox.settings import PublisherSettings, PublisherStats
from edge.outbox.store import OutboxStore

logger = logging.getLogger(__name__)

__all__ = ["OutboxPublisher", "PublisherSettings", "PublisherStats"]

MAX_INFLIGHT = 20  # QoS 1 messages handed to paho and not yet acknowledged
LOOP_TIMEOUT_S = 0.05  # longest wait inside paho's network loop per turn
IDLE_DRAIN_S = 1.0  # look at the outbox at least this often even without a notify()
STOP_FLUSH_S = 2.0  # on stop, wait this long for the offline state to be acknowledged
CONNECT_TIMEOUT_S = 5.0  # TCP connect timeout per attempt


class OutboxPublisher:
    """Publishes a device's outbox and state to its broker; run it in its own thread."""

    def __init__(self, outbox: OutboxStore, settings: PublisherSettings) -> None:
        """Creates the publisher and its paho client (no connection yet).

        Args:
            outbox: the device outbox to drain.
            settings: broker address, credentials and timings.
        """
        self._outbox = outbox
        self._settings = settings
        self._events_topic = events_topic(settings.store_id, settings.device_id)
        self._state_topic = state_topic(settings.store_id, settings.device_id)
        self._cmd_topic = cmd_topic(settings.store_id, settings.device_id)
        self._responder = ResendResponder(outbox, device_id=settings.device_id)
        self._resend_bodies: list[bytes] = []  # publisher thread only
        self._announced_seq = -1  # delivered_seq in the last state published
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._drained = threading.Event()
        self._generation = 0
        self._inflight: dict[int, int] = {}  # paho mid -> outbox seq
        self._sent_through = 0  # highest seq handed to paho
        self._state = DeviceState(
            device=settings.device_id,
            profile=settings.profile,
            status="online",
            ts=datetime.now(UTC),
        )
        self._state_dirty = False
        self._connected = False
        self._just_connected = False
        self._next_idle_drain_s = 0.0
        self._counts = {"connects": 0, "failures": 0, "published": 0, "acked": 0, "errors": 0}
        self._client = self._make_client()

    def _offline_state(self) -> DeviceState:
        settings = self._settings
        return DeviceState(device=settings.device_id, profile=settings.profile, status="offline")

    def _make_client(self) -> mqtt.Client:
        settings = self._settings
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=settings.device_id,
            clean_session=True,
            protocol=mqtt.MQTTv311,
        )
        client.username_pw_set(settings.username, settings.password)
        client.will_set(self._state_topic, self._state_bytes(self._offline_state()), 1, True)
        client.max_inflight_messages_set(MAX_INFLIGHT)
        client.connect_timeout = CONNECT_TIMEOUT_S
        if settings.tls:
            ca = None if settings.tls_ca_path is None else str(settings.tls_ca_path)
            client.tls_set(ca_certs=ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        return client

    @staticmethod
    def _state_bytes(state: DeviceState) -> bytes:
        return state.model_dump_json(exclude_none=False).encode()

    # -- called from other threads -------------------------------------------------------------

    def notify(self) -> None:
        """Tells the publisher new rows are in the outbox (any thread)."""
        with self._lock:
            self._generation += 1
            self._drained.clear()
        self._wake.set()

    def set_state(self, state: DeviceState) -> None:
        """Publishes `state` retained on the state topic at the next chance (any thread)."""
        with self._lock:
            self._state = state
            self._state_dirty = True
        self._wake.set()

    def wait_drained(self, timeout_s: float) -> bool:
        """Waits until every stored row is acknowledged; False on timeout."""
        self.notify()
        return self._drained.wait(timeout_s)

    def stats(self) -> PublisherStats:
        """Current counters (any thread)."""
        with self._lock:
            counts, inflight, connected = dict(self._counts), len(self._inflight), self._connected
        return PublisherStats(
            connected,
            counts["connects"],
            counts["failures"],
            counts["published"],
            counts["acked"],
            inflight,
            counts["errors"],
            self._responder.stats(),
        )

    # -- paho callbacks (publisher thread, never raise) ----------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        try:
            if reason_code.is_failure:
                with self._lock:
                    self._counts["failures"] += 1
                logger.warning(
                    "device %s: broker refused the connection: %s",
                    self._settings.device_id,
                    reason_code,
                )
                return
            with self._lock:
                self._connected = True
                self._just_connected = True
                self._counts["connects"] += 1
            client.subscribe(self._cmd_topic, 1)
            logger.info("device %s connected to %s", self._settings.device_id, self._settings)
        except Exception:
            self._callback_failed("on_connect")

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        try:
            with self._lock:
                was_connected, self._connected = self._connected, False
            if was_connected:
                logger.warning(
                    "device %s lost the broker: %s; %d messages stay with the client for re-send",
                    self._settings.device_id,
                    reason_code,
                    len(self._inflight),
                )
        except Exception:
            self._callback_failed("on_disconnect")

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        try:
            with self._lock:
                seq = self._inflight.pop(mid, None)
            if seq is None:
                return  # a state message, not an outbox row
            self._outbox.delete(seq)
            with self._lock:
                self._counts["acked"] += 1
            self._wake.set()  # room for the next row
        except Exception:
            self._callback_failed("on_publish")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            if message.topic != self._cmd_topic:
                return
            bodies, stored = self._responder.handle(bytes(message.payload))
            self._resend_bodies.extend(bodies)
            if bodies or stored:
                self.notify()
        except Exception:
            self._callback_failed("on_message")

    def _callback_failed(self, name: str) -> None:
        with self._lock:
            self._counts["errors"] += 1
        logger.exception("device %s: error in paho %s callback", self._settings.device_id, name)

    # -- the publisher thread ------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Connects, publishes and reconnects until `stop` is set; then says offline and leaves.

        Args:
            stop: set from any thread to end the loop.
        """
        settings = self._settings
        self._client.connect_async(settings.host, settings.port, settings.keepalive_s)
        backoff_s = settings.reconnect_min_s
        while not stop.is_set():
            if self._client.socket() is None and not self._open_socket():
                self._wait_backoff(stop, backoff_s)
                backoff_s = min(backoff_s * 2, settings.reconnect_max_s)
                continue
            if self._client.loop(timeout=LOOP_TIMEOUT_S) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._note_lost()
                self._wait_backoff(stop, backoff_s)
                backoff_s = min(backoff_s * 2, settings.reconnect_max_s)
                continue
            if self._connected:
                backoff_s = settings.reconnect_min_s
                self._serve_connection()
        self._say_goodbye()

    def _open_socket(self) -> bool:
        settings = self._settings
        try:
            self._client.reconnect()
        except (OSError, ssl.SSLError) as exc:
            with self._lock:
                self._counts["failures"] += 1
            logger.warning(
                "device %s cannot reach broker %s:%d: %s",
                settings.device_id,
                settings.host,
                settings.port,
                exc,
            )
            return False
        return True

    def _note_lost(self) -> None:
        with self._lock:
            self._connected = False
            self._counts["failures"] += 1
        if self._client.socket() is not None:
            self._client.disconnect()

    def _wait_backoff(self, stop: threading.Event, backoff_s: float) -> None:
        logger.info("device %s reconnects in %.1f s", self._settings.device_id, backoff_s)
        stop.wait(backoff_s)

    def _serve_connection(self) -> None:
        with self._lock:
            just_connected, self._just_connected = self._just_connected, False
            state_due = self._state_dirty or just_connected
            self._state_dirty = False
            state = self._state
        now_s = time.monotonic()
        idle_turn = now_s >= self._next_idle_drain_s
        delivered = self._outbox.delivered_seq() if state_due or idle_turn else -1
        if state_due or (idle_turn and not self._inflight and delivered != self._announced_seq):
            # Published after paho's own re-sends (done while it handled CONNACK): newest wins.
            stamped = state.model_copy(update={"delivered_seq": delivered})
            self._client.publish(self._state_topic, self._state_bytes(stamped), 1, True)
            self._announced_seq = delivered
        self._publish_resends()
        if just_connected or self._wake.is_set() or idle_turn:
            self._wake.clear()
            # Also look without a notify() now and then (rows left by an earlier run, acks).
            self._next_idle_drain_s = now_s + IDLE_DRAIN_S
            self._drain()

    def _publish_resends(self) -> None:
        """Publishes the archived envelopes a resend command asked for."""
        bodies, self._resend_bodies = self._resend_bodies, []
        for body in bodies:  # not in `_inflight`: their PUBACKs delete nothing
            self._client.publish(self._events_topic, body, 1, False)

    def _drain(self) -> None:
        with self._lock:
            generation = self._generation
            room = MAX_INFLIGHT - len(self._inflight)
            after = self._sent_through
        rows = self._outbox.pending(after_seq=after, limit=room) if room > 0 else []
        for row in rows:
            info = self._client.publish(self._events_topic, row.body, 1, False)
            if info.rc == MQTTErrorCode.MQTT_ERR_QUEUE_SIZE:
                break  # paho did not keep it; it stays in the outbox for the next turn
            with self._lock:  # paho keeps it (even when the send failed) and will re-send it
                self._inflight[info.mid] = row.seq
                self._sent_through = row.seq
                self._counts["published"] += 1
        with self._lock:
            if not rows and not self._inflight and generation == self._generation:
                self._drained.set()

    def _say_goodbye(self) -> None:
        if not self._connected:
            self._client.disconnect()
            return
        # A clean DISCONNECT suppresses the last will, so publish the offline state ourselves.
        offline = self._state_bytes(
            self._offline_state().model_copy(update={"ts": datetime.now(UTC)})
        )
        info = self._client.publish(self._state_topic, offline, 1, True)
        for _ in range(int(STOP_FLUSH_S / LOOP_TIMEOUT_S)):
            if info.is_published():
                break
            if self._client.loop(timeout=LOOP_TIMEOUT_S) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                break
        with self._lock:
            self._connected = False  # a deliberate disconnect, not a lost broker
        self._client.disconnect()
        logger.info("device %s disconnected cleanly", self._settings.device_id)
