"""Pilot tests of the kiosk's try-on screen, driven by a real `TryOnSession` on replayed frames."""

from __future__ import annotations

import time
from pathlib import Path

from tryon_harness import (
    MANIFEST,
    TRYON_FIXTURES,
    CameraFeed,
    fixture_garments,
    kiosk,
    open_tryon,
    text,
    wait_dressed,
    wait_until,
)

from aisle.frame_tap import LatestFrame
from aisle.kiosk_features import FeatureSources, build_features
from aisle.kiosk_runner import DEMO_TRYON_ASSETS
from aisle.kiosk_tryon import EdgeTryOn, scan_assets
from edge.tryon.session import HINT_NO_FACE, HINT_NO_PERSON, TryOnModels
from kiosk.feature_app import TRYON_OFF_TEXT
from kiosk.screens.home import HomeScreen
from kiosk.screens.tryon import DRESSED_HINT
from kiosk.widgets.frame_view import FrameView

SIZE = (120, 40)


async def test_try_on_dresses_the_shopper_and_switches_garment_and_size(
    tryon_models: TryOnModels, frames: LatestFrame, camera: CameraFeed
) -> None:
    tryon = EdgeTryOn(tryon_models, scan_assets(TRYON_FIXTURES), frames)
    hat, top = fixture_garments(tryon)
    app = kiosk(tryon)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tryon(pilot)
        await wait_dressed(pilot, screen, hat.product_id, "M")
        assert text(screen, "#tryon-garment") == "Item 1 of 2: hat"
        assert text(screen, "#tryon-colour") == f"Colour: {hat.colour} (1 of 1)"
        assert text(screen, "#tryon-hint") == DRESSED_HINT
        preview = screen.query_one("#tryon-preview", FrameView)
        assert preview.thumbnail is not None
        width_px, height_px = preview.thumbnail.size_wh
        assert width_px <= preview.size.width and height_px <= 2 * preview.size.height + 1

        await pilot.press("g")
        await wait_dressed(pilot, screen, top.product_id, "M")
        assert text(screen, "#tryon-garment") == "Item 2 of 2: t-shirt"
        assert text(screen, "#tryon-colour") == f"Colour: {top.colour} (1 of 1)"

        await pilot.press("plus")
        await wait_dressed(pilot, screen, top.product_id, "L")
        assert text(screen, "#tryon-size") == "Size: L"


async def test_stills_compare_two_items_side_by_side_and_go_with_the_session(
    tryon_models: TryOnModels, frames: LatestFrame, camera: CameraFeed
) -> None:
    tryon = EdgeTryOn(tryon_models, scan_assets(TRYON_FIXTURES), frames)
    hat, top = fixture_garments(tryon)
    app = kiosk(tryon)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tryon(pilot)
        await wait_dressed(pilot, screen, hat.product_id, "M")
        await pilot.press("space")
        await wait_until(pilot, lambda: len(screen.tryon_state.stills) == 1, "first still")  # type: ignore[union-attr]
        await pilot.press("g")
        await wait_dressed(pilot, screen, top.product_id, "M")
        await pilot.press("space")
        await wait_until(pilot, lambda: len(screen.tryon_state.stills) == 2, "second still")  # type: ignore[union-attr]
        assert text(screen, "#tryon-still-labels") == (
            f"1: hat {hat.colour}, size M   2: t-shirt {top.colour}, size M"
        )
        for number in (1, 2):
            assert screen.query_one(f"#tryon-still-{number}", FrameView).thumbnail is not None
        assert tryon.stills_held == 2
        assert frames.holds_frame

        await pilot.press("escape")
        await wait_until(pilot, lambda: not tryon.active, "session ended")
        assert isinstance(app.screen, HomeScreen)
        assert tryon.stills_held == 0
        assert not frames.listening and not frames.holds_frame


