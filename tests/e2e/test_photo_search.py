"""End to end: photo search on the device -> search events on mosquitto -> the hub.

A kiosk's edge agent searches every frame of the `photo_search_shelf` replay (product snaps, read
by the production `ReplaySource`) against an index built with the committed INT8 embedder and
installed in its index folder; the results name the right products, products the index does not
hold abstain with candidates, and the hub stores each search, its demand signal and its AI audit
row. A glasses agent answers "what is this?": a `what_is_this` command on its cmd topic -> a
`search` event -> the hub -> an `Answer` on its answer topic.
"""

from __future__ import annotations

import json
import queue
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from photo_search_harness import (
    FIXTURE,
    PASSWORD_ENV,
    WAIT_S,
    BuiltFixtureIndex,
    SearchHub,
    build_fixture_index,
    device_config,
    expected,
    install_index,
    run_hub,
    seed_hub,
)

from aisle.broker import BrokerEndpoint
from contracts.payloads import Answer, DeviceCommand, SearchPayload
from contracts.topics import answer_topic, cmd_topic
from edge.agent import EdgeAgent
from edge.search.result import PhotoSearchResult
from edge.sources.replay import ReplaySource
from hub.db import audit
from hub.db.connection import open_database
from hub.db.search_signals import list_search_signals, match_facts
from hub.domain.search import sure_answer, unsure_answer

pytestmark = [pytest.mark.timeout(300)]

OAT_MILK = "04012734004359"


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> BuiltFixtureIndex:
    """The fixture's index, built once for the module with the real embedder."""
    return build_fixture_index(tmp_path_factory.mktemp("photo-search-index"))


@pytest.fixture
def store_id(request: pytest.FixtureRequest) -> str:
    """A store id of this test alone (the session broker keeps retained state)."""
    return "ps" + "".join(ch for ch in request.node.name if ch.isalnum())[-20:]


@pytest.fixture
def hub(mqtt_broker: BrokerEndpoint, tmp_path: Path, store_id: str) -> Iterator[SearchHub]:
    """The hub: every demo product in its catalog, only the oat milk in stock (12 units)."""
    db_path = tmp_path / "hub.db"
    seed_hub(db_path, on_hand={OAT_MILK: 12})
    yield from run_hub(mqtt_broker, db_path, store_id)


@dataclass
class RunningAgent:
    """An edge agent running in a thread."""

    agent: EdgeAgent
    stop: threading.Event
    thread: threading.Thread

    def close(self) -> None:
        """Stops the agent and waits for it."""
        self.stop.set()
        self.thread.join(WAIT_S)
        assert not self.thread.is_alive(), "agent did not stop"


def start_agent(
    mqtt_broker: BrokerEndpoint,
    tmp_path: Path,
    fixture_index: BuiltFixtureIndex,
    *,
    store: str,
    device: str,
    profile: str,
    **source: object,
) -> RunningAgent:
    """Installs the index for `device` and runs its agent."""
    config = device_config(
        mqtt_broker, tmp_path, store=store, device=device, profile=profile, **source
    )
    assert config.index is not None
    install_index(fixture_index, config.index.folder, store=store)
    agent = EdgeAgent(config, environ={PASSWORD_ENV: mqtt_broker.password})
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), name=device, daemon=True)
    thread.start()
    return RunningAgent(agent, stop, thread)


def _snap_every_frame(agent: EdgeAgent) -> list[PhotoSearchResult]:
    searcher = agent.photo_searcher
    assert searcher is not None, "the [search] section did not turn photo search on"
    source = ReplaySource(FIXTURE, fps=15)
    source.open()
    results = []
    try:
        while (frame := source.read()) is not None:
            results.append(searcher.search_frame(frame.image, trigger="kiosk_snap"))
    finally:
        source.close()
    return results


def test_kiosk_snaps_of_a_replay_find_the_products_and_the_hub_records_them(
    mqtt_broker: BrokerEndpoint,
    tmp_path: Path,
    fixture_index: BuiltFixtureIndex,
    hub: SearchHub,
    store_id: str,
) -> None:
    running = start_agent(
        mqtt_broker, tmp_path, fixture_index, store=store_id, device="kiosk-s1", profile="kiosk"
    )
    try:
        results = _snap_every_frame(running.agent)
        hub.wait_applied("search", len(results))
    finally:
        running.close()
    snaps = expected()["searches"]
    assert len(results) == len(snaps)
    for result, snap in zip(results, snaps, strict=True):
        assert len(result.matches) == 5 and result.threshold_source == "index", snap
        if snap["in_index"]:
            assert result.matches[0].product_id == snap["gtin"], snap  # first, sure or not
        else:
            assert result.abstained, snap  # candidates only, never an answer
            assert snap["gtin"] not in [m.product_id for m in result.matches]
    # the calibration is strict on this fixture (its look-alikes are harder than its strangers)
    assert any(not r.abstained for r in results), "the index answered nothing"
    _check_hub_records(tmp_path / "hub.db", results)


def _check_hub_records(db_path: Path, results: list[PhotoSearchResult]) -> None:
    db = open_database(db_path, run_migrations=False)
    try:
        rows = db.execute("SELECT payload FROM events WHERE type = 'search' ORDER BY seq")
        stored = [SearchPayload.model_validate_json(row[0]) for row in rows]
        assert [p.input_sha256 for p in stored] == [r.input_sha256 for r in results]
        assert all(len(p.model_dump_json()) < 2048 for p in stored)  # scores and hashes only
        signals = {s.event_id: s for s in list_search_signals(db, limit=1000)}
        decisions = audit.list_decisions(db, kind="search", before_id=None, limit=1000)
        assert len(decisions) == len(results)
        assert {d.decision.model_sha256 for d in decisions} == {results[0].model.sha256}
        by_input = {s.input_sha256: s for s in stored}
        kinds = sorted(signal.kind for signal in signals.values())
        expected_kinds = sorted(
            "no_match" if r.abstained else "out_of_stock"
            for r in results
            if r.abstained or r.matches[0].product_id != OAT_MILK
        )
        assert kinds == expected_kinds
        assert len(by_input) == len(results)
    finally:
        db.close()


