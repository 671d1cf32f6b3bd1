"""Provides `IndexReceiver`: the device's MQTT client for index distribution.

It opens its own connection with client id `<device>-idx` rather than sharing the outbox
publisher's: that publisher's thread owns its paho client and must keep draining events while
hundreds of megabytes of chunks arrive, and its last will and retained state belong to the device's
one presence on the broker. The receiver carries no last will and uses a clean session.

Threads: paho's network thread (`loop_start`, which also reconnects) only parses and queues;
one worker thread owns the `IndexTransfer` (chunk checks, file writes, install, swap) and
publishes its requests. A bad message is logged once and counted; nothing stops either loop.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from contracts.errors import ContractError
from contracts.index import (
    IndexChunk,
    IndexManifest,
    chunk_topic,
    decode_chunk,
    manifest_topic,
    parse_manifest,
    request_topic,
)
from edge.index.transfer import IndexTransfer, TransferStats
from edge.mqtt_clients import BrokerLogin, new_client, side_client_id

logger = logging.getLogger(__name__)

TICK_S = 0.2  # the worker looks at timeouts at least this often
QUEUE_MAX = 256  # messages waiting for the worker; chunks beyond it are dropped and asked again
LOG_PAYLOAD_BYTES = 200
STOP_JOIN_S = 10.0
SUBSCRIBE_QOS = 1
CLIENT_SUFFIX = "-idx"


@dataclass(frozen=True, slots=True)
class ReceiverStats:
    """Receiver counters: connection, messages, and the transfer's own counters."""

    connected: bool
    connects: int
    bad_messages: int
    dropped: int
    transfer: TransferStats


class IndexReceiver:
    """Receives index versions over MQTT into an `IndexTransfer`; start, then stop."""

    def __init__(
        self, transfer: IndexTransfer, login: BrokerLogin, *, store_id: str, device_id: str
    ):
        """Builds the client (no connection yet).

        Args:
            transfer: the transfer state machine (owned by the worker thread from `start` on).
            login: broker address and credentials.
            store_id: the device's store.
            device_id: the device (its client id is `<device>-idx`).
        """
        self._transfer = transfer
        self._login = login
        self._device_id = device_id
        self._manifest_topic = manifest_topic(store_id)
        self._chunk_topic = chunk_topic(store_id)
        self._request_topic = request_topic(store_id, device_id)
        self._inbox: queue.Queue[tuple[str, Any]] = queue.Queue(QUEUE_MAX)
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._lock = threading.Lock()
        self._counts = {"connects": 0, "bad": 0, "dropped": 0}
        self._worker: threading.Thread | None = None
        self._client = self._make_client(side_client_id(device_id, CLIENT_SUFFIX))

    def _make_client(self, client_id: str) -> mqtt.Client:
        client = new_client(self._login, client_id)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def start(self) -> None:
        """Starts the worker, then connects in the background (paho reconnects by itself)."""
        self._worker = threading.Thread(
            target=self._work, name=f"index-{self._device_id}", daemon=True
        )
        self._worker.start()
        self._client.connect_async(self._login.host, self._login.port, self._login.keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnects and stops both threads; a partial transfer stays on disk to resume."""
        self._stop.set()
        self._client.disconnect()
        self._client.loop_stop()
        if self._worker is not None:
            self._worker.join(STOP_JOIN_S)
        self._connected.clear()

    def wait_connected(self, timeout_s: float) -> bool:
        """Waits for an accepted connection; False on timeout."""
        return self._connected.wait(timeout_s)

    def stats(self) -> ReceiverStats:
        """Counters (any thread; the transfer's are read without stopping the worker)."""
        with self._lock:
            counts = dict(self._counts)
        return ReceiverStats(
            self._connected.is_set(),
            counts["connects"],
            counts["bad"],
            counts["dropped"],
            self._transfer.stats(),
        )

    # -- paho's thread -------------------------------------------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        if reason_code.is_failure:
            logger.warning("device %s index client refused: %s", self._device_id, reason_code)
            return
        client.subscribe(
            [(self._manifest_topic, SUBSCRIBE_QOS), (self._chunk_topic, SUBSCRIBE_QOS)]
        )
        with self._lock:
            self._counts["connects"] += 1
        self._connected.set()
        self._inbox.put(("connect", None))

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._connected.clear()
        if reason_code.is_failure and not self._stop.is_set():
            logger.warning(
                "device %s index client lost the broker: %s", self._device_id, reason_code
            )

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self._receive(message.topic, bytes(message.payload))
        except Exception:
            with self._lock:
                self._counts["bad"] += 1
            logger.exception(
                "device %s: index message failed topic=%s", self._device_id, message.topic
            )

    def _receive(self, topic: str, payload: bytes) -> None:
        try:
            if topic == self._chunk_topic:
                item: tuple[str, Any] = ("chunk", decode_chunk(payload))
            elif topic == self._manifest_topic:
                item = ("manifest", parse_manifest(payload))
            else:
                raise ContractError("a topic the index client did not subscribe to")
        except ContractError as exc:
            with self._lock:
                self._counts["bad"] += 1
            logger.warning(
                "device %s dropped index message topic=%s reason=%s payload=%r",
                self._device_id,
                topic,
                exc,
                payload[:LOG_PAYLOAD_BYTES],
            )
            return
        if item[0] == "chunk":
            try:
                self._inbox.put_nowait(item)
            except queue.Full:
                with self._lock:
                    self._counts["dropped"] += 1
            return
        self._inbox.put(item)

    # -- the worker thread ---------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                kind, body = self._inbox.get(timeout=TICK_S)
            except queue.Empty:
                kind, body = "tick", None
            try:
                self._handle(kind, body)
            except Exception:
                logger.exception("device %s: index worker failed on %s", self._device_id, kind)

    def _handle(self, kind: str, body: Any) -> None:
        transfer = self._transfer
        now_s = time.monotonic()
        if kind == "connect":
            requests = transfer.on_connect()
        elif kind == "manifest" and isinstance(body, IndexManifest):
            requests = transfer.on_manifest(body, now_s)
        elif kind == "chunk" and isinstance(body, IndexChunk):
            requests = transfer.on_chunk(body, now_s)
        else:
            requests = []
        requests += transfer.on_tick(now_s)
        for request in requests:
            self._client.publish(self._request_topic, request.to_json_bytes(), 1, False)
