"""Pilot tests of reserve-for-pickup and order-for-delivery against the real hub API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from kiosk_builders import (
    GRANOLA_GTIN,
    HUB_AS_OF,
    KIOSK_DEVICE,
    OAT_MILK_GTIN,
    SeededHub,
    ServedHub,
    build_scan,
)
from kiosk_pilot import NOW, SIZE, kiosk, text, texts, wait_for_screen, wait_for_text
from textual.widgets import Button

from aisle.broker import free_port
from hub.db import catalog, stock
from hub.db.connection import write_transaction
from hub.db.stock import Movement
from kiosk.action_view import QUEUED_TEXT
from kiosk.hub_client import HubClient
from kiosk.screens.card import ActionLabel, CardScreen
from kiosk.screens.confirmation import ConfirmationScreen
from kiosk.screens.home import HomeScreen


def reservations(hub: SeededHub) -> list[tuple[str, int, str]]:
    """(gtin, quantity, state) of every reservation the hub holds."""
    rows = hub.db.execute("SELECT gtin, quantity, state FROM reservations ORDER BY id")
    return [(str(g), int(q), str(s)) for g, q, s in rows.fetchall()]


async def test_the_card_offers_reserve_and_order(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        assert card.query_one("#reserve", ActionLabel).enabled
        assert card.query_one("#order", ActionLabel).enabled
        assert text(card, "#action-notes") == ""


async def test_out_of_stock_here_cannot_be_reserved(seeded_hub: SeededHub) -> None:
    with write_transaction(seeded_hub.db):
        stock.record_movement(
            seeded_hub.db, Movement(OAT_MILK_GTIN, "sale", -14, "test:sold-out"), NOW
        )
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        assert not card.query_one("#reserve", ActionLabel).enabled
        assert text(card, "#action-notes") == "Nothing to reserve: out of stock here"
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, CardScreen)
    assert reservations(seeded_hub) == []


async def test_reserve_for_pickup_holds_stock_and_shows_the_pickup_code(
    seeded_hub: SeededHub,
) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        await wait_for_screen(pilot, CardScreen)
        await pilot.click("#reserve")
        confirm = await wait_for_screen(pilot, ConfirmationScreen)
        status = await wait_for_text(pilot, "#confirm-status", lambda s: s.startswith("Reserved"))
        assert status == "Reserved: staff are putting it aside for you."
        assert text(confirm, "#confirm-title") == "Reserved for pickup"
        assert text(confirm, "#confirm-item") == "1 × Oat drink 1 l"
        details = texts(confirm, "#confirm-details Static")
        assert details[0].startswith("Pickup code ") and len(details[0]) == len("Pickup code ") + 6
        assert details[2] == "Shelf: Aisle 5, bay 2"
        assert not confirm.query_one("#retry", Button).display
        await pilot.press("enter")
        await wait_for_screen(pilot, HomeScreen)
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        assert "13 in stock in this store" in text(card, "#card-left").split("\n")
    assert reservations(seeded_hub) == [(OAT_MILK_GTIN, 1, "new")]


async def test_a_refused_reservation_is_explained_without_retry(seeded_hub: SeededHub) -> None:
    # Granola: 6 on hand; central unreachable keeps 2 unreserved; 5 already held.
    with write_transaction(seeded_hub.db):
        stock.record_movement(
            seeded_hub.db, Movement(GRANOLA_GTIN, "reservation", -5, "test:held"), NOW
        )
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan(gtin=GRANOLA_GTIN, text=GRANOLA_GTIN[1:]))
        await wait_for_screen(pilot, CardScreen)
        await pilot.press("r")
        confirm = await wait_for_screen(pilot, ConfirmationScreen)
        status = await wait_for_text(pilot, "#confirm-status", lambda s: "can be reserved" in s)
        assert status == "0 unit(s) can be reserved, 1 asked for"
        assert not confirm.query_one("#retry", Button).display
    assert reservations(seeded_hub) == []


async def test_order_for_delivery_is_queued_while_central_is_unreachable(
    seeded_hub: SeededHub,
) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        await wait_for_screen(pilot, CardScreen)
        await pilot.press("o")
        confirm = await wait_for_screen(pilot, ConfirmationScreen)
        assert await wait_for_text(pilot, "#confirm-status", lambda s: s == QUEUED_TEXT)
        assert text(confirm, "#confirm-title") == "Ordered for delivery"
        assert text(confirm, "#confirm-item") == "1 × Oat drink 1 l"
        assert texts(confirm, "#confirm-details Static")[0].startswith("Order hord_")
    rows = seeded_hub.db.execute("SELECT state FROM delivery_orders").fetchall()
    assert rows == [("queued",)]
    outbox = seeded_hub.db.execute("SELECT kind, state FROM central_outbox").fetchall()
    assert outbox == [("order", "pending")]


async def test_a_reservation_retried_after_the_hub_was_down_is_made_once(
    seeded_hub: SeededHub, serve_hub: Callable[[FastAPI, int], ServedHub]
) -> None:
    port = free_port()
    down = HubClient(
        f"http://127.0.0.1:{port}",
        timeout_s=2.0,
        device_id=KIOSK_DEVICE,
        token=seeded_hub.kiosk_token(),
    )
    app = kiosk(down)
    async with app.run_test(size=SIZE) as pilot:
        app.kiosk_state = app.kiosk_state.start_lookup(OAT_MILK_GTIN, "manual", NOW)
        app.start_action("reservation", OAT_MILK_GTIN, name="Oat drink 1 l")
        confirm = await wait_for_screen(pilot, ConfirmationScreen)
        status = await wait_for_text(pilot, "#confirm-status", lambda s: "cannot be reached" in s)
        assert status == f"The store hub at http://127.0.0.1:{port} cannot be reached."
        assert confirm.query_one("#retry", Button).display
        key = app.kiosk_state.action.key if app.kiosk_state.action else None
        serve_hub(seeded_hub.app, port)
        await pilot.press("a")
        await wait_for_text(pilot, "#confirm-status", lambda s: s.startswith("Reserved"))
        assert app.kiosk_state.action is not None and app.kiosk_state.action.key == key
        await pilot.press("a")  # nothing to retry any more
        await pilot.pause(0.2)
    assert reservations(seeded_hub) == [(OAT_MILK_GTIN, 1, "new")]


async def test_the_card_says_as_of_when_central_stopped_answering(seeded_hub: SeededHub) -> None:
    seeded_hub.mark_central_reachable(HUB_AS_OF)
    with write_transaction(seeded_hub.db):
        catalog.record_sync_failure(seeded_hub.db, "GET /v1/changes: ConnectError", NOW)
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        assert text(card, "#freshness") == (
            "Online prices and stock as of 21 Nov 09:30 (2 h ago): "
            "the online shop cannot be reached right now."
        )
        assert text(card, "#card-left").startswith("Here €2.49\n")
