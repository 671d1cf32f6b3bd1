"""Pilot tests of the kiosk app against the real hub API over a seeded SQLite catalog."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import cv2
import httpx
import numpy as np
import paho.mqtt.client as mqtt
import pytest
from fastapi import FastAPI
from kiosk_builders import (
    GRANOLA_GTIN,
    HUB_STORE,
    KIOSK_DEVICE,
    OAT_MILK_GTIN,
    UNSTOCKED_GTIN,
    WAIT_S,
    SeededHub,
    ServedHub,
    build_card,
    build_envelope,
    build_scan,
)
from kiosk_pilot import (
    NOW,
    SETTINGS,
    SIZE,
    fixed_clock,
    kiosk,
    lines,
    text,
    wait_for_screen,
    wait_until,
)
from paho.mqtt.enums import CallbackAPIVersion

from aisle.broker import BrokerEndpoint, free_port
from hub.db import stock
from kiosk.app import UNEXPECTED_ERROR_TEXT, KioskApp
from kiosk.config import BrokerLogin
from kiosk.hub_client import HubClient
from kiosk.scan_feed import ScanFeed
from kiosk.screens.card import CardScreen
from kiosk.screens.error import ErrorScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.unknown import UnknownScreen
from kiosk.widgets.product_card import ProductImage


async def test_a_scan_shows_the_product_card(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        assert lines(card, "#card-titles") == [
            "Oat drink 1 l",
            "Oatly · grocery",
            f"Code {OAT_MILK_GTIN[1:]}",
        ]
        assert lines(card, "#card-left") == [
            "Here €2.49",
            "Online €2.29",
            "Cheaper online: save €0.20 if you order it",
            "",
            "14 in stock in this store",
            "Aisle 5, bay 2",
            "",
            "Online stock",
            "North DC: 5 in stock, delivery tomorrow",
            "South DC: 40 in stock, delivery in 3 days",
        ]
        assert lines(card, "#card-right") == [
            "★★★★★ 4.5 (2 reviews)",
            "★★★★★ Creamy: Great in coffee. (9 found this helpful)",
            "",
            "Goes well with (in stock here)",
            "Granola: €3.99, 6 here",
        ]
        # The hub never reached central in this test: the card says how old its copy is.
        assert card.query_one("#freshness").display
        assert text(card, "#freshness").startswith(
            "Online prices and stock as of 21 Nov 09:30 (2 h ago)"
        )
    assert [(r.code, r.outcome) for r in app.kiosk_state.history] == [(OAT_MILK_GTIN, "card")]


async def test_no_as_of_line_while_central_is_reachable(seeded_hub: SeededHub) -> None:
    seeded_hub.mark_central_reachable(NOW)
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        assert not card.query_one("#freshness").display
        assert lines(card, "#card-titles")[0] == "Oat drink 1 l"


async def test_an_unknown_code_shows_the_not_in_catalog_card(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan(text=UNSTOCKED_GTIN[1:], gtin=UNSTOCKED_GTIN))
        unknown = await wait_for_screen(pilot, UnknownScreen)
        assert text(unknown, "#unknown-title") == "Not in our catalog"
        assert text(unknown, "#unknown-code") == f"Code {UNSTOCKED_GTIN[1:]}"
        assert text(unknown, "#unknown-staff") == "We have told the staff that you looked for it."
    (signal,) = stock.list_demand(seeded_hub.db, limit=5)
    assert (signal.code, signal.device) == (UNSTOCKED_GTIN, KIOSK_DEVICE)


async def test_a_typed_code_shows_its_card(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#code-input")
        await pilot.press(*"5012345678900", "enter")
        card = await wait_for_screen(pilot, CardScreen)
        assert lines(card, "#card-titles")[0] == "Granola"
        assert lines(card, "#card-left")[2] == "Cheaper online: save €1.70 if you order it"
    assert app.kiosk_state.history[-1].source == "manual"


async def test_a_wrong_typed_code_is_explained_and_not_looked_up(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#code-input")
        await pilot.press(*"5012345678901", "enter")
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "last digit does not match" in text(home, "#input-error")
        await pilot.press("q")
    assert app.kiosk_state.history == ()


async def test_hub_down_shows_the_error_screen_and_retry_works(
    seeded_hub: SeededHub, serve_hub: Callable[[FastAPI, int], ServedHub]
) -> None:
    port = free_port()
    client = HubClient(
        f"http://127.0.0.1:{port}",
        timeout_s=2.0,
        device_id=KIOSK_DEVICE,
        token=seeded_hub.kiosk_token(),
    )
    app = kiosk(client)
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        error = await wait_for_screen(pilot, ErrorScreen)
        assert text(error, "#error-title") == "Sorry, we could not look that up"
        assert text(error, "#error-message") == (
            f"The store hub at http://127.0.0.1:{port} cannot be reached."
        )
        serve_hub(seeded_hub.app, port)
        await pilot.click("#retry")
        card = await wait_for_screen(pilot, CardScreen)
        assert lines(card, "#card-titles")[0] == "Oat drink 1 l"
    outcomes = [(r.source, r.outcome) for r in app.kiosk_state.history]
    assert outcomes == [("scanner", "error"), ("retry", "card")]


async def test_a_refused_token_shows_the_error_screen(seeded_hub: SeededHub) -> None:
    transport = httpx.ASGITransport(app=seeded_hub.app)
    client = HubClient("http://hub.test", timeout_s=2.0, token="revoked", transport=transport)
    app = kiosk(client)
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        error = await wait_for_screen(pilot, ErrorScreen)
        assert "refused this kiosk's API token" in text(error, "#error-message")
        await pilot.click("#back")


@pytest.mark.allow_error_log
async def test_an_unexpected_failure_shows_no_traceback() -> None:
    def broken(_request: httpx.Request) -> httpx.Response:
        raise RuntimeError("bug in a transport")

    client = HubClient("http://hub.test", timeout_s=1.0, transport=httpx.MockTransport(broken))
    app = kiosk(client)
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        error = await wait_for_screen(pilot, ErrorScreen)
        assert text(error, "#error-message") == UNEXPECTED_ERROR_TEXT
        await pilot.click("#back")
        await wait_for_screen(pilot, HomeScreen)


async def test_a_newer_scan_wins_and_escape_goes_home(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        app.deliver_scan(build_scan(text=GRANOLA_GTIN[1:], gtin=GRANOLA_GTIN))
        card = await wait_for_screen(pilot, CardScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert lines(app.screen, "#card-titles")[0] == "Granola", card
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
        assert len(app.screen_stack) == 1
    assert [r.code for r in app.kiosk_state.history] == [OAT_MILK_GTIN, GRANOLA_GTIN]


async def test_the_session_ends_when_idle(seeded_hub: SeededHub) -> None:
    # Long enough that the card shows first even on a loaded machine (it must not end the lookup).
    settings = SETTINGS.model_copy(update={"idle_reset_s": 1.0})
    app = kiosk(seeded_hub.client(), settings)
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        await wait_for_screen(pilot, CardScreen)
        await wait_for_screen(pilot, HomeScreen)
    assert app.kiosk_state.history == ()


async def test_f_asks_the_runner_to_switch_the_source(seeded_hub: SeededHub) -> None:
    switched = threading.Event()

    def switch() -> str:
        switched.set()
        return "camera 0"

    app = kiosk(seeded_hub.client(), on_switch_source=switch)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        assert await asyncio.to_thread(switched.wait, WAIT_S)
        await pilot.press("q")


async def test_f_without_a_runner_and_q_quits(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_a_scan_published_by_the_edge_agent_reaches_the_screen(
    seeded_hub: SeededHub, mqtt_broker: BrokerEndpoint
) -> None:
    login = BrokerLogin(
        mqtt_broker.host, mqtt_broker.port, mqtt_broker.username, mqtt_broker.password
    )
    feed = ScanFeed(login, store_id=HUB_STORE, device_id=KIOSK_DEVICE, client_id="test-kiosk-app")
    app = KioskApp(seeded_hub.client(), feed, SETTINGS, clock=fixed_clock)
    edge = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-kiosk-edge")
    edge.username_pw_set(mqtt_broker.username, mqtt_broker.password)
    edge.connect(mqtt_broker.host, mqtt_broker.port)
    edge.loop_start()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.scanner_status == "Scanner: ready")
            home = app.screen
            assert text(home, "#scanner-status") == "Scanner: ready"
            envelope = build_envelope(build_scan(), store=HUB_STORE, device=KIOSK_DEVICE)
            info = edge.publish(feed.topic, envelope.to_json_bytes(), qos=1)
            await asyncio.to_thread(info.wait_for_publish, WAIT_S)
            card = await wait_for_screen(pilot, CardScreen)
            assert lines(card, "#card-titles")[0] == "Oat drink 1 l"
            assert text(card, "#scanner-status") == "Scanner: ready"
    finally:
        edge.disconnect()
        edge.loop_stop()
    assert feed.received == 1


async def test_a_broker_that_cannot_be_reached_shows_in_the_status_bar(
    seeded_hub: SeededHub,
) -> None:
    port = free_port()
    feed = ScanFeed(
        BrokerLogin("127.0.0.1", port, None), store_id=HUB_STORE, device_id=KIOSK_DEVICE
    )
    app = KioskApp(seeded_hub.client(), feed, SETTINGS, clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.scanner_status != "Scanner: connecting…")
        expected = f"Scanner: offline (cannot reach the broker at 127.0.0.1:{port}) · type the code"
        assert app.scanner_status == expected
        await pilot.pause()
        assert text(app.screen, "#scanner-status") == expected


def _image_hub(image: httpx.Response) -> HubClient:
    """A hub that answers the oat milk card with an image URL, and that URL with `image`."""
    card = build_card(image_url="http://central.test/v1/products/04006381333931/image.png")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "central.test":
            return image
        return httpx.Response(200, json=card.model_dump(mode="json"))

    return HubClient("http://hub.test", timeout_s=1.0, transport=httpx.MockTransport(answer))


async def test_the_product_image_replaces_the_placeholder() -> None:
    picture = np.zeros((40, 40, 3), dtype=np.uint8)
    picture[:, :, 1] = 255  # green
    ok, png = cv2.imencode(".png", picture)
    assert ok
    app = kiosk(_image_hub(httpx.Response(200, content=bytes(png))))
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        image = card.query_one(ProductImage)
        await wait_until(pilot, lambda: image.thumbnail is not None)
        assert image.thumbnail is not None
        assert image.thumbnail.cell_rows()[0][0] == ((0, 255, 0), (0, 255, 0))


async def test_a_missing_image_keeps_the_placeholder() -> None:
    app = kiosk(_image_hub(httpx.Response(404)))
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        await app.workers.wait_for_complete()
        image = card.query_one(ProductImage)
        assert image.thumbnail is None
        assert str(image.content) == ProductImage.PLACEHOLDER
