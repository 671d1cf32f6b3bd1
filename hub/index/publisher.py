"""Provides `IndexPublisher`: the hub's MQTT client for index distribution.

Its own connection (client id `idx-<store>`, clean session), separate from ingest's persistent
session, so hundreds of megabytes of chunks never queue behind or ahead of device events. It
publishes the current `IndexManifest` retained on every connect and after every build, and answers
devices' `IndexRequest`s (`aisle/<store>/dev/+/index`):

- `manifest`: publish the current manifest again (retained);
- `chunks` of the current version: publish those chunks on the shared chunk topic, skipping a
  chunk published less than `resend_window_s` ago while the asking device was already subscribed
  (devices fetching together share it). A device's subscription is known to be in place from its
  last `manifest` request on, which it sends right after subscribing on every connect, so a device
  that (re)connected after the chunk went out gets it again at once;
- `chunks` of another version: publish the current manifest, so the device moves on.

Corrupt chunks a device reports are counted per device and logged. paho's network thread only
queues requests; one worker thread reads files and publishes. A bad request is logged once and
counted; nothing stops either loop.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from contracts.errors import ContractError
from contracts.index import (
    IndexManifest,
    IndexRequest,
    chunk_topic,
    encode_chunk,
    manifest_topic,
    parse_request,
    request_filter,
)
from contracts.topics import parse_device_topic
from hub.config import BrokerAddress
from hub.index.versions import IndexUnavailable, IndexVersions
from hub.mqtt_clients import new_client

logger = logging.getLogger(__name__)

RESEND_WINDOW_S = 2.0
QUEUE_MAX = 1000
TICK_S = 0.5
STOP_JOIN_S = 10.0
LOG_PAYLOAD_BYTES = 200
MAX_INFLIGHT = 64


def publisher_client_id(store_id: str) -> str:
    """`idx-<store>`: at most 64 characters (store ids are at most 60)."""
    return f"idx-{store_id}"


@dataclass(slots=True)
class DeviceTransfer:
    """What the hub saw of one device's index requests (mutable, worker thread only).

    Attributes:
        running: the version the device said it runs.
        fetching: the version it last asked chunks of.
        chunks_requested: chunks it asked for.
        corrupt_reported: chunks it reported corrupt.
        last_request_s: monotonic time of its last request.
        subscribed_since_s: monotonic time of its last manifest request (sent after subscribing).
    """

    running: str | None = None
    fetching: str | None = None
    chunks_requested: int = 0
    corrupt_reported: int = 0
    last_request_s: float = 0.0
    subscribed_since_s: float = 0.0


@dataclass(frozen=True, slots=True)
class IndexPublisherStats:
    """Counters of the index publisher; `devices` maps device id to a copy of its record."""

    connected: bool
    requests: int
    bad_requests: int
    manifests_sent: int
    chunks_sent: int
    chunks_suppressed: int
    corrupt_reported: int
    devices: dict[str, DeviceTransfer] = field(default_factory=dict)


class IndexPublisher:
    """Publishes manifests and chunks from `IndexVersions`; start, then stop."""

    def __init__(
        self,
        broker: BrokerAddress,
        *,
        store_id: str,
        versions: IndexVersions,
        keepalive_s: int = 30,
        resend_window_s: float = RESEND_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Builds the client (no connection yet)."""
        self._broker = broker
        self._store_id = store_id
        self._versions = versions
        self._keepalive_s = keepalive_s
        self._resend_window_s = resend_window_s
        self._clock = clock
        self._manifest_topic = manifest_topic(store_id)
        self._chunk_topic = chunk_topic(store_id)
        self._filter = request_filter(store_id)
        self._inbox: queue.Queue[tuple[str, str, bytes]] = queue.Queue(QUEUE_MAX)
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._lock = threading.Lock()
        self._sent_at: dict[tuple[str, int], float] = {}
        self._devices: dict[str, DeviceTransfer] = {}
        self._counts = dict.fromkeys(
            ("requests", "bad", "manifests", "chunks", "suppressed", "corrupt"), 0
        )
        self._worker: threading.Thread | None = None
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = new_client(self._broker, publisher_client_id(self._store_id))
        client.max_inflight_messages_set(MAX_INFLIGHT)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def start(self) -> None:
        """Starts the worker, then connects in the background (paho reconnects by itself)."""
        self._worker = threading.Thread(target=self._work, name="index-publisher", daemon=True)
        self._worker.start()
        self._client.connect_async(self._broker.host, self._broker.port, self._keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        """Stops the worker, disconnects and stops paho's thread."""
        self._stop.set()
        if self._worker is not None:
            self._worker.join(STOP_JOIN_S)
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def is_connected(self) -> bool:
        """True while the publisher holds a broker session."""
        return self._connected.is_set()

    def wait_subscribed(self, timeout_s: float) -> bool:
        """Waits until the request subscription is acknowledged; False on timeout."""
        return self._subscribed.wait(timeout_s)

    def announce(self) -> None:
        """Publishes the current manifest (after a build; any thread)."""
        self._inbox.put(("announce", "", b""))

    def stats(self) -> IndexPublisherStats:
        """Counters and a copy of every device's record (any thread)."""
        with self._lock:
            counts = dict(self._counts)
            devices = {
                name: DeviceTransfer(**{k: getattr(d, k) for k in DeviceTransfer.__slots__})
                for name, d in self._devices.items()
            }
        return IndexPublisherStats(
            self._connected.is_set(),
            counts["requests"],
            counts["bad"],
            counts["manifests"],
            counts["chunks"],
            counts["suppressed"],
            counts["corrupt"],
            devices,
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
            logger.warning("broker refused the index publisher: %s", reason_code)
            return
        self._connected.set()
        client.subscribe(self._filter, 1)
        self._inbox.put(("announce", "", b""))

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Any,
    ) -> None:
        if any(code.is_failure for code in reason_codes):
            logger.warning("broker refused the index request subscription %s", self._filter)
            return
        self._subscribed.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._connected.clear()
        self._subscribed.clear()
        if reason_code.is_failure and not self._stop.is_set():
            logger.warning("index publisher lost the broker (%s); paho reconnects", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self._inbox.put_nowait(("request", message.topic, bytes(message.payload)))
        except queue.Full:
            self._count("bad")
            logger.warning("index request queue full; dropped topic=%s", message.topic)

    # -- the worker thread ---------------------------------------------------------------------

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                kind, topic, payload = self._inbox.get(timeout=TICK_S)
            except queue.Empty:
                continue
            try:
                if kind == "announce":
                    self._publish_manifest()
                else:
                    self._serve(topic, payload)
            except Exception:
                logger.exception("index publisher failed on %s topic=%s", kind, topic)

    def _publish_manifest(self) -> IndexManifest | None:
        manifest = self._versions.current()
        if manifest is not None:
            self._client.publish(self._manifest_topic, manifest.to_json_bytes(), 1, True)
            self._count("manifests")
        return manifest

    def _parse(self, topic: str, payload: bytes) -> IndexRequest | None:
        try:
            request = parse_request(payload)
            device = parse_device_topic(topic).device
            if device != request.device:
                raise ContractError(f"request names device {request.device!r} on {topic!r}")
        except ContractError as exc:
            self._count("bad")
            logger.warning(
                "bad index request topic=%s reason=%s payload=%r",
                topic,
                exc,
                payload[:LOG_PAYLOAD_BYTES],
            )
            return None
        return request

    def _serve(self, topic: str, payload: bytes) -> None:
        request = self._parse(topic, payload)
        if request is None:
            return
        self._count("requests")
        since_s = self._note(request)
        current = self._versions.current()
        if request.kind == "manifest" or current is None or request.version != current.version:
            self._publish_manifest()
            return
        self._publish_chunks(current, request.chunks, subscribed_since_s=since_s)

    def _note(self, request: IndexRequest) -> float:
        if request.corrupt:
            logger.warning(
                "device %s reports corrupt index chunks %s of %s",
                request.device,
                request.corrupt[:20],
                request.version,
            )
        with self._lock:
            record = self._devices.setdefault(request.device, DeviceTransfer())
            record.running = request.running
            record.last_request_s = self._clock()
            if request.kind == "manifest":
                record.subscribed_since_s = record.last_request_s
            record.corrupt_reported += len(request.corrupt)
            self._counts["corrupt"] += len(request.corrupt)
            if request.kind == "chunks":
                record.fetching = request.version
                record.chunks_requested += len(request.chunks)
            return record.subscribed_since_s

    def _publish_chunks(
        self, manifest: IndexManifest, indexes: list[int], *, subscribed_since_s: float
    ) -> None:
        now_s = self._clock()
        due = []
        for index in indexes:
            sent = self._sent_at.get((manifest.version, index))
            if (
                sent is not None
                and sent >= subscribed_since_s
                and now_s - sent < self._resend_window_s
            ):
                self._count("suppressed")
                continue
            due.append(index)
        try:
            chunks = self._versions.read_chunks(manifest, due)
        except IndexUnavailable as exc:
            logger.warning("cannot serve chunks: %s", exc)
            return
        for index, data in chunks:
            self._client.publish(self._chunk_topic, encode_chunk(manifest.version, index, data), 1)
            self._sent_at[(manifest.version, index)] = now_s
        self._count("chunks", len(chunks))
        if len(self._sent_at) > 4 * manifest.chunk_count:
            self._sent_at = {k: v for k, v in self._sent_at.items() if k[0] == manifest.version}
