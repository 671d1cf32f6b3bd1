"""Tests glasses answers through a real mosquitto: state + scan in, a short answer out."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from hub_builders import OAT_MILK, T0, UNKNOWN_GTIN, catalog_product, change, make_envelope
from hub_harness import WAIT_S, Publisher, broker_address, utc_now
from paho.mqtt.enums import CallbackAPIVersion
from sqlite_utils import Database

from aisle.broker import BrokerEndpoint
from contracts.payloads import Answer, DeviceState
from contracts.topics import answer_topic, state_topic
from hub.answers.answerer import GlassesAnswerer
from hub.answers.publisher import AnswerPublisher
from hub.db import catalog, stock
from hub.db.connection import open_database, write_transaction
from hub.db.stock import Movement
from hub.domain.answers import AnswerFacts, format_cents, product_answer
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor


@dataclass
class AnsweringHub:
    """Ingest wired to the answerer, as the hub process wires them."""

    ingest: MqttIngest
    answerer: GlassesAnswerer
    publisher: AnswerPublisher


class AnswerListener:
    """A device-side subscriber to one device's answer topic."""

    def __init__(self, endpoint: BrokerEndpoint, topic: str) -> None:
        self.answers: queue.Queue[Answer] = queue.Queue()
        self._subscribed = queue.Queue[bool]()
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        client.username_pw_set(endpoint.username, endpoint.password)
        client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        client.on_subscribe = lambda *_: self._subscribed.put(True)
        client.on_message = lambda _c, _u, m: self.answers.put(
            Answer.model_validate_json(m.payload)
        )
        client.connect(endpoint.host, endpoint.port)
        client.loop_start()
        self._client = client
        assert self._subscribed.get(timeout=WAIT_S)

    def next(self) -> Answer:
        """The next answer (fails the test after the wait deadline)."""
        return self.answers.get(timeout=WAIT_S)

    def close(self) -> None:
        """Disconnects."""
        self._client.disconnect()
        self._client.loop_stop()


def seed(db: Database) -> None:
    """Oat milk, 14 on hand, aisle 5."""
    oat = catalog_product(OAT_MILK, name="Oat milk 1 l", price_cents=249, online_price_cents=229)
    with write_transaction(db):
        catalog.apply_change(db, change(1, oat), T0)
        stock.record_movement(db, Movement(OAT_MILK, "receipt", 14, "seed:test"), T0)
        stock.set_shelf_location(db, OAT_MILK, "Aisle 5", source="seed", now=T0)


@pytest.fixture
def answering_hub(
    mqtt_broker: BrokerEndpoint, db_path: Path, store_id: str, hub_db: Database
) -> Iterator[AnsweringHub]:
    """Ingest, answerer and answer publisher on the session mosquitto."""
    seed(hub_db)
    address = broker_address(mqtt_broker)
    publisher = AnswerPublisher(address, store_id=store_id)
    publisher.start()
    assert publisher.wait_connected(WAIT_S)
    answerer = GlassesAnswerer(open_database(db_path), publish=publisher.publish)
    answerer.start()
    processor = EventProcessor(
        open_database(db_path),
        store_id=store_id,
        clock=utc_now,
        on_committed=answerer.on_committed,
    )
    ingest = MqttIngest(address, store_id=store_id, processor=processor)
    ingest.start()
    assert ingest.wait_subscribed(WAIT_S)
    yield AnsweringHub(ingest, answerer, publisher)
    ingest.stop()
    answerer.stop(WAIT_S)
    publisher.stop()


def announce(publisher: Publisher, store: str, device: str, profile: str) -> None:
    """Publishes a device's retained state (how the hub learns its profile)."""
    state = DeviceState.model_validate(
        {"device": device, "profile": profile, "status": "online", "ts": T0}
    )
    publisher.publish(state_topic(store, device), state.model_dump_json().encode(), retain=True)


def test_a_glasses_scan_gets_a_short_answer(
    answering_hub: AnsweringHub, publisher: Publisher, mqtt_broker: BrokerEndpoint, store_id: str
) -> None:
    listener = AnswerListener(mqtt_broker, answer_topic(store_id, "glasses-1"))
    try:
        announce(publisher, store_id, "glasses-1", "glasses")
        known = make_envelope(store_id, "glasses-1", 1)
        publisher.publish_event(known)
        answer = listener.next()
        assert answer.event_id == known.id and answer.gtin == OAT_MILK
        assert answer.text == "Oat milk 1 l, 2.49 here, 2.29 online, 14 on shelf, aisle 5"
        unknown = make_envelope(
            store_id, "glasses-1", 2, payload={**known.payload, "gtin": UNKNOWN_GTIN}
        )
        publisher.publish_event(unknown)
        assert listener.next().text == "Not in our catalog"
    finally:
        listener.close()


def test_kiosk_scans_are_not_answered(
    answering_hub: AnsweringHub, publisher: Publisher, mqtt_broker: BrokerEndpoint, store_id: str
) -> None:
    announce(publisher, store_id, "kiosk-1", "kiosk")
    announce(publisher, store_id, "glasses-2", "glasses")
    listener = AnswerListener(mqtt_broker, f"aisle/{store_id}/dev/+/answer")
    try:
        publisher.publish_event(make_envelope(store_id, "kiosk-1", 1))
        glasses = make_envelope(store_id, "glasses-2", 1)
        publisher.publish_event(glasses)
        assert listener.next().event_id == glasses.id  # the kiosk's scan came first, unanswered
        assert answering_hub.answerer.answered == 1
    finally:
        listener.close()


@pytest.mark.parametrize(
    ("facts", "text"),
    [
        (
            AnswerFacts("Kettle", 2999, None, 0, None),
            "Kettle, 29.99 here, not sold online, none on shelf",
        ),
        (
            AnswerFacts("Tea", 5, 5, 3, "Aisle 2, bay 1"),
            "Tea, 0.05 here, 0.05 online, 3 on shelf, aisle 2, bay 1",
        ),
        (
            AnswerFacts("x" * 100, 100, 90, -1, " "),
            "x" * 59 + "…, 1.00 here, 0.90 online, none on shelf",
        ),
    ],
)
def test_answer_text(facts: AnswerFacts, text: str) -> None:
    assert product_answer(facts) == text


def test_negative_price_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_cents(-1)
