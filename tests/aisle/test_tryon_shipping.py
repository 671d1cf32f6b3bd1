"""End to end: the hub builds try-on assets from garment photos, the kiosk receives them over the
hub API, the try-on screen lists the garment, each size is its own product (price, stock,
reservation), and a new version is swapped in without interrupting a running try-on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hub_tokens import api_token
from tryon_harness import CameraFeed, open_tryon, text, wait_dressed, wait_until
from tryon_shipping import AS_OF, DEMO_PHOTOS, KIOSK, NAVY_SIZES, STORE, ShippingHub, shipping_hub

from aisle.frame_tap import LatestFrame
from aisle.kiosk_tryon import EdgeTryOn
from edge.tryon.installed import load_installed
from edge.tryon.receiver import AssetReceiver, ReceiverSettings
from edge.tryon.session import TryOnModels
from hub.db import stock
from hub.db.connection import write_transaction
from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.hub_client import HubClient
from kiosk.ports import KioskFeatures, TryOnChoice
from kiosk.screens.confirmation import ConfirmationScreen

SETTINGS = KioskSettings(store_id=STORE, device_id=KIOSK)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[ShippingHub]:
    """The hub with the navy t-shirt built and 3 of each size on hand."""
    shipping = shipping_hub(tmp_path)
    ready = next(shipping)
    with write_transaction(ready.db):
        for size, gtin in NAVY_SIZES.items():
            stock.record_movement(
                ready.db, stock.Movement(gtin, "receipt", 3, f"seed:{size}"), AS_OF
            )
    yield ready
    next(shipping, None)


def received(hub: ShippingHub, folder: Path) -> AssetReceiver:
    """A kiosk receiver that has synced once with the hub."""
    settings = ReceiverSettings(
        hub_url="http://testserver", store_id=STORE, device_id=KIOSK, folder=folder
    )
    receiver = AssetReceiver(settings, load_installed(folder), client=hub.client())
    assert receiver.sync_once().changed
    return receiver


def kiosk_client(hub: ShippingHub) -> HubClient:
    """The kiosk UI's hub client on the same hub app."""
    return HubClient(
        "http://hub.test",
        timeout_s=5.0,
        device_id=KIOSK,
        token=api_token(hub.db, device=KIOSK, role="kiosk"),
        transport=httpx.ASGITransport(app=hub.app),
    )


async def test_shipped_garment_is_listed_and_each_size_is_its_own_product(
    hub: ShippingHub,
    tryon_models: TryOnModels,
    frames: LatestFrame,
    camera: CameraFeed,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "kiosk"
    received(hub, folder)
    tryon = EdgeTryOn(tryon_models, load_installed(folder), frames)
    app = KioskApp(kiosk_client(hub), None, SETTINGS, features=KioskFeatures(tryon=tryon))
    first = NAVY_SIZES["S"]
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tryon(pilot)
        assert text(screen, "#tryon-garment") == "Item 1 of 1: Urban Thread Crew neck t-shirt navy"
        await wait_dressed(pilot, screen, first, "M")
        await wait_until(
            pilot, lambda: text(screen, "#tryon-variant") == "EUR 17.59 · 3 in this store", "M card"
        )
        await pilot.press("plus")
        await wait_dressed(pilot, screen, first, "L")
        assert screen.tryon_state is not None and screen.tryon_state.size_gtin == NAVY_SIZES["L"]
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmationScreen), "confirmation")
        await wait_until(
            pilot,
            lambda: app.kiosk_state.action is not None and app.kiosk_state.action.phase == "done",
            "the hub's reservation",
        )
        action = app.kiosk_state.action
        assert action is not None and action.gtin == NAVY_SIZES["L"]  # the size chosen


def test_a_new_version_is_swapped_in_without_interrupting_the_running_try_on(
    hub: ShippingHub,
    tryon_models: TryOnModels,
    frames: LatestFrame,
    camera: CameraFeed,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "kiosk"
    receiver = received(hub, folder)
    active = load_installed(folder)
    tryon = EdgeTryOn(tryon_models, active, frames)
    tryon.start(TryOnChoice(NAVY_SIZES["S"], "navy", "M"))
    try:
        assert tryon.next_frame(10.0) is not None
        hoodie = (DEMO_PHOTOS / "coastline-zip-hoodie-grey.jpg").read_bytes()
        hub.service.photos.put("urban-thread-crew-neck-t-shirt-navy", hoodie)
        hub.build_now()
        swap = AssetReceiver(
            ReceiverSettings(
                hub_url="http://testserver", store_id=STORE, device_id=KIOSK, folder=folder
            ),
            active,
            client=hub.client(),
        )
        assert swap.sync_once().version == 2
        assert receiver is not swap and active.swaps == 1
        assert tryon.active and tryon.next_frame(10.0) is not None  # still dressing, old pixels
        (asset,) = active.assets().values()
        assert asset.shipped.asset_id.endswith("-v2")
        tryon.start(TryOnChoice(NAVY_SIZES["S"], "navy", "L"))  # the next choice loads v2
        assert tryon.next_frame(10.0) is not None
    finally:
        tryon.stop()
