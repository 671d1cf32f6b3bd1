"""Provides the store the card benchmark runs against: a managed mosquitto, central and hub
processes (as `aisle store up` starts them), and MQTT clients acting as devices."""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from aisle.broker import BrokerEndpoint, BrokerProcess, BrokerSpec, free_port, start_broker
from aisle.processes import Child, ChildFailed, ChildSpec, aisle_argv
from aisle.store import PASSWORD_ENV, broker_url
from contracts.envelope import Envelope
from contracts.ids import new_ulid
from contracts.payloads import Answer
from contracts.topics import answer_topic, events_topic, state_topic
from hub.token_admin import add_token

STORE = "demo"  # the demo stock seed is for store "demo"
REPO = Path(__file__).resolve().parents[2]
DEMO_STOCK = REPO / "hub" / "data" / "demo_store_stock.json"
READY_TIMEOUT_S = 60.0
WAIT_S = 10.0
LOG_TAIL_CHARS = 2000


@dataclass
class BenchStore:
    """Broker, central and hub of the benchmark; `stop` ends them in reverse order."""

    broker: BrokerProcess
    endpoint: BrokerEndpoint
    hub_url: str
    hub_db: Path
    children: list[Child] = field(default_factory=list)

    def issue_token(self, device: str, role: str = "kiosk") -> str:
        """A live hub API token for `device` (as `aisle hub add-token` makes one)."""
        return add_token(self.hub_db, device=device, role=role, created_by="bench")

    def stop(self) -> None:
        """Stops the hub, central, then the broker."""
        for child in reversed(self.children):
            child.stop()
        self.broker.stop()


def _child(
    name: str, args: list[str], ready_url: str, data_dir: Path, env: dict[str, str]
) -> Child:
    spec = ChildSpec(name, aisle_argv(*args), env=env, ready_url=ready_url)
    child = Child(spec, log_dir=data_dir)
    try:
        child.wait_ready(timeout_s=READY_TIMEOUT_S)
    except ChildFailed as exc:
        child.stop()
        log = child.log_path.read_text(errors="replace") if child.log_path else ""
        raise ChildFailed(f"{exc}\n{log[-LOG_TAIL_CHARS:]}") from exc
    return child


def start_store(data_dir: Path) -> BenchStore:
    """Starts mosquitto, central (demo catalog) and the hub (demo stock); waits for the sync."""
    spec = BrokerSpec(data_dir / "broker", "bench", secrets.token_urlsafe(12))
    broker = start_broker(spec, kind="mosquitto")
    endpoint = broker.endpoint
    central_port, hub_port = free_port(), free_port()
    central_url, hub_url = f"http://127.0.0.1:{central_port}", f"http://127.0.0.1:{hub_port}"
    store = BenchStore(broker, endpoint, hub_url, data_dir / "h.db")
    try:
        central_args = ["central", "--db", str(data_dir / "c.db"), "--seed", "demo"]
        central_args += ["--port", str(central_port)]
        store.children.append(
            _child("central", central_args, f"{central_url}/v1/health", data_dir, {})
        )
        hub_args = [
            "hub",
            "--store",
            STORE,
            "--db",
            str(store.hub_db),
            "--port",
            str(hub_port),
        ]
        hub_args += ["--broker-url", broker_url(endpoint), "--central-url", central_url]
        hub_args += ["--seed-stock", str(DEMO_STOCK), "--log-level", "WARNING"]
        env = {PASSWORD_ENV: endpoint.password}
        store.children.append(_child("hub", hub_args, f"{hub_url}/api/v1/health", data_dir, env))
        _wait_for_catalog(hub_url)
    except BaseException:
        store.stop()
        raise
    return store


def _wait_for_catalog(hub_url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{hub_url}/api/v1/health", timeout=2) as response:
            if json.load(response).get("catalog_as_of"):
                return
        time.sleep(0.1)
    raise RuntimeError(f"the hub did not sync the catalog within {READY_TIMEOUT_S} s")


class Devices:
    """Publishes real envelopes as devices and collects the hub's answers to them."""

    def __init__(self, endpoint: BrokerEndpoint, *, answer_device: str) -> None:
        self._seq: dict[str, int] = {}
        self._lock = threading.Lock()
        self.answers: dict[str, tuple[float, Answer]] = {}
        self._arrived = threading.Condition(self._lock)
        subscribed = threading.Event()
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id="bench-dev"
        )
        client.username_pw_set(endpoint.username, endpoint.password)
        client.on_subscribe = lambda *_: subscribed.set()
        client.on_message = self._on_answer
        client.connect(endpoint.host, endpoint.port)
        client.loop_start()
        client.subscribe(answer_topic(STORE, answer_device), qos=1)
        if not subscribed.wait(WAIT_S):
            raise RuntimeError("the answer subscription was not acknowledged")
        self._client = client

    def announce(self, device: str, profile: str) -> None:
        """Publishes a device's retained state (the hub learns its profile from it)."""
        state = {"device": device, "profile": profile, "status": "online"}
        self._publish(state_topic(STORE, device), json.dumps(state).encode(), retain=True)

    def scan(self, device: str, gtin: str) -> tuple[str, float]:
        """Publishes a confirmed scan of `gtin`; returns its event id and send time (perf)."""
        seq = self._seq[device] = self._seq.get(device, 0) + 1
        now = datetime.now(UTC)
        payload = {
            "text": gtin[1:],
            "symbology": "ean13",
            "gtin": gtin,
            "engine": "zxing",
            "frames_confirmed": 3,
            "time_to_scan_ms": 80.0,
        }
        envelope = Envelope.model_validate(
            {
                "v": 1,
                "id": new_ulid(int(now.timestamp() * 1000)),
                "store": STORE,
                "device": device,
                "seq": seq,
                "ts": now,
                "type": "scan",
                "payload": payload,
            }
        )
        data = envelope.to_json_bytes()
        sent_s = time.perf_counter()
        self._client.publish(events_topic(STORE, device), data, qos=1)
        return envelope.id, sent_s

    def wait_answer(self, event_id: str, timeout_s: float = WAIT_S) -> tuple[float, Answer]:
        """The arrival time (perf) and the answer to `event_id`."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: event_id in self.answers, timeout_s):
                raise RuntimeError(f"no answer to {event_id} within {timeout_s} s")
            return self.answers[event_id]

    def close(self, devices: list[str]) -> None:
        """Clears the retained states and disconnects."""
        for device in devices:
            self._publish(state_topic(STORE, device), b"", retain=True)
        self._client.disconnect()
        self._client.loop_stop()

    def _publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout=WAIT_S)

    def _on_answer(
        self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage
    ) -> None:
        arrived_s = time.perf_counter()
        answer = Answer.model_validate_json(message.payload)
        with self._arrived:
            self.answers[answer.event_id] = (arrived_s, answer)
            self._arrived.notify_all()
