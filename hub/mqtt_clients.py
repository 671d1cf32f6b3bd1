"""Provides the one way the hub builds its MQTT clients (ingest, glasses answers, index publisher).

Each part keeps a connection of its own and attaches its own callbacks; the login, TLS and
reconnect back-off are set here once.
"""

from __future__ import annotations

import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.config import BrokerAddress

RECONNECT_MIN_DELAY_S = 1
RECONNECT_MAX_DELAY_S = 30


def new_client(
    broker: BrokerAddress,
    client_id: str,
    *,
    clean_session: bool = True,
    manual_ack: bool = False,
    reconnect_max_s: int = RECONNECT_MAX_DELAY_S,
) -> mqtt.Client:
    """A paho client (MQTT 3.1.1) with the broker's credentials, TLS and back-off set.

    Args:
        broker: the resolved broker address and credentials.
        client_id: the client id (unique per broker).
        clean_session: False keeps the broker-side session (queued QoS 1) across reconnects.
        manual_ack: acknowledge messages only when the caller says so.
        reconnect_max_s: longest pause between reconnect attempts, seconds.
    """
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
        manual_ack=manual_ack,
    )
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    client.reconnect_delay_set(RECONNECT_MIN_DELAY_S, reconnect_max_s)
    return client