async def test_nobody_in_view_shows_the_plain_frame_and_a_hint(
    tryon_models: TryOnModels, frames: LatestFrame, camera: CameraFeed
) -> None:
    camera.show("nobody")
    tryon = EdgeTryOn(tryon_models, scan_assets(TRYON_FIXTURES), frames)
    _hat, top = fixture_garments(tryon)
    app = kiosk(tryon, walk_away_s=60.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tryon(pilot)
        await wait_until(pilot, lambda: text(screen, "#tryon-hint") == HINT_NO_FACE, "face hint")
        assert screen.query_one("#tryon-preview", FrameView).thumbnail is not None
        await pilot.press("g")  # the t-shirt needs a body, not a face
        await wait_until(pilot, lambda: text(screen, "#tryon-hint") == HINT_NO_PERSON, "hint")
        camera.show("person")
        await wait_dressed(pilot, screen, top.product_id, "M")
        assert text(screen, "#tryon-hint") == DRESSED_HINT


async def test_walking_away_ends_the_session_and_drops_the_stills(
    tryon_models: TryOnModels, frames: LatestFrame, camera: CameraFeed
) -> None:
    tryon = EdgeTryOn(tryon_models, scan_assets(TRYON_FIXTURES), frames)
    hat, _top = fixture_garments(tryon)
    app = kiosk(tryon, walk_away_s=4.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tryon(pilot)
        await wait_dressed(pilot, screen, hat.product_id, "M")
        await pilot.press("space")
        await wait_until(pilot, lambda: tryon.stills_held == 1, "still kept")
        camera.show("nobody")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), "back home")
        await wait_until(pilot, lambda: not tryon.active, "session ended")
        assert tryon.stills_held == 0
        assert not frames.holds_frame


async def test_idle_reset_ends_the_try_on_session(
    tryon_models: TryOnModels, frames: LatestFrame, camera: CameraFeed
) -> None:
    camera.show("nobody")
    tryon = EdgeTryOn(tryon_models, scan_assets(TRYON_FIXTURES), frames)
    _hat, _top = fixture_garments(tryon)
    # long enough that a still taken on a loaded 2-core machine lands before the idle reset
    app = kiosk(tryon, idle_reset_s=12.0, walk_away_s=60.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tryon(pilot)
        await wait_until(pilot, lambda: screen.tryon_state.frames_seen > 0, "a frame")  # type: ignore[union-attr]
        await pilot.press("space")
        await wait_until(pilot, lambda: tryon.stills_held == 1, "still kept")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), "idle reset")
        await wait_until(pilot, lambda: not tryon.active, "session ended")
        assert tryon.stills_held == 0


async def test_reserve_from_the_try_on_names_the_garment(
    tryon_models: TryOnModels, frames: LatestFrame, camera: CameraFeed
) -> None:
    tryon = EdgeTryOn(tryon_models, scan_assets(TRYON_FIXTURES), frames)
    _hat, top = fixture_garments(tryon)
    app = kiosk(tryon)
    async with app.run_test(size=SIZE) as pilot:
        await open_tryon(pilot)
        await pilot.press("g", "minus", "r")
        await wait_until(pilot, lambda: bool(app._notifications), "a notice")
        [notice] = list(app._notifications)
        assert f"t-shirt {top.colour}, size S" in notice.message


async def test_try_on_off_says_so(frames: LatestFrame) -> None:
    app = kiosk(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await wait_until(pilot, lambda: bool(app._notifications), "a notice")
        assert [n.message for n in app._notifications] == [TRYON_OFF_TEXT]
        assert isinstance(app.screen, HomeScreen)


def test_features_without_try_on_assets_leave_try_on_off(
    tmp_path: Path, frames: LatestFrame
) -> None:
    assert build_features(FeatureSources(MANIFEST, tmp_path), frames).tryon is None
    assert build_features(FeatureSources(MANIFEST, None), frames).tryon is None


def test_the_runner_offers_try_on_with_the_demo_assets(frames: LatestFrame) -> None:
    features = build_features(FeatureSources(MANIFEST, DEMO_TRYON_ASSETS), frames)
    assert isinstance(features.tryon, EdgeTryOn)
    assert {garment.kind for garment in features.tryon.garments()} == {"hat", "top"}
    assert features.tryon.sizes() == ("XS", "S", "M", "L", "XL")


async def test_a_shopper_in_view_keeps_the_session_past_the_idle_reset(
    tryon_models: TryOnModels, frames: LatestFrame, camera: CameraFeed
) -> None:
    tryon = EdgeTryOn(tryon_models, scan_assets(TRYON_FIXTURES), frames)
    app = kiosk(tryon, idle_reset_s=2.0, walk_away_s=60.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_tryon(pilot)
        started_s = time.monotonic()
        # no key is pressed: only the shopper standing in view keeps the session going
        await wait_until(pilot, lambda: time.monotonic() - started_s > 4.0, "twice the idle reset")
        assert app.screen is screen and tryon.active
