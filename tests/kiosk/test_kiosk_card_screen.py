"""Pilot tests of the kiosk's card and unknown-code screens, built once and updated per scan."""

from __future__ import annotations

import cv2
import httpx
import numpy as np
from kiosk_builders import (
    GRANOLA_GTIN,
    OAT_MILK_GTIN,
    UNSTOCKED_GTIN,
    SeededHub,
    build_card,
    build_scan,
)
from kiosk_pilot import SIZE, kiosk, lines, text, wait_for_screen, wait_until

from kiosk.hub_client import HubClient
from kiosk.screens.card import CardScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.unknown import UnknownScreen
from kiosk.widgets.product_card import ProductImage


async def test_a_second_unknown_code_updates_the_same_screen(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan(text=UNSTOCKED_GTIN[1:], gtin=UNSTOCKED_GTIN))
        unknown = await wait_for_screen(pilot, UnknownScreen)
        app.deliver_scan(build_scan(text="NOT-A-PRODUCT", symbology="code128", gtin=None))
        await wait_until(pilot, lambda: text(unknown, "#unknown-code") == "Code NOT-A-PRODUCT")
        assert app.screen is unknown
        assert text(unknown, "#unknown-title") == "Not in our catalog"
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        assert lines(card, "#card-titles")[0] == "Oat drink 1 l"


async def test_a_scan_over_a_card_updates_the_same_screen_in_place(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        card = await wait_for_screen(pilot, CardScreen)
        widgets = len(card.query("*"))
        app.deliver_scan(build_scan(text=GRANOLA_GTIN[1:], gtin=GRANOLA_GTIN))
        await wait_until(pilot, lambda: lines(card, "#card-titles")[0] == "Granola")
        assert app.screen is card and card.shown_gtin == GRANOLA_GTIN
        assert len(card.query("*")) == widgets  # nothing composed or mounted for the new card
        # Nothing left over from the oat drink: granola has no reviews, no complements.
        assert lines(card, "#card-right") == ["No reviews yet"]
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
        app.deliver_scan(build_scan())
        assert await wait_for_screen(pilot, CardScreen) is card
        assert lines(card, "#card-titles")[0] == "Oat drink 1 l"


async def test_the_app_closes_cleanly_while_the_card_screen_mounts(seeded_hub: SeededHub) -> None:
    app = kiosk(seeded_hub.client())
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        await wait_until(pilot, lambda: app.kiosk_state.view == "card")
        # Leaves at once: the screen mounts while the app is closing (no NoMatches then).
    assert app.return_code in (None, 0)
    assert app.card_screen.shown_gtin == OAT_MILK_GTIN


async def test_the_image_is_fetched_once_and_shown_at_once_on_the_next_scan() -> None:
    picture = np.zeros((40, 40, 3), dtype=np.uint8)
    picture[:, :, 2] = 255  # red in BGR
    ok, png = cv2.imencode(".png", picture)
    assert ok
    fetched: list[str] = []
    card = build_card(image_url="http://central.test/v1/products/04006381333931/image.png")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "central.test":
            fetched.append(str(request.url))
            return httpx.Response(200, content=bytes(png))
        return httpx.Response(200, json=card.model_dump(mode="json"))

    client = HubClient("http://hub.test", timeout_s=1.0, transport=httpx.MockTransport(answer))
    app = kiosk(client)
    async with app.run_test(size=SIZE) as pilot:
        app.deliver_scan(build_scan())
        screen = await wait_for_screen(pilot, CardScreen)
        image = screen.query_one(ProductImage)
        await wait_until(pilot, lambda: image.thumbnail is not None)
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
        app.deliver_scan(build_scan())
        await wait_for_screen(pilot, CardScreen)
        assert image.thumbnail is not None  # from the cache, with the card's first frame
        assert image.thumbnail.cell_rows()[0][0] == ((255, 0, 0), (255, 0, 0))
        await app.workers.wait_for_complete()
    assert len(fetched) == 1
