"""End to end: "what is this?" asked through the hub's API.

`POST /api/v1/devices/{device}/what-is-this` on the real FastAPI app -> a `what_is_this` command
on mosquitto -> a glasses edge agent replaying the `glasses_two_items` fixture searches its view
against an index built with the committed INT8 embedder -> its `search` event -> hub ingest ->
the route answers with what the glasses were told, and the answer is in the AI audit log with
the caller who asked. Unknown devices, other devices' tokens and silent devices are refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from photo_search_harness import (
    PASSWORD_ENV,
    WAIT_S,
    BuiltFixtureIndex,
    build_fixture_index,
    device_config,
    install_index,
    seed_hub,
)

from aisle.broker import BrokerEndpoint
from contracts.payloads import SearchPayload
from edge.agent import EdgeAgent
from hub.answers.answerer import GlassesAnswerer
from hub.answers.publisher import AnswerPublisher
from hub.api.app import create_app
from hub.api.notifier import EventNotifier
from hub.api.routes.device_commands import install_device_command_api
from hub.config import BrokerAddress, HubSettings
from hub.db import answers, api_tokens, audit
from hub.db.connection import open_database
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor

pytestmark = [pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
GLASSES_REPLAY = REPO / "tests" / "fixtures" / "replays" / "glasses_two_items"
GLASSES = "glasses-w1"


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> BuiltFixtureIndex:
    """The photo-search fixture's index, built once with the real embedder."""
    return build_fixture_index(tmp_path_factory.mktemp("what-is-this-index"))


@pytest.fixture
def store_id(request: pytest.FixtureRequest) -> str:
    """A store of this test alone (the session broker keeps retained state)."""
    return "wi" + "".join(ch for ch in request.node.name if ch.isalnum())[-20:]


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def hub_app(mqtt_broker: BrokerEndpoint, tmp_path: Path, store_id: str) -> Iterator[TestClient]:
    """Ingest, answerer and the API (with the device-command route), wired as the hub does."""
    db_path = tmp_path / "hub.db"
    seed_hub(db_path, on_hand={})
    address = BrokerAddress(
        mqtt_broker.host, mqtt_broker.port, False, mqtt_broker.username, mqtt_broker.password
    )
    publisher = AnswerPublisher(address, store_id=store_id)
    publisher.start()
    assert publisher.wait_connected(WAIT_S)
    answerer = GlassesAnswerer(open_database(db_path), publish=publisher.publish)
    answerer.start()
    notifier = EventNotifier()
    processor = EventProcessor(
        open_database(db_path),
        store_id=store_id,
        clock=_now,
        on_applied=notifier.notify,
        on_committed=answerer.on_committed,
    )
    ingest = MqttIngest(address, store_id=store_id, processor=processor)
    ingest.start()
    assert ingest.wait_subscribed(WAIT_S)
    settings = HubSettings(store_id=store_id, db_path=db_path)
    app = create_app(settings, open_database(db_path), notifier=notifier)
    install_device_command_api(app, publisher.publish)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        ingest.stop()
        answerer.stop(WAIT_S)
        publisher.stop()


def _token(db_path: Path, device: str, role: str) -> dict[str, str]:
    db = open_database(db_path, run_migrations=False)
    try:
        token = api_tokens.issue_token(db, device=device, role=role, now=_now())
    finally:
        db.close()
    return {"Authorization": f"Bearer {token}"}


def _start_glasses(
    mqtt_broker: BrokerEndpoint, tmp_path: Path, built: BuiltFixtureIndex, store: str
) -> tuple[EdgeAgent, threading.Event, threading.Thread]:
    config = device_config(
        mqtt_broker, tmp_path, store=store, device=GLASSES, profile="glasses",
        replay=GLASSES_REPLAY, realtime=True, loop=True,
    )  # fmt: skip
    assert config.index is not None
    install_index(built, config.index.folder, store=store)
    agent = EdgeAgent(config, environ={PASSWORD_ENV: mqtt_broker.password})
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), name=GLASSES, daemon=True)
    thread.start()
    assert agent.wait_commands_ready(WAIT_S)
    return agent, stop, thread


def _wait_profile(db_path: Path, device: str) -> None:
    db = open_database(db_path, run_migrations=False)
    deadline = time.monotonic() + WAIT_S
    try:
        while answers.device_profile(db, device) != "glasses":
            assert time.monotonic() < deadline, f"{device} never reported its state"
            time.sleep(0.05)
    finally:
        db.close()


def test_what_is_this_through_the_hub_answers_and_is_audited(
    mqtt_broker: BrokerEndpoint,
    tmp_path: Path,
    fixture_index: BuiltFixtureIndex,
    hub_app: TestClient,
    store_id: str,
) -> None:
    db_path = tmp_path / "hub.db"
    service = _token(db_path, "ops-console", "service")
    _agent, stop, thread = _start_glasses(mqtt_broker, tmp_path, fixture_index, store_id)
    try:
        _wait_profile(db_path, GLASSES)
        url = f"/api/v1/devices/{GLASSES}/what-is-this"
        response = hub_app.post(url, params={"timeout_s": 20}, headers=service)
        assert response.status_code == 200, response.text
        body = response.json()
        own = hub_app.post(
            url, params={"timeout_s": 20}, headers=_token(db_path, GLASSES, "device")
        )
        assert own.status_code == 200, own.text
        other = hub_app.post(url, headers=_token(db_path, "kiosk-9", "kiosk"))
        assert other.status_code == 403
    finally:
        stop.set()
        thread.join(WAIT_S)
    db = open_database(db_path, run_migrations=False)
    try:
        row = db.execute("SELECT payload FROM events WHERE id = ?", [body["event_id"]]).fetchone()
        search = SearchPayload.model_validate_json(row[0])
        assert search.command_id == body["command_id"] and search.trigger == "glasses_ask"
        assert body["text"] and body["index_version"] == search.index_version
        assert (body["gtin"] is None) == (body["abstained"] or search.hits == [])
        rows = audit.list_decisions(db, kind="what_is_this", before_id=None, limit=10)
        mine = [r.decision for r in rows if r.decision.event_id == body["event_id"]]
        assert len(mine) == 1 and mine[0].approved_by == "service-token:ops-console"
        assert (
            mine[0].input_sha256 == search.input_sha256 and mine[0].output["text"] == body["text"]
        )
    finally:
        db.close()


def test_unknown_and_silent_devices_are_refused(
    hub_app: TestClient, tmp_path: Path, mqtt_broker: BrokerEndpoint, store_id: str
) -> None:
    db_path = tmp_path / "hub.db"
    service = _token(db_path, "ops-console", "service")
    missing = hub_app.post("/api/v1/devices/nobody-1/what-is-this", headers=service)
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_device"
    db = open_database(db_path, run_migrations=False)
    try:
        with db.atomic():
            db.execute(
                "INSERT INTO devices (id, profile) VALUES ('glasses-gone', 'glasses'),"
                " ('kiosk-x', 'kiosk')"
            )
    finally:
        db.close()
    kiosk = hub_app.post("/api/v1/devices/kiosk-x/what-is-this", headers=service)
    assert kiosk.status_code == 409 and kiosk.json()["code"] == "not_askable"
    silent = hub_app.post(
        "/api/v1/devices/glasses-gone/what-is-this", params={"timeout_s": 0.5}, headers=service
    )
    assert silent.status_code == 504 and silent.json()["code"] == "device_timeout"
    assert "did not answer within 0.5 s" in silent.json()["message"]
