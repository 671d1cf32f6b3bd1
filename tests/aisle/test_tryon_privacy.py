"""Proves that a try-on session publishes, writes and logs no picture (issue 5, item 4).

The whole kiosk runs as `aisle kiosk` composes it: the real edge agent (tapped by `TappedSource`)
publishing to a real mosquitto, the real Textual app and the real try-on session. A subscriber on
`aisle/#` records everything the broker carries while the shopper tries two garments on and keeps
two stills; the files under the test's folders (the working directory included) are compared
before and after; and every log record is checked for pixels.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from tryon_harness import (
    TRYON_FIXTURES,
    fixture_garments,
    kiosk,
    open_tryon,
    wait_dressed,
    wait_until,
)

from aisle.broker import BrokerEndpoint, BrokerSpec, start_broker
from aisle.frame_tap import LatestFrame
from aisle.kiosk_runner import AgentHost
from aisle.kiosk_tryon import EdgeTryOn, scan_assets
from edge.config import DeviceConfig
from edge.tryon.session import TryOnModels

PASSWORD_ENV = "AISLE_TEST_TRYON_MQTT_PASSWORD"
STORE, DEVICE = "teststore", "kiosk-t1"
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"BM", b"GIF8", b"RIFF")
MAX_MESSAGE_BYTES = 4096
MAX_LOG_CHARS = 1000
WAIT_S = 20.0


class Recorder:
    """A subscriber on `aisle/#` that keeps every message the broker delivers."""

    def __init__(self, endpoint: BrokerEndpoint) -> None:
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.seen: list[tuple[str, bytes]] = []
        subscribed = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="tryon-privacy-rec")
        self._client.username_pw_set(endpoint.username, endpoint.password)
        self._client.on_message = lambda _c, _u, m: self.messages.put((m.topic, bytes(m.payload)))
        self._client.on_subscribe = lambda *_args: subscribed.set()
        self._client.connect(endpoint.host, endpoint.port)
        self._client.loop_start()
        self._client.subscribe("aisle/#", 1)
        assert subscribed.wait(WAIT_S), "no SUBACK for aisle/#"

    def wait_for_state(self) -> None:
        """Waits for the next state message of the kiosk's agent, keeping all others too."""
        topic = f"aisle/{STORE}/dev/{DEVICE}/state"
        while True:
            try:
                message = self.messages.get(timeout=WAIT_S)
            except queue.Empty:
                pytest.fail(f"no message on {topic} within {WAIT_S} s")
            self.seen.append(message)
            if message[0] == topic:
                return

    def close(self) -> None:
        """Disconnects and keeps whatever arrived last."""
        self._client.disconnect()
        self._client.loop_stop()
        while not self.messages.empty():
            self.seen.append(self.messages.get())


def device_config(endpoint: BrokerEndpoint, replay: Path, outbox: Path) -> DeviceConfig:
    """The kiosk's device config: the person replay in real time, the test broker."""
    return DeviceConfig.model_validate(
        {
            "store_id": STORE,
            "device_id": DEVICE,
            "profile": "kiosk",
            "broker": {
                "url": f"mqtt://{endpoint.host}:{endpoint.port}",
                "username": endpoint.username,
                "password_env": PASSWORD_ENV,
            },
            "source": {"kind": "replay", "path": str(replay), "realtime": True, "loop": True},
            "outbox": {"path": str(outbox), "budget_mb": 5},
            "state_interval_s": 0.5,
        }
    )


def file_listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root`: relative path -> (size, mtime in ns)."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def outside_outbox(root: Path) -> dict[str, tuple[int, int]]:
    """`file_listing(root)` without the edge agent's outbox folder `device/`."""
    return {name: v for name, v in file_listing(root).items() if not name.startswith("device/")}


def looks_like_pixels(value: Any) -> bool:
    """True for arrays, and for bytes or text long enough to carry an image."""
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value) > MAX_MESSAGE_BYTES or bytes(value[:4]).startswith(IMAGE_MAGIC)
    return isinstance(value, str) and len(value) > MAX_LOG_CHARS


async def run_session(app: Any, tryon: EdgeTryOn) -> None:
    """Two garments tried on, a still of each, then Esc."""
    hat, top = fixture_garments(tryon)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tryon(pilot)
        await wait_dressed(pilot, screen, hat.product_id, "M")
        await pilot.press("space")
        await wait_until(pilot, lambda: tryon.stills_held == 1, "first still")
        await pilot.press("g")
        await wait_dressed(pilot, screen, top.product_id, "M")
        await pilot.press("space")
        await wait_until(pilot, lambda: tryon.stills_held == 2, "second still")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not tryon.active, "session ended")


@pytest.fixture
def private_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerEndpoint]:
    """A broker of this test's own: the session-wide one holds other tests' retained messages,
    which the recorder on `aisle/#` would count against the try-on session."""
    broker = start_broker(
        BrokerSpec(tmp_path_factory.mktemp("privacy-broker"), "privacy", "privacy-pass"),
        kind="mosquitto",
    )
    try:
        yield broker.endpoint
    finally:
        broker.stop()


async def test_a_try_on_session_publishes_writes_and_logs_no_picture(
    private_broker: BrokerEndpoint,
    tryon_models: TryOnModels,
    person_replays: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, private_broker.password)
    workdir, tempdir, device_dir = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "device"
    for folder in (workdir, tempdir, device_dir):
        folder.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("TMPDIR", str(tempdir))
    config = device_config(private_broker, person_replays["person"], device_dir / "outbox.sqlite")
    frames = LatestFrame()
    host = AgentHost(config, [config.source], os.environ, frames)
    tryon = EdgeTryOn(tryon_models, scan_assets(TRYON_FIXTURES), frames)
    recorder = Recorder(private_broker)
    host.start()
    try:
        recorder.wait_for_state()  # the agent publishes and the recorder hears it
        before = outside_outbox(tmp_path)
        caplog.set_level(logging.DEBUG)
        await run_session(kiosk(tryon), tryon)
        recorder.wait_for_state()  # whatever was published during the session has arrived
        after = outside_outbox(tmp_path)
    finally:
        host.stop()
        recorder.close()
    assert not frames.holds_frame and tryon.stills_held == 0
    topics = {topic for topic, _ in recorder.seen}
    assert topics == {f"aisle/{STORE}/dev/{DEVICE}/state"}, topics
    for _topic, payload in recorder.seen:
        assert not looks_like_pixels(payload)
        json.loads(payload)  # the retained state (or its "offline" will) is JSON text
    # The agent's own outbox (SQLite and its journal) lives under device/; every other file,
    # the working directory and TMPDIR included, is exactly as it was before the session.
    assert after == before
    for record in caplog.records:
        assert not looks_like_pixels(record.getMessage()), record.getMessage()[:200]
        assert not any(looks_like_pixels(arg) for arg in _args(record)), record.msg
    assert any("try-on session ended" in record.getMessage() for record in caplog.records)


def _args(record: logging.LogRecord) -> tuple[Any, ...]:
    args = record.args
    if isinstance(args, tuple):
        return args
    return () if args is None else tuple(args.values())