class AnswerListener:
    """A device-side subscriber to one device's answer topic."""

    def __init__(self, endpoint: BrokerEndpoint, topic: str) -> None:
        self.answers: queue.Queue[Answer] = queue.Queue()
        subscribed: queue.Queue[bool] = queue.Queue()
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        client.username_pw_set(endpoint.username, endpoint.password)
        client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        client.on_subscribe = lambda *_: subscribed.put(True)
        client.on_message = lambda _c, _u, m: self.answers.put(
            Answer.model_validate_json(m.payload)
        )
        client.connect(endpoint.host, endpoint.port)
        client.loop_start()
        self._client = client
        assert subscribed.get(timeout=WAIT_S)

    def command(self, topic: str, command: DeviceCommand) -> None:
        """Publishes a command (QoS 1) and waits for the broker's acknowledgement."""
        info = self._client.publish(topic, command.model_dump_json().encode(), qos=1)
        info.wait_for_publish(timeout=WAIT_S)

    def next(self) -> Answer:
        """The next answer (fails the test after the wait deadline)."""
        try:
            return self.answers.get(timeout=WAIT_S)
        except queue.Empty:
            pytest.fail(f"no answer within {WAIT_S} s")

    def close(self) -> None:
        """Disconnects."""
        self._client.disconnect()
        self._client.loop_stop()


def _one_frame_replay(folder: Path, frame_file: str) -> Path:
    """A replay of one fixture frame, to loop: whatever frame the glasses take, it is this one."""
    (folder / "frames").mkdir(parents=True)
    shutil.copyfile(FIXTURE / frame_file, folder / "frames" / "000000.jpg")
    timestamps = {"fps": 10, "frames": [{"file": "frames/000000.jpg", "t_ms": 0}]}
    (folder / "timestamps.json").write_text(json.dumps(timestamps))
    (folder / "expected.json").write_text(json.dumps({"scans": [], "notes": "one snap"}))
    return folder


def _frame_for(results: list[PhotoSearchResult], *, sure: bool) -> tuple[str, PhotoSearchResult]:
    snaps = expected()["searches"]
    for result, snap in zip(results, snaps, strict=True):
        if snap["in_index"] == sure and result.abstained != sure:
            return str(snap["file"]), result
    pytest.fail(f"no fixture frame the index is {'sure' if sure else 'unsure'} of")


def _ask(
    mqtt_broker: BrokerEndpoint, tmp_path: Path, fixture_index: BuiltFixtureIndex, **kw: str
) -> Answer:
    store, device, frame = kw["store"], kw["device"], kw["frame"]
    replay = _one_frame_replay(tmp_path / f"replay-{device}", frame)
    listener = AnswerListener(mqtt_broker, answer_topic(store, device))
    running = start_agent(
        mqtt_broker,
        tmp_path,
        fixture_index,
        store=store,
        device=device,
        profile="glasses",
        path=str(replay),
        realtime=True,
        loop=True,
    )
    try:
        assert running.agent.wait_commands_ready(WAIT_S)
        listener.command(
            cmd_topic(store, device), DeviceCommand(id=kw["command"], command="what_is_this")
        )
        return listener.next()
    finally:
        running.close()
        listener.close()


def test_glasses_what_is_this_gets_an_answer_from_the_hub(
    mqtt_broker: BrokerEndpoint,
    tmp_path: Path,
    fixture_index: BuiltFixtureIndex,
    hub: SearchHub,
    store_id: str,
) -> None:
    kiosk = start_agent(
        mqtt_broker, tmp_path, fixture_index, store=store_id, device="kiosk-s2", profile="kiosk"
    )
    try:
        results = _snap_every_frame(kiosk.agent)
    finally:
        kiosk.close()
    sure_file, sure = _frame_for(results, sure=True)
    unsure_file, unsure = _frame_for(results, sure=False)
    answer = _ask(
        mqtt_broker, tmp_path, fixture_index, store=store_id, device="glasses-s1",
        frame=sure_file, command="cmd-sure-1",
    )  # fmt: skip
    db = open_database(tmp_path / "hub.db", run_migrations=False)
    try:
        facts = match_facts(db, sure.matches[0].product_id)
        row = db.execute(
            "SELECT id FROM events WHERE type = 'search' AND device = 'glasses-s1'"
        ).fetchone()
        assert facts is not None and row is not None
        assert answer.event_id == row[0] and answer.gtin == facts.gtin
        assert answer.text == sure_answer(facts, sure.confidence)
        assert "% sure" in answer.text
        answer = _ask(
            mqtt_broker, tmp_path, fixture_index, store=store_id, device="glasses-s2",
            frame=unsure_file, command="cmd-unsure-1",
        )  # fmt: skip
        names = [f.name for m in unsure.matches[:3] if (f := match_facts(db, m.product_id))]
        assert answer.gtin is None and answer.text == unsure_answer(names)
        assert answer.text.startswith("Not sure — maybe ")
        signal = list_search_signals(db, kind="no_match")
        assert answer.event_id in {s.event_id for s in signal}
    finally:
        db.close()
