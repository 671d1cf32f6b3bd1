"""Tests the managed brokers: each starts, authenticates clients and refuses a wrong password."""

from __future__ import annotations

import threading
from pathlib import Path

import paho.mqtt.client as mqtt

from aisle.broker import BrokerEndpoint, BrokerSpec, mosquitto_config


def _connect(endpoint: BrokerEndpoint, password: str, client_id: str) -> tuple[mqtt.Client, str]:
    done = threading.Event()
    result: list[str] = []

    def on_connect(
        client: mqtt.Client, userdata: object, flags: object, rc: object, props: object
    ) -> None:
        result.append(str(rc))
        done.set()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.username_pw_set(endpoint.username, password)
    client.on_connect = on_connect
    client.connect(endpoint.host, endpoint.port)
    client.loop_start()
    assert done.wait(10), "no CONNACK within 10 s"
    return client, result[0]


def test_broker_delivers_qos1_to_an_authenticated_subscriber(any_broker: BrokerEndpoint) -> None:
    got = threading.Event()
    payloads: list[bytes] = []
    client, reason = _connect(any_broker, any_broker.password, "test-sub")
    assert reason == "Success"

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        # amqtt also hands a new subscriber retained messages of topics it did not ask for
        # (other tests' device states on the shared broker): keep what this test asked for.
        if message.topic.startswith("aisle/test/"):
            payloads.append(message.payload)
            got.set()

    client.on_message = on_message
    subscribed = threading.Event()
    client.on_subscribe = lambda *args: subscribed.set()
    client.subscribe("aisle/test/#", qos=1)
    assert subscribed.wait(10)
    client.publish("aisle/test/x", b"hello", qos=1).wait_for_publish(10)
    assert got.wait(10)
    assert payloads == [b"hello"]
    client.loop_stop()
    client.disconnect()


def test_broker_refuses_a_wrong_password(any_broker: BrokerEndpoint) -> None:
    client, reason = _connect(any_broker, "not-the-password", "test-bad")
    client.loop_stop()
    assert reason == "Not authorized"


def test_url_quotes_credentials_and_hides_the_password() -> None:
    endpoint = BrokerEndpoint("mosquitto", "127.0.0.1", 1883, "hub user", "p@ss/word")
    assert endpoint.url == "mqtt://hub%20user:p%40ss%2Fword@127.0.0.1:1883"
    assert "p%40ss" not in endpoint.url_without_password


def test_mosquitto_config_requires_authentication(tmp_path: Path) -> None:
    spec = BrokerSpec(data_dir=tmp_path, username="u", password="p")
    text = mosquitto_config(spec, port=1999, password_file=tmp_path / "passwd")
    assert "allow_anonymous false" in text
    assert "listener 1999 127.0.0.1" in text
    assert "set_tcp_nodelay true" in text
