"""Pilot tests of the snap and text-search screens with the real search adapters and hub API.

Photo search runs the committed YOLOX + EfficientNet-Lite0 INT8 on the camera frames of a replay
(the t-shirt fixture on a wall) against an index built by edge's real index builder; text search
runs the committed MiniLM over the test catalog; cards come from the real hub app.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from search_harness import (
    CAP,
    KIDS_SEAT,
    OAT_DRINK,
    TSHIRT,
    CatalogHub,
    catalog_image,
    garment_on,
    search_texts,
    seeded_catalog_hub,
)
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static
from tryon_harness import MANIFEST, TRYON_FIXTURES, CameraFeed, wait_until, write_replay

from aisle.frame_tap import LatestFrame
from aisle.kiosk_search import EdgePhotoSearch, EdgeTextSearch
from edge.index.active import LoadedIndex
from edge.index.build import ImageEntry, ImageList, ProductImages, build_index_file
from edge.index.file import read_index_file
from edge.inference.detector import ObjectDetector
from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import load_model
from edge.inference.text_embedder import TextEmbedder
from edge.search.searcher import PhotoSearcher, SearcherSettings
from edge.search_config import DEFAULT_EMBEDDER
from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.feature_app import PHOTO_OFF_TEXT, TEXT_OFF_TEXT
from kiosk.ports import KioskFeatures, PhotoSearch, TextSearch
from kiosk.screens.card import CardScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.search import SearchScreen, SnapScreen, TextSearchScreen
from kiosk.search_state import BEST_MATCH, NOT_SURE

SIZE = (110, 40)
SETTINGS = KioskSettings(store_id="search-test-store", device_id="kiosk-t1")
WALL = np.full((480, 640, 3), (150, 160, 170), np.uint8)
TSHIRT_PNG = TRYON_FIXTURES / "tshirt-navy-v1.png"
CAP_PNG = TRYON_FIXTURES / "cap-blue-v1.png"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[CatalogHub]:
    """The real hub app over the test catalog."""
    yield from seeded_catalog_hub(tmp_path)


@pytest.fixture(scope="session")
def image_embedder() -> ImageEmbedder:
    """The committed INT8 image embedder."""
    return ImageEmbedder(load_model(MANIFEST, DEFAULT_EMBEDDER))


@pytest.fixture(scope="session")
def text_search() -> EdgeTextSearch:
    """MiniLM over the test catalog, product texts embedded once."""
    embedder = TextEmbedder.from_model(load_model(MANIFEST, "all_minilm_l6_v2_int8"))
    search = EdgeTextSearch.from_products(embedder, search_texts())
    search.prepare()
    return search


@pytest.fixture(scope="session")
def photo_index(
    image_embedder: ImageEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> LoadedIndex:
    """An index of the t-shirt, the cap and the oat drink, built by edge's index builder."""
    folder = tmp_path_factory.mktemp("photo-index")
    oat = np.full((400, 300, 3), (40, 200, 230), np.uint8)
    cv2.rectangle(oat, (60, 80), (240, 320), (255, 255, 255), -1)
    images = {TSHIRT: catalog_image(TSHIRT_PNG), CAP: catalog_image(CAP_PNG), OAT_DRINK: oat}
    products = []
    for gtin, image in images.items():
        cv2.imwrite(str(folder / f"{gtin}.jpg"), image)
        entry = ImageEntry(path=folder / f"{gtin}.jpg", role="catalog")
        products.append(ProductImages(gtin=gtin, images=[entry]))
    model = (image_embedder.model.name, image_embedder.model.entry.sha256)
    out = folder / "index.npz"
    build_index_file(ImageList(products=products), out, embed=image_embedder.embed, model=model)
    return LoadedIndex("test-v1", read_index_file(out))


@pytest.fixture(scope="session")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Camera replays: the t-shirt held up in front of a wall, and the bare wall."""
    root = tmp_path_factory.mktemp("search-scenes")
    shirt = [garment_on(WALL, TSHIRT_PNG, scale=0.9, at_xy=(170 + 4 * i, 90)) for i in range(4)]
    return {
        "tshirt": write_replay(root / "tshirt", shirt, "t-shirt on a wall"),
        "nobody": write_replay(root / "nobody", [WALL] * 4, "bare wall"),
    }


@pytest.fixture
def shirt_camera(scenes: dict[str, Path], frames: LatestFrame) -> Iterator[CameraFeed]:
    """The kiosk camera, seeing the t-shirt."""
    feed = CameraFeed(scenes, frames, "tshirt")
    yield feed
    feed.close()


def photo_search(
    embedder: ImageEmbedder, index: LoadedIndex, frames: LatestFrame, *, calibrated: bool = True
) -> EdgePhotoSearch:
    """The kiosk's photo search on edge's `PhotoSearcher` over `index`, cropping with YOLOX.

    Without `calibrated`, the index's calibration is dropped and a threshold no score reaches
    applies, so every answer is "not sure".
    """
    if not calibrated:
        meta = replace(index.data.meta, abstention=None)
        index = LoadedIndex(index.version, replace(index.data, meta=meta))
    detector = ObjectDetector(load_model(MANIFEST, "yolox_nano"))
    settings = SearcherSettings(k=3, fallback_threshold=1.01)
    searcher = PhotoSearcher(embedder, lambda: index, detector=detector, settings=settings)
    return EdgePhotoSearch(lambda: searcher, frames)


def kiosk(
    hub: CatalogHub, *, photo: PhotoSearch | None = None, text: TextSearch | None = None
) -> KioskApp:
    """The kiosk app with the search ports, asking the test hub for cards."""
    features = KioskFeatures(photo_search=photo, text_search=text)
    return KioskApp(hub.client(), None, SETTINGS, features=features)


def static(screen: SearchScreen, selector: str) -> str:
    """The text of one `Static`."""
    return str(screen.query_one(selector, Static).content)


def options(screen: SearchScreen, selector: str) -> list[str]:
    """The lines of an option list."""
    option_list = screen.query_one(selector, OptionList)
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


async def wait_for_cards(pilot: Pilot[None], screen: SearchScreen) -> None:
    """Waits until the search answered and its hits' cards arrived."""
    await wait_until(pilot, lambda: bool(screen.search_state.cards), "cards of the hits")
    await pilot.pause()


