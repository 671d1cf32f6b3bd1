"""Tests "reserve this for pickup" from the try-on: the garment goes to the kiosk's reserve flow."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_harness import TSHIRT, CatalogHub, seeded_catalog_hub
from tryon_harness import TRYON_FIXTURES, CameraFeed, open_tryon, wait_until

from aisle.frame_tap import LatestFrame
from aisle.kiosk_tryon import EdgeTryOn, scan_assets
from edge.tryon.session import TryOnModels
from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.ports import KioskFeatures
from kiosk.screens.confirmation import ConfirmationScreen

SETTINGS = KioskSettings(store_id="search-test-store", device_id="kiosk-t1")


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[CatalogHub]:
    """The real hub app over the test catalog (the t-shirt has 5 on hand)."""
    yield from seeded_catalog_hub(tmp_path)


def catalog_tshirt_assets(folder: Path) -> Path:
    """The fixture t-shirt asset, published for the catalog's t-shirt GTIN (PNG unchanged)."""
    folder.mkdir()
    meta = json.loads((TRYON_FIXTURES / "tshirt-navy-v1.json").read_text())
    meta.update(product_id=TSHIRT, asset_id=f"{TSHIRT}-navy-v1")
    (folder / f"{TSHIRT}-navy-v1.json").write_text(json.dumps(meta))
    shutil.copy(TRYON_FIXTURES / "tshirt-navy-v1.png", folder / f"{TSHIRT}-navy-v1.png")
    return folder


async def test_reserve_from_the_try_on_reserves_the_garment_at_the_hub(
    hub: CatalogHub,
    tryon_models: TryOnModels,
    frames: LatestFrame,
    camera: CameraFeed,
    tmp_path: Path,
) -> None:
    assets = scan_assets(catalog_tshirt_assets(tmp_path / "assets"))
    tryon = EdgeTryOn(tryon_models, assets, frames)
    app = KioskApp(hub.client(), None, SETTINGS, features=KioskFeatures(tryon=tryon))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_tryon(pilot)
        await pilot.press("plus", "r")
        await wait_until(
            pilot, lambda: isinstance(app.screen, ConfirmationScreen), "confirmation screen"
        )
        action = app.kiosk_state.action
        await wait_until(
            pilot,
            lambda: app.kiosk_state.action is not None and app.kiosk_state.action.phase == "done",
            "the hub's reservation",
        )
        assert action is not None and action.kind == "reservation" and action.gtin == TSHIRT
        assert action.name == "t-shirt navy, size L"
        await wait_until(pilot, lambda: not tryon.active, "try-on session ended")
    assert tryon.stills_held == 0
