"""Provides `CommandListener`: the device's MQTT client for commands on its cmd topic.

Own connection (client id `<device>-cmd`, clean session, no last will): the outbox publisher's
thread owns its client and the device's presence. A command sent while the device was away is
not kept for it: "what is this?" from minutes ago is about a view that is gone. paho's network
thread parses each message and hands the `DeviceCommand` to the handler, which must not block
(the glasses' asker only queues it). A bad message is logged once and counted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from contracts.errors import ContractError
from contracts.payloads import DeviceCommand, parse_command
from contracts.topics import cmd_topic
from edge.mqtt_clients import BrokerLogin, new_client, side_client_id

logger = logging.getLogger(__name__)

CLIENT_SUFFIX = "-cmd"
SUBSCRIBE_QOS = 1
LOG_PAYLOAD_BYTES = 200


@dataclass(frozen=True, slots=True)
class ListenerStats:
    """Connection and message counters."""

    connected: bool
    connects: int
    commands: int
    bad_messages: int


class CommandListener:
    """Subscribes to one device's cmd topic and hands each command to `handler`."""

    def __init__(
        self,
        login: BrokerLogin,
        *,
        store_id: str,
        device_id: str,
        handler: Callable[[DeviceCommand], None],
    ) -> None:
        """Builds the client (no connection yet).

        Args:
            login: broker address and credentials.
            store_id: the device's store.
            device_id: the device.
            handler: receives each parsed command on paho's thread; must not block.
        """
        self._login = login
        self._device_id = device_id
        self._topic = cmd_topic(store_id, device_id)
        self._handler = handler
        self._connected = threading.Event()
        self._lock = threading.Lock()
        self._counts = {"connects": 0, "commands": 0, "bad": 0}
        self._client = self._make_client(side_client_id(device_id, CLIENT_SUFFIX))

    def _make_client(self, client_id: str) -> mqtt.Client:
        client = new_client(self._login, client_id)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def start(self) -> None:
        """Connects in the background (paho's network thread, which also reconnects)."""
        self._client.connect_async(self._login.host, self._login.port, self._login.keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnects and stops the network thread."""
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def wait_connected(self, timeout_s: float) -> bool:
        """Waits until subscribed after an accepted connection; False on timeout."""
        return self._connected.wait(timeout_s)

    def stats(self) -> ListenerStats:
        """Counters (any thread)."""
        with self._lock:
            counts = dict(self._counts)
        return ListenerStats(
            self._connected.is_set(), counts["connects"], counts["commands"], counts["bad"]
        )

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        if reason_code.is_failure:
            logger.warning("device %s command client refused: %s", self._device_id, reason_code)
            return
        client.subscribe(self._topic, SUBSCRIBE_QOS)
        with self._lock:
            self._counts["connects"] += 1

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._connected.clear()

    def _on_subscribe(self, *args: Any) -> None:
        self._connected.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        payload = bytes(message.payload)
        try:
            if message.topic != self._topic:
                raise ContractError("a topic the command client did not subscribe to")
            command = parse_command(payload)
        except ContractError as exc:
            with self._lock:
                self._counts["bad"] += 1
            logger.warning(
                "device %s dropped command topic=%s reason=%s payload=%r",
                self._device_id,
                message.topic,
                exc,
                payload[:LOG_PAYLOAD_BYTES],
            )
            return
        with self._lock:
            self._counts["commands"] += 1
        logger.info("device %s command %s id=%s", self._device_id, command.command, command.id)
        try:
            self._handler(command)
        except Exception:
            logger.exception("device %s: command handler failed id=%s", self._device_id, command.id)
