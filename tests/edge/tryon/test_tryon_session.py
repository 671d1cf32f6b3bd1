"""Tests the live try-on session with the real models: dressing, hints, refusals, no traces."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import paho.mqtt.client as mqtt
import pytest

from aisle.broker import BrokerSpec, start_broker
from edge.core.frames import Frame
from edge.inference.face import FaceMeshModel
from edge.inference.pose import MoveNetModel
from edge.inference.runtime import load_model
from edge.inference.segmentation import SelfieSegmenter
from edge.tryon.assets import AssetRefused, load_asset, load_asset_files
from edge.tryon.session import HINT_NO_PERSON, TryOnModels, TryOnSession

REPO = Path(__file__).resolve().parents[3]
MANIFEST = REPO / "models" / "manifest.json"
FIXTURES = REPO / "tests" / "fixtures" / "tryon"
TSHIRT = FIXTURES / "tshirt-navy-v1.json"


@pytest.fixture(scope="module")
def models() -> TryOnModels:
    return TryOnModels(
        movenet=MoveNetModel(load_model(MANIFEST, "movenet_lightning")),
        segmenter=SelfieSegmenter(load_model(MANIFEST, "selfie_segmentation")),
        face=FaceMeshModel(
            load_model(MANIFEST, "face_detection_short_range"),
            load_model(MANIFEST, "face_landmark"),
        ),
    )


def _astronaut_frame(index: int = 0) -> Frame:
    image = np.full((480, 640, 3), (150, 160, 170), np.uint8)
    person = cv2.resize(cv2.imread(str(FIXTURES / "astronaut.jpg")), (480, 480))
    image[:, 80:560] = person
    return Frame(image=image, index=index, t_ms=index * 33.3)


def test_the_astronaut_is_dressed_with_shoulders_on_her_shoulders(models: TryOnModels) -> None:
    with TryOnSession(models, load_asset_files(TSHIRT)) as session:
        result = session.process(_astronaut_frame())
    assert result.dressed and result.hint is None and result.body is not None
    assert result.raw_xy is not None
    torso = result.body.torso_height_px
    for name, index in (("left_shoulder", 5), ("right_shoulder", 6)):
        error = np.hypot(*np.subtract(result.plan.targets[name], result.raw_xy[index]))
        assert error + result.plan.residual_px <= 0.03 * torso
    assert not np.array_equal(result.image, _astronaut_frame().image)


def test_no_person_gives_the_plain_frame_and_a_hint(models: TryOnModels) -> None:
    empty = Frame(image=np.full((480, 640, 3), (150, 160, 170), np.uint8), index=0, t_ms=0.0)
    with TryOnSession(models, load_asset_files(TSHIRT)) as session:
        result = session.process(empty)
    assert not result.dressed and result.hint == HINT_NO_PERSON
    assert np.array_equal(result.image, empty.image)


def test_recovers_on_the_first_frame_after_the_person_returns(models: TryOnModels) -> None:
    empty = np.full((480, 640, 3), (150, 160, 170), np.uint8)
    with TryOnSession(models, load_asset_files(TSHIRT)) as session:
        assert session.process(_astronaut_frame(0)).dressed
        assert not session.process(Frame(image=empty, index=1, t_ms=33.3)).dressed
        assert session.process(_astronaut_frame(2)).dressed


def test_a_hat_goes_on_the_head(models: TryOnModels) -> None:
    with TryOnSession(models, load_asset_files(FIXTURES / "cap-blue-v1.json")) as session:
        result = session.process(_astronaut_frame())
    assert result.dressed
    crown_y = result.plan.targets["crown"][1]
    assert crown_y < result.plan.targets["left_brim"][1] < 200


def _pair() -> tuple[bytes, dict[str, Any]]:
    return TSHIRT.with_suffix(".png").read_bytes(), json.loads(TSHIRT.read_text())


def _no_alpha() -> tuple[bytes, dict[str, Any]]:
    png, meta = _pair()
    rgb = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    data = cv2.imencode(".png", rgb)[1].tobytes()
    return data, {**meta, "image_sha256": hashlib.sha256(data).hexdigest()}


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: (_pair()[0][:-100], _pair()[1]), "sha256"),
        (lambda: (_pair()[0], {**_pair()[1], "anchors": {"neck": [1, 1]}}), "lacks anchors"),
        (lambda: (_pair()[0], {**_pair()[1], "size_wh": [10, 10]}), "outside"),
        (lambda: (_pair()[0], {**_pair()[1], "schema_version": 9}), "schema_version"),
        (_no_alpha, "not an RGBA PNG"),
    ],
)
def test_a_corrupt_asset_is_refused_with_the_reason(make: Any, reason: str) -> None:
    png, meta = make()
    with pytest.raises(AssetRefused, match=reason):
        load_asset(png, json.dumps(meta))
    with pytest.raises(AssetRefused, match="not JSON"):
        load_asset(png, b"{broken")


@pytest.fixture
def write_opens() -> Iterator[list[str]]:
    """Records every file opened for writing while the test body runs (audit hook)."""
    opened: list[str] = []
    active = threading.Event()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if not active.is_set() or event != "open":
            return
        path, mode, flags = args
        writes_mode = isinstance(mode, str) and any(flag in mode for flag in "wax+")
        writes_flags = isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        if writes_mode or writes_flags:
            opened.append(str(path))

    sys.addaudithook(hook)  # hooks cannot be removed: `active` switches this one off
    active.set()
    yield opened
    active.clear()


def _tree(path: Path) -> set[str]:
    return {str(p) for p in path.rglob("*")}


def test_a_session_writes_and_publishes_nothing(
    models: TryOnModels,
    write_opens: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # A broker of its own: the session-wide one holds retained messages and late traffic of
    # other tests, which a subscriber on "#" would count against this session.
    broker = start_broker(
        BrokerSpec(tmp_path_factory.mktemp("privacy-broker"), "privacy", "privacy-pass"),
        kind="mosquitto",
    )
    try:
        _check_session_is_private(models, write_opens, tmp_path, monkeypatch, broker.endpoint)
    finally:
        broker.stop()


def _check_session_is_private(
    models: TryOnModels,
    write_opens: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mqtt_broker: Any,
) -> None:
    monkeypatch.chdir(tmp_path)
    received: list[str] = []
    subscribed, probe_back = threading.Event(), threading.Event()

    def on_message(_c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        received.append(msg.topic)
        if msg.topic == "aisle/privacy-probe":
            probe_back.set()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="tryon-privacy-test")
    client.username_pw_set(mqtt_broker.username, mqtt_broker.password)
    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect(mqtt_broker.host, mqtt_broker.port)
    client.loop_start()
    try:
        client.subscribe("#", qos=1)
        assert subscribed.wait(10)
        asset = load_asset_files(TSHIRT)
        before_tmp, before_repo = _tree(tmp_path), _tree(REPO / "models")
        write_opens.clear()
        with TryOnSession(models, asset) as session:
            for i in range(3):
                session.process(_astronaut_frame(i))
            session.take_still()
            assert len(session.stills) == 1
        assert session.stills == ()
        assert write_opens == []
        assert _tree(tmp_path) == before_tmp
        assert _tree(REPO / "models") == before_repo
        # The probe goes through the same broker after the session: anything the session had
        # published would have arrived before it.
        client.publish("aisle/privacy-probe", b"x", qos=1)
        assert probe_back.wait(10)
        assert received == ["aisle/privacy-probe"]
    finally:
        client.loop_stop()
        client.disconnect()
