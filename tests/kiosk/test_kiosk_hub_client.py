"""Tests of the kiosk's network code: the hub card client and the MQTT scan feed."""

from __future__ import annotations

import json
import queue
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from aisle.broker import BrokerEndpoint, free_port
from contracts.cards import ProductCard, UnknownCode
from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.payloads import ScanPayload
from kiosk.config import BrokerLogin
from kiosk.errors import HubResponseError, HubUnavailable
from kiosk.hub_client import HubClient
from kiosk.scan_feed import ScanFeed, parse_scan_message

STORE, DEVICE = "store-1", "kiosk-1"
WAIT_S = 10.0


def _client_answering(handler: Callable[[httpx.Request], httpx.Response]) -> HubClient:
    """A hub client whose transport answers like a misbehaving server would."""
    transport = httpx.MockTransport(handler)
    return HubClient("http://hub.test", timeout_s=1.0, device_id="kiosk-1", transport=transport)


async def test_card_and_unknown_code_parse(make_card: Callable[..., ProductCard]) -> None:
    card = make_card()
    unknown = UnknownCode(code="00000000000017", message="Not sold here.", demand_recorded=True)

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.params["device"] == "kiosk-1"
        if request.url.path == "/api/v1/cards/04006381333931":
            return httpx.Response(200, json=card.model_dump(mode="json"))
        return httpx.Response(404, json={"detail": unknown.model_dump(mode="json")})

    client = _client_answering(answer)
    assert await client.get_card("04006381333931") == card
    assert await client.get_card("00000000000017") == unknown
    await client.aclose()


@pytest.mark.parametrize(
    ("response", "error", "match"),
    [
        (httpx.Response(503, text="central down"), HubUnavailable, "HTTP 503"),
        (httpx.Response(500), HubUnavailable, "HTTP 500"),
        (httpx.Response(200, text="<html>"), HubResponseError, "without JSON"),
        (httpx.Response(200, json={"gtin": "1"}), HubResponseError, "not a ProductCard"),
        (httpx.Response(404, json={"detail": "Not Found"}), HubResponseError, "card API"),
        (httpx.Response(422, json={"detail": []}), HubResponseError, "HTTP 422"),
    ],
)
async def test_bad_answers_become_kiosk_errors(
    response: httpx.Response, error: type[Exception], match: str
) -> None:
    client = _client_answering(lambda _request: response)
    with pytest.raises(error, match=match):
        await client.get_card("04006381333931")
    await client.aclose()


async def test_hub_not_listening_is_unavailable() -> None:
    client = HubClient(f"http://127.0.0.1:{free_port()}", timeout_s=1.0)
    with pytest.raises(HubUnavailable, match="cannot be reached"):
        await client.get_card("04006381333931")
    await client.aclose()


async def test_hub_that_never_answers_times_out() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        client = HubClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout_s=0.2)
        with pytest.raises(HubUnavailable, match=r"did not answer within 0\.2 s"):
            await client.get_card("04006381333931")
        await client.aclose()


def test_parse_scan_message(
    make_scan: Callable[..., ScanPayload], make_envelope: Callable[..., Envelope]
) -> None:
    scan = make_scan()
    raw = make_envelope(scan, store=STORE, device=DEVICE).to_json_bytes()
    assert parse_scan_message(raw, store_id=STORE, device_id=DEVICE)[1] == scan
    other = make_envelope(scan, store=STORE, device=DEVICE, event_type="photo_search")
    assert parse_scan_message(other.to_json_bytes(), store_id=STORE, device_id=DEVICE)[1] is None
    with pytest.raises(ContractError, match="on the topic of store-1/kiosk-2"):
        parse_scan_message(raw, store_id=STORE, device_id="kiosk-2")
    with pytest.raises(ContractError, match="not UTF-8 JSON"):
        parse_scan_message(b"{oops", store_id=STORE, device_id=DEVICE)


