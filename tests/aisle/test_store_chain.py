"""Tests `aisle store up --chain-broker HOST:PORT --chain-credentials FILE`: clear refusals of bad
values before anything starts, and the store broker it configures really bridged to a second
mosquitto (store events reach the chain, catalog updates come back)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from aisle.broker import BrokerEndpoint, BrokerProcess, BrokerSpec, free_port, start_broker
from aisle.broker_chain import ChainOptionError, chain_bridge, parse_address
from aisle.store import parse_options, store_broker_spec

WAIT_S = 30.0


def _credentials(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "chain-login"
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("value", "expected"),
    [("chain.example:1883", ("chain.example", 1883)), ("[::1]:8883", ("::1", 8883))],
)
def test_good_addresses(value: str, expected: tuple[str, int]) -> None:
    assert parse_address(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("chain.example", "expected HOST:PORT"),
        (":1883", "expected HOST:PORT"),
        ("chain.example:", "expected HOST:PORT"),
        ("chain.example:0", "1..65535"),
        ("chain.example:70000", "1..65535"),
        ("chain.example:http", "1..65535"),
        ("chain example:1883", "not a host name"),
    ],
)
def test_bad_addresses_say_what_to_fix(value: str, reason: str) -> None:
    with pytest.raises(ChainOptionError, match=reason):
        parse_address(value)


@pytest.mark.parametrize(
    ("text", "mode", "reason"),
    [
        ("store-7:s3cret", 0o644, "chmod 600"),
        ("store-7", 0o600, "username:password"),
        (":s3cret", 0o600, "username:password"),
        ("a:b\nc:d\n", 0o600, "username:password"),
    ],
)
def test_bad_credentials_files_are_refused(
    tmp_path: Path, text: str, mode: int, reason: str
) -> None:
    path = _credentials(tmp_path, text, mode)
    with pytest.raises(ChainOptionError, match=reason):
        chain_bridge("chain:1883", path, store_id="demo")


def test_options_that_need_each_other(tmp_path: Path) -> None:
    with pytest.raises(ChainOptionError, match="needs --chain-credentials"):
        chain_bridge("chain:1883", None, store_id="demo")
    with pytest.raises(ChainOptionError, match="needs --chain-broker"):
        chain_bridge(None, _credentials(tmp_path, "a:b"), store_id="demo")
    with pytest.raises(ChainOptionError, match="cannot read"):
        chain_bridge("chain:1883", tmp_path / "missing", store_id="demo")
    assert chain_bridge(None, None, store_id="demo") is None


def test_the_password_may_hold_colons_and_stays_out_of_repr(tmp_path: Path) -> None:
    bridge = chain_bridge("chain:1883", _credentials(tmp_path, "store-7:a:b:c\n"), store_id="s")
    assert bridge is not None and (bridge.username, bridge.password) == ("store-7", "a:b:c")
    assert "a:b:c" not in repr(bridge)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (["--chain-broker", "nohost"], "expected HOST:PORT"),
        (["--chain-broker", "chain:1883"], "needs --chain-credentials"),
        (["--chain-broker", "chain:1883", "--broker", "amqtt", "--chain-credentials"], "amqtt"),
    ],
)
def test_store_up_refuses_bad_chain_options_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], reason: str
) -> None:
    if extra[-1] == "--chain-credentials":
        extra = [*extra, str(_credentials(tmp_path, "a:b"))]
    with pytest.raises(SystemExit) as stopped:
        parse_options(["up", "--data-dir", str(tmp_path), *extra])
    assert stopped.value.code == 2
    assert reason in capsys.readouterr().err


class Recorder:
    """A client that records every message on `topic_filter`."""

    def __init__(self, endpoint: BrokerEndpoint, client_id: str, topic_filter: str) -> None:
        self.messages: list[bytes] = []
        self.got = threading.Event()
        subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.username_pw_set(endpoint.username, endpoint.password)
        self.client.on_connect = lambda c, *a: c.subscribe(topic_filter, 1)
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(endpoint.host, endpoint.port)
        self.client.loop_start()
        assert subscribed.wait(WAIT_S), f"{client_id} did not subscribe"

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        self.messages.append(bytes(msg.payload))
        self.got.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[BrokerProcess]:
    spec = BrokerSpec(tmp_path / "chain", "store-7", secrets.token_urlsafe(12), port=free_port())
    broker = start_broker(spec, kind="mosquitto")
    yield broker
    broker.stop()


def _until(recorder: Recorder, publish: mqtt.Client, topic: str, payload: bytes) -> bool:
    """Publishes until the recorder has the payload (the bridge connects in the background)."""
    for _ in range(int(WAIT_S / 0.5)):
        publish.publish(topic, payload, qos=1)
        if recorder.got.wait(0.5) and payload in recorder.messages:
            return True
    return False


def test_store_up_options_bridge_the_store_broker_to_the_chain(
    tmp_path: Path, chain: BrokerProcess
) -> None:
    login = _credentials(tmp_path, f"store-7:{chain.endpoint.password}")
    address = f"127.0.0.1:{chain.endpoint.port}"
    chain_args = ["--chain-broker", address, "--chain-credentials", str(login)]
    options = parse_options(
        ["up", "--data-dir", str(tmp_path / "store"), "--store-id", "s7", *chain_args]
    )
    store = start_broker(store_broker_spec(options, secrets.token_urlsafe(12)), kind="mosquitto")
    at_chain = Recorder(chain.endpoint, "central", "aisle/s7/dev/+/events")
    at_store = Recorder(store.endpoint, "kiosk-1", "aisle/s7/catalog/#")
    till = Recorder(store.endpoint, "till-1", "aisle/s7/unused")
    central = Recorder(chain.endpoint, "central-pub", "aisle/s7/unused")
    try:
        assert _until(at_chain, till.client, "aisle/s7/dev/till-1/events", b"sale-1")
        assert _until(at_store, central.client, "aisle/s7/catalog/price-delta", b"price-1")
    finally:
        for recorder in (at_chain, at_store, till, central):
            recorder.close()
        store.stop()
