"""Provides the device's side-channel MQTT clients: one login type and one way to build a client.

The outbox publisher owns the device's main connection; the index receiver and the command
listener each keep a connection of their own (so hundreds of MB of index chunks never hold up
events) and build it here.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


@dataclass(frozen=True, slots=True)
class BrokerLogin:
    """Where the broker is and how a device's extra connections (index, commands) log in."""

    host: str
    port: int
    username: str
    password: str
    tls: bool = False
    tls_ca_path: Path | None = None
    keepalive_s: int = 30
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0

    def __repr__(self) -> str:
        return f"BrokerLogin({self.username}@{self.host}:{self.port}, tls={self.tls})"


MAX_CLIENT_ID_CHARS = 64  # the longest client id every broker accepts


def side_client_id(device_id: str, suffix: str) -> str:
    """`<device><suffix>` (e.g. `kiosk-1-idx`), the device id cut to fit 64 characters."""
    return device_id[: MAX_CLIENT_ID_CHARS - len(suffix)] + suffix


def new_client(login: BrokerLogin, client_id: str) -> mqtt.Client:
    """Builds a paho client (MQTT 3.1.1, clean session) with credentials, TLS and backoff set.

    Callbacks are the caller's to attach.
    """
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set(login.username, login.password)
    if login.tls:
        ca = None if login.tls_ca_path is None else str(login.tls_ca_path)
        client.tls_set(ca_certs=ca, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    client.reconnect_delay_set(
        max(1, round(login.reconnect_min_s)), max(1, round(login.reconnect_max_s))
    )
    return client