def test_feed_handles_each_event_once_and_rejects_bad_input(
    make_scan: Callable[..., ScanPayload], make_envelope: Callable[..., Envelope]
) -> None:
    feed = ScanFeed(BrokerLogin("127.0.0.1", 1883, None), store_id=STORE, device_id=DEVICE)
    raw = make_envelope(make_scan(), store=STORE, device=DEVICE).to_json_bytes()
    assert feed.handle_message(feed.topic, raw) == make_scan()
    assert feed.handle_message(feed.topic, raw) is None
    assert feed.handle_message(feed.topic, b"\xff") is None
    assert feed.handle_message("aisle/store-1/dev/other/events", raw) is None
    assert (feed.received, feed.duplicates, feed.rejected) == (1, 1, 2)


@pytest.fixture
def publisher(mqtt_broker: BrokerEndpoint) -> Iterator[mqtt.Client]:
    """A paho client logged in to the test broker, standing in for the kiosk's edge agent."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-edge-publisher")
    client.username_pw_set(mqtt_broker.username, mqtt_broker.password)
    client.connect(mqtt_broker.host, mqtt_broker.port)
    client.loop_start()
    yield client
    client.disconnect()
    client.loop_stop()


def _get(items: queue.Queue[Any]) -> Any:
    return items.get(timeout=WAIT_S)


def test_feed_delivers_scans_from_the_broker(
    mqtt_broker: BrokerEndpoint,
    publisher: mqtt.Client,
    make_scan: Callable[..., ScanPayload],
    make_envelope: Callable[..., Envelope],
) -> None:
    login = BrokerLogin(
        mqtt_broker.host, mqtt_broker.port, mqtt_broker.username, mqtt_broker.password
    )
    feed = ScanFeed(login, store_id=STORE, device_id=DEVICE, client_id="test-kiosk-ui")
    scans: queue.Queue[ScanPayload] = queue.Queue()
    statuses: queue.Queue[tuple[bool, str]] = queue.Queue()
    feed.start(scans.put, lambda connected, reason: statuses.put((connected, reason)))
    try:
        assert _get(statuses) == (True, "subscribed")
        first = make_envelope(make_scan(), store=STORE, device=DEVICE, seq=1)
        second_scan = make_scan(text="96385074", symbology="ean8", gtin="00000096385074")
        second = make_envelope(second_scan, store=STORE, device=DEVICE, seq=2)
        for raw in (
            first.to_json_bytes(),
            first.to_json_bytes(),
            b"not json",
            second.to_json_bytes(),
        ):
            publisher.publish(feed.topic, raw, qos=1).wait_for_publish(WAIT_S)
        assert _get(scans) == make_scan()
        assert _get(scans) == second_scan
        assert (feed.received, feed.duplicates, feed.rejected) == (2, 1, 1)
    finally:
        feed.stop()
    assert scans.empty()


def test_feed_reports_a_refused_login(mqtt_broker: BrokerEndpoint) -> None:
    login = BrokerLogin(mqtt_broker.host, mqtt_broker.port, mqtt_broker.username, "wrong")
    feed = ScanFeed(login, store_id=STORE, device_id=DEVICE, client_id="test-kiosk-refused")
    statuses: queue.Queue[tuple[bool, str]] = queue.Queue()
    feed.start(lambda _scan: None, lambda connected, reason: statuses.put((connected, reason)))
    try:
        connected, reason = _get(statuses)
    finally:
        feed.stop()
    assert not connected
    assert "refused" in reason or "disconnected" in reason


def test_description_hides_the_password() -> None:
    feed = ScanFeed(BrokerLogin("b", 1883, "aisle", "s3cret"), store_id=STORE, device_id=DEVICE)
    assert feed.description == "mqtt://aisle@b:1883 aisle/store-1/dev/kiosk-1/events"
    assert json.dumps(feed.description).count("s3cret") == 0
