"""Tests the glasses' "what is this?" path on the device: the latest-frame view, the asker (asks,
interval, no index, no frame, full queue) and the cmd-topic listener on a real mosquitto."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import paho.mqtt.client as mqtt
import pytest

from aisle.broker import BrokerEndpoint
from contracts.payloads import DeviceCommand
from contracts.topics import cmd_topic
from edge.core.frames import Frame
from edge.core.projection import Projection, normalise
from edge.core.search import build_index
from edge.index.active import ActiveIndex, LoadedIndex
from edge.index.file import IndexData, IndexMeta
from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import load_model
from edge.mqtt_clients import BrokerLogin
from edge.search.asker import AskSettings, AskStats, GlassesAsker
from edge.search.commands import CommandListener
from edge.search.frames import LatestView
from edge.search.result import PhotoSearchResult
from edge.search.searcher import PhotoSearcher
from edge.search_config import DEFAULT_EMBEDDER

MODELS = Path(__file__).resolve().parents[3] / "models" / "manifest.json"
WAIT_S = 10.0


@pytest.fixture(scope="module")
def embedder() -> ImageEmbedder:
    """The committed INT8 embedder."""
    return ImageEmbedder(load_model(MODELS, DEFAULT_EMBEDDER))


def _index(embedder: ImageEmbedder) -> LoadedIndex:
    dims = len(embedder.embed(np.zeros((32, 32, 3), np.uint8)))
    rows = normalise(np.random.default_rng(0).random((6, dims), dtype=np.float32))
    ids = [f"0000000000{n:03d}{n % 10}" for n in range(3)]
    index = build_index(rows, [0, 0, 1, 1, 2, 2], ids, [True, False, True])
    meta = IndexMeta(embedder.model.name, embedder.model.entry.sha256, 6, 0)
    return LoadedIndex("v1", IndexData(index, Projection.identity(dims), meta))


def _frame(index: int) -> Frame:
    return Frame(np.full((120, 160, 3), 40 + index % 200, np.uint8), index, index * 100.0)


def _wait(stats: Callable[[], AskStats], done: Callable[[AskStats], bool]) -> AskStats:
    deadline = time.monotonic() + WAIT_S
    while not done(current := stats()):
        if time.monotonic() > deadline:
            pytest.fail(f"asker did not get there: {current}")
        time.sleep(0.01)
    return current


class Camera:
    """Offers a frame to the view every 20 ms, like the agent's capture thread."""

    def __init__(self, view: LatestView) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(view,), daemon=True)
        self._thread.start()

    def _run(self, view: LatestView) -> None:
        count = 0
        while not self._stop.wait(0.02):
            view.offer(_frame(count))
            count += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(WAIT_S)


@pytest.fixture
def running(
    embedder: ImageEmbedder,
) -> Iterator[Callable[..., tuple[GlassesAsker, list[PhotoSearchResult]]]]:
    """Factory: an asker running on a thread over a live view, with its results collected."""
    stop = threading.Event()
    cameras: list[Camera] = []

    def make(
        *, index: LoadedIndex | None, camera: bool = True, **settings: float | None
    ) -> tuple[GlassesAsker, list[PhotoSearchResult]]:
        results: list[PhotoSearchResult] = []
        active = ActiveIndex(index)
        searcher = PhotoSearcher(embedder, active.current, on_result=results.append)
        view = LatestView()
        if camera:
            cameras.append(Camera(view))
        asker = GlassesAsker(searcher, view, AskSettings(**settings))  # type: ignore[arg-type]
        threading.Thread(target=asker.run, args=(stop,), daemon=True).start()
        return asker, results

    yield make
    stop.set()
    for camera in cameras:
        camera.close()


def test_an_ask_searches_a_frame_taken_after_it(
    running: Callable[..., tuple[GlassesAsker, list[PhotoSearchResult]]], embedder: ImageEmbedder
) -> None:
    asker, results = running(index=_index(embedder))
    assert asker.ask("cmd-1")
    _wait(asker.stats, lambda s: s.searched == 1)
    (result,) = results
    assert (result.trigger, result.command_id, result.index_version) == (
        "glasses_ask",
        "cmd-1",
        "v1",
    )
    assert result.crop.source == "centre" and result.threshold_source == "fallback"


def test_the_interval_searches_by_itself(
    running: Callable[..., tuple[GlassesAsker, list[PhotoSearchResult]]], embedder: ImageEmbedder
) -> None:
    asker, results = running(index=_index(embedder), interval_s=0.05)
    _wait(asker.stats, lambda s: s.searched >= 2)
    assert {r.trigger for r in results} == {"glasses_interval"}
    assert all(r.command_id is None for r in results)


def test_without_an_index_an_ask_is_counted_not_raised(
    running: Callable[..., tuple[GlassesAsker, list[PhotoSearchResult]]],
) -> None:
    asker, results = running(index=None)
    asker.ask("cmd-2")
    stats = _wait(asker.stats, lambda s: s.unavailable == 1)
    assert stats.searched == 0 and results == []


def test_without_a_frame_an_ask_gives_up(
    running: Callable[..., tuple[GlassesAsker, list[PhotoSearchResult]]], embedder: ImageEmbedder
) -> None:
    asker, _ = running(index=_index(embedder), camera=False, frame_wait_s=0.1)
    asker.ask("cmd-3")
    assert _wait(asker.stats, lambda s: s.no_frame == 1).searched == 0


def test_asks_beyond_the_queue_are_dropped(embedder: ImageEmbedder) -> None:
    searcher = PhotoSearcher(embedder, ActiveIndex(_index(embedder)).current)
    asker = GlassesAsker(searcher, LatestView(), AskSettings(queue_max=2))  # not running
    assert [asker.ask(f"c{n}") for n in range(3)] == [True, True, False]
    assert (asker.stats().asked, asker.stats().dropped) == (3, 1)


def test_the_listener_hands_over_commands_and_drops_bad_ones(mqtt_broker: BrokerEndpoint) -> None:
    login = BrokerLogin(
        mqtt_broker.host, mqtt_broker.port, mqtt_broker.username, mqtt_broker.password
    )
    commands: queue.Queue[DeviceCommand] = queue.Queue()
    listener = CommandListener(
        login, store_id="askstore", device_id="glasses-t1", handler=commands.put
    )
    listener.start()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="ask-test-sender")
    client.username_pw_set(mqtt_broker.username, mqtt_broker.password)
    client.connect(mqtt_broker.host, mqtt_broker.port)
    client.loop_start()
    try:
        assert listener.wait_connected(WAIT_S)
        topic = cmd_topic("askstore", "glasses-t1")
        for body in (b"{not json", b'{"id": "x", "command": "self_destruct"}'):
            client.publish(topic, body, qos=1).wait_for_publish(WAIT_S)
        good = DeviceCommand(id="cmd-9", command="what_is_this")
        client.publish(topic, good.model_dump_json().encode(), qos=1).wait_for_publish(WAIT_S)
        assert commands.get(timeout=WAIT_S) == good
        stats = listener.stats()
        assert (stats.commands, stats.bad_messages) == (1, 2)
    finally:
        client.disconnect()
        client.loop_stop()
        listener.stop()
