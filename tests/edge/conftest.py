"""Edge test fixtures: replay fixtures made on the fly, device configs, an MQTT recorder."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import paho.mqtt.client as mqtt
import pytest
import zxingcpp

from aisle.broker import BrokerEndpoint
from edge.config import DeviceConfig

PASSWORD_ENV = "AISLE_TEST_MQTT_PASSWORD"
FRAME_WH = (640, 480)


def render_frame(code: str | None, *, size_wh: tuple[int, int] = FRAME_WH) -> np.ndarray:
    """A BGR frame: white, with an EAN-13 barcode in the middle when `code` is given."""
    canvas = np.full((size_wh[1], size_wh[0], 3), 235, np.uint8)
    if code is not None:
        symbol = np.array(
            zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.EAN13).to_image(scale=3)
        )
        height, width = symbol.shape[:2]
        top, left = (size_wh[1] - height) // 2, (size_wh[0] - width) // 2
        canvas[top : top + height, left : left + width] = cv2.cvtColor(symbol, cv2.COLOR_GRAY2BGR)
    return canvas


def write_replay(folder: Path, codes: Sequence[str | None], *, fps: float = 15.0) -> Path:
    """Writes a replay fixture in the fixture format: one frame per entry of `codes`."""
    (folder / "frames").mkdir(parents=True)
    frames = []
    for index, code in enumerate(codes):
        name = f"frames/{index:06d}.jpg"
        cv2.imwrite(str(folder / name), render_frame(code))
        frames.append({"file": name, "t_ms": round(index * 1000 / fps)})
    (folder / "timestamps.json").write_text(json.dumps({"fps": fps, "frames": frames}))
    scans = [
        {"gtin": c.zfill(14), "text": c, "symbology": "ean13"} for c in dict.fromkeys(codes) if c
    ]
    (folder / "expected.json").write_text(json.dumps({"scans": scans, "notes": "made by a test"}))
    return folder


@pytest.fixture
def make_replay(tmp_path: Path) -> Callable[..., Path]:
    """Factory: `make_replay(codes, name="replay", fps=15)` writes a fixture under tmp_path."""

    def make(codes: Sequence[str | None], *, name: str = "replay", fps: float = 15.0) -> Path:
        return write_replay(tmp_path / name, codes, fps=fps)

    return make


def device_config_data(
    *, replay: Path, outbox: Path, url: str = "mqtt://127.0.0.1:1883", username: str = "aisle"
) -> dict[str, Any]:
    """The dict form of a valid kiosk config (what a TOML file would hold)."""
    return {
        "store_id": "teststore",
        "device_id": "kiosk-t1",
        "profile": "kiosk",
        "broker": {
            "url": url,
            "username": username,
            "password_env": PASSWORD_ENV,
            "reconnect_min_s": 0.2,
            "reconnect_max_s": 1.0,
            "keepalive_s": 5,
        },
        "source": {"kind": "replay", "path": str(replay), "fps": 15},
        "scan": {"consensus_frames": 2, "window_frames": 5, "rearm_after_frames": 10},
        "outbox": {"path": str(outbox), "budget_mb": 5},
        "state_interval_s": 0.5,
    }


@pytest.fixture
def edge_broker(mqtt_broker: BrokerEndpoint) -> BrokerEndpoint:
    """The broker edge tests talk to: mosquitto; a module may override it (e.g. `any_broker`)."""
    return mqtt_broker


@pytest.fixture
def broker_config(
    edge_broker: BrokerEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., DeviceConfig]:
    """Factory: a DeviceConfig for `replay` against `edge_broker` (password in the environment)."""
    mqtt_broker = edge_broker
    monkeypatch.setenv(PASSWORD_ENV, mqtt_broker.password)

    def make(replay: Path, **overrides: Any) -> DeviceConfig:
        data = device_config_data(
            replay=replay,
            outbox=tmp_path / "outbox.sqlite",
            url=f"mqtt://{mqtt_broker.host}:{mqtt_broker.port}",
            username=mqtt_broker.username,
        )
        data.update(overrides)
        return DeviceConfig.model_validate(data)

    return make


@dataclass(frozen=True, slots=True)
class Received:
    """One message the recorder saw."""

    topic: str
    payload: bytes
    retain: bool


class MqttRecorder:
    """A paho test client that records every message on its subscriptions."""

    def __init__(self, endpoint: BrokerEndpoint, client_id: str) -> None:
        self.messages: queue.Queue[Received] = queue.Queue()
        self._subscribed = threading.Event()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        self._client.username_pw_set(endpoint.username, endpoint.password)
        self._client.on_message = self._on_message
        self._client.on_subscribe = lambda *args: self._subscribed.set()
        self._client.connect(endpoint.host, endpoint.port)
        self._client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.messages.put(Received(message.topic, message.payload, bool(message.retain)))

    def subscribe(self, topic_filter: str) -> None:
        """Subscribes at QoS 1 and waits for the SUBACK."""
        self._subscribed.clear()
        self._client.subscribe(topic_filter, 1)
        assert self._subscribed.wait(10), f"no SUBACK for {topic_filter}"

    def next(self, timeout_s: float = 10.0, *, topic: str | None = None) -> Received:
        """The next message (on `topic` if given), failing the test after `timeout_s`."""
        while True:
            try:
                message = self.messages.get(timeout=timeout_s)
            except queue.Empty:
                pytest.fail(f"no message on {topic or 'any topic'} within {timeout_s} s")
            if topic is None or message.topic == topic:
                return message

    def close(self) -> None:
        """Disconnects."""
        self._client.disconnect()
        self._client.loop_stop()


@pytest.fixture
def recorder(edge_broker: BrokerEndpoint, request: pytest.FixtureRequest) -> Iterator[MqttRecorder]:
    """An MQTT recorder connected to `edge_broker`."""
    client_id = "rec-" + "".join(ch for ch in request.node.name if ch.isalnum())[:40]
    rec = MqttRecorder(edge_broker, client_id)
    yield rec
    rec.close()