async def choose_first_result(pilot: Pilot[None], screen: SearchScreen) -> None:
    """Opens the first result, as a shopper would with the arrow keys and Enter."""
    screen.query_one("#search-results", OptionList).focus()
    await pilot.press("down", "enter")


async def test_snap_finds_the_item_shows_price_stock_and_opens_its_card(
    hub: CatalogHub,
    image_embedder: ImageEmbedder,
    photo_index: LoadedIndex,
    frames: LatestFrame,
    shirt_camera: CameraFeed,
) -> None:
    app = kiosk(hub, photo=photo_search(image_embedder, photo_index, frames))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, SnapScreen), "snap screen")
        screen = app.screen
        assert isinstance(screen, SnapScreen)
        await wait_for_cards(pilot, screen)
        assert static(screen, "#search-headline") == BEST_MATCH
        results = options(screen, "#search-results")
        assert results[0] == "Navy t-shirt\n  €12.99 · 5 here · 7 online"
        assert [line.split("\n")[0] for line in options(screen, "#search-similar")] == [
            "Oat drink 1 l"  # in stock here; the cap is not
        ]
        assert "Baseball cap\n  €9.99 · none here · 7 online" in results
        assert not frames.listening and not frames.holds_frame  # the snap took one frame only
        await choose_first_result(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, CardScreen), "the t-shirt's card")
    assert app.kiosk_state.card is not None and app.kiosk_state.card.gtin == TSHIRT


async def test_snap_below_the_threshold_says_not_sure_and_shows_candidates(
    hub: CatalogHub,
    image_embedder: ImageEmbedder,
    photo_index: LoadedIndex,
    frames: LatestFrame,
    shirt_camera: CameraFeed,
) -> None:
    search = photo_search(image_embedder, photo_index, frames, calibrated=False)
    app = kiosk(hub, photo=search)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, SnapScreen), "snap screen")
        screen = app.screen
        assert isinstance(screen, SnapScreen)
        await wait_for_cards(pilot, screen)
        assert static(screen, "#search-headline") == NOT_SURE
        assert len(options(screen, "#search-results")) == 3
        assert not screen.query_one("#search-similar-box").display


async def test_snap_without_a_camera_frame_says_so(
    hub: CatalogHub, image_embedder: ImageEmbedder, photo_index: LoadedIndex, frames: LatestFrame
) -> None:
    search = photo_search(image_embedder, photo_index, frames)
    app = kiosk(hub, photo=search)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(SnapScreen(search, app.hub_client, frame_timeout_s=0.2))
        await wait_until(pilot, lambda: isinstance(app.screen, SnapScreen), "snap screen")
        screen = app.screen
        assert isinstance(screen, SnapScreen)
        await wait_until(pilot, lambda: screen.search_state.status == "error", "no-frame message")
        assert static(screen, "#search-status") == "The camera sent no picture. Please try again."


async def test_text_search_parses_constraints_and_opens_the_card(
    hub: CatalogHub, text_search: EdgeTextSearch
) -> None:
    app = kiosk(hub, text=text_search)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, TextSearchScreen), "search screen")
        screen = app.screen
        assert isinstance(screen, TextSearchScreen)
        # typed letters reach the box even though q, t, p and f are kiosk-wide keys
        await pilot.press(*"kids car seat for a 6 year old under 200", "enter")
        assert screen.query_one("#search-input", Input).value.startswith("kids car seat")
        await wait_for_cards(pilot, screen)
        assert static(screen, "#search-filters") == (
            "Up to 200.00 · for age 6 · matching: kids car seat"
        )
        assert static(screen, "#search-headline") == BEST_MATCH
        results = options(screen, "#search-results")
        assert results[0] == "Kids car seat group 2/3\n  €149.99 · 3 here · 7 online"
        names = [line.split("\n")[0] for line in results]
        assert "Infant car seat 0+" not in names  # for babies: the age filter left it out
        assert "Premium kids car seat isofix" not in names  # 299.99: over the price
        await choose_first_result(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, CardScreen), "the seat's card")
    assert app.kiosk_state.card is not None and app.kiosk_state.card.gtin == KIDS_SEAT


async def test_text_search_abstains_on_gibberish_and_explains_bad_requests(
    hub: CatalogHub, text_search: EdgeTextSearch
) -> None:
    app = kiosk(hub, text=text_search)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, TextSearchScreen), "search screen")
        screen = app.screen
        assert isinstance(screen, TextSearchScreen)
        await pilot.press(*"bike for a 40 year old", "enter")
        assert static(screen, "#search-filters") == "Ages up to 18 years are understood."
        box = screen.query_one("#search-input", Input)
        box.value = "zqxj vbnm"
        await pilot.press("enter")
        await wait_for_cards(pilot, screen)
        assert static(screen, "#search-headline") == NOT_SURE
        assert options(screen, "#search-results")


async def test_search_features_off_say_so(hub: CatalogHub) -> None:
    app = kiosk(hub)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.press("slash")
        await wait_until(pilot, lambda: len(app._notifications) == 2, "two notices")
        assert [n.message for n in app._notifications] == [PHOTO_OFF_TEXT, TEXT_OFF_TEXT]
        assert isinstance(app.screen, HomeScreen)
