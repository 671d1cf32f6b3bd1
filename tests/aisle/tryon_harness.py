"""Provides the try-on test harness: person replays, a switchable camera, the kiosk, waits.

The person is scikit-image's `astronaut` photo (public domain, committed under
tests/fixtures/tryon); replays are written in the fixture format and played by the production
`ReplaySource` through the production `TappedSource`, exactly as the kiosk's edge agent reads them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from aisle.frame_tap import LatestFrame
from aisle.kiosk_tryon import EdgeTryOn
from edge.sources.replay import ReplaySource
from edge.sources.tap import TappedSource
from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.hub_client import HubClient
from kiosk.ports import GarmentOption, KioskFeatures
from kiosk.screens.tryon import TryOnScreen

REPO = Path(__file__).resolve().parents[2]
TRYON_FIXTURES = REPO / "tests" / "fixtures" / "tryon"
ASTRONAUT = TRYON_FIXTURES / "astronaut.jpg"
MANIFEST = REPO / "models" / "manifest.json"
FRAME_WH = (640, 480)
REPLAY_FPS = 10.0
WAIT_S = 20.0
FEED_IDLE_S = 0.01


def person_frame(*, person: bool, seed: int) -> np.ndarray:
    """A 640x480 BGR frame: a wall, with the astronaut standing in the middle when `person`."""
    rng = np.random.default_rng(seed)
    width, height = FRAME_WH
    wall = np.full((height, width, 3), (150, 160, 170), np.float32)
    if person:
        photo = cv2.imread(str(ASTRONAUT))
        assert photo is not None, f"cannot read {ASTRONAUT}"
        wall[:, 80:560] = cv2.resize(photo, (480, 480), interpolation=cv2.INTER_AREA)
    noisy = wall + rng.normal(0, 2.0, wall.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def write_replay(folder: Path, images: list[np.ndarray], notes: str) -> Path:
    """Writes a replay fixture of `images` (BGR) at `REPLAY_FPS`."""
    (folder / "frames").mkdir(parents=True)
    rows = []
    for index, image in enumerate(images):
        name = f"frames/{index:06d}.jpg"
        cv2.imwrite(str(folder / name), image)
        rows.append({"file": name, "t_ms": round(index * 1000 / REPLAY_FPS)})
    (folder / "timestamps.json").write_text(json.dumps({"fps": REPLAY_FPS, "frames": rows}))
    (folder / "expected.json").write_text(json.dumps({"scans": [], "notes": notes}))
    return folder


def write_person_replay(folder: Path, *, person: bool, frames: int = 6) -> Path:
    """Writes a replay fixture of `frames` frames with (or without) the astronaut in view."""
    images = [person_frame(person=person, seed=index) for index in range(frames)]
    return write_replay(folder, images, "astronaut in view" if person else "nobody in view")


class CameraFeed:
    """Reads a looping replay through a `TappedSource` in a thread, like the agent's capture loop.

    `show(name)` switches to another replay (the shopper steps in or walks away).
    """

    def __init__(self, replays: dict[str, Path], frames: LatestFrame, first: str) -> None:
        self._replays = replays
        self._frames = frames
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._tap = self._open(first)
        self._thread = threading.Thread(target=self._run, name="test-camera", daemon=True)
        self._thread.start()

    def _open(self, name: str) -> TappedSource:
        source = ReplaySource(self._replays[name], fps=REPLAY_FPS, realtime=True, loop=True)
        tap = TappedSource(source, self._frames.offer)
        tap.open()
        return tap

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                tap = self._tap
            if tap.read() is None:
                self._stop.wait(FEED_IDLE_S)

    def show(self, name: str) -> None:
        """Plays replay `name` from now on."""
        with self._lock:
            old, self._tap = self._tap, self._open(name)
        old.close()

    def close(self) -> None:
        """Stops the thread and closes the replay."""
        self._stop.set()
        with self._lock:
            self._tap.close()
        self._thread.join(5)


async def wait_until(pilot: Pilot[None], predicate: Callable[[], bool], what: str) -> None:
    """Waits until `predicate` holds while the app runs; fails after `WAIT_S` naming `what`."""
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            screen = pilot.app.screen
            detail = getattr(screen, "tryon_state", screen)
            pytest.fail(f"{what}: not within {WAIT_S} s ({detail})")
        await pilot.pause(0.05)


SETTINGS = KioskSettings(store_id="teststore", device_id="kiosk-t1", hub_url="http://127.0.0.1:9")


def kiosk(tryon: EdgeTryOn | None, **settings: Any) -> KioskApp:
    """The kiosk app with the try-on port (no scan feed; the hub is never asked here)."""
    config = SETTINGS.model_copy(update=settings)
    features = KioskFeatures(tryon=tryon)
    client = HubClient(config.hub_url, timeout_s=config.request_timeout_s, device_id="kiosk-t1")
    return KioskApp(client, None, config, features=features)


def fixture_garments(tryon: EdgeTryOn) -> tuple[GarmentOption, GarmentOption]:
    """The committed fixture's two garments, in offer order: a hat, then a top."""
    hat, top = tryon.garments()
    assert (hat.kind, top.kind) == ("hat", "top")
    return hat, top


def text(screen: TryOnScreen, selector: str) -> str:
    """The text of one `Static` on the try-on screen."""
    return str(screen.query_one(selector, Static).content)


async def open_tryon(pilot: Pilot[None]) -> TryOnScreen:
    """Presses `t` and waits for the try-on screen."""
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TryOnScreen), "try-on screen")
    screen = pilot.app.screen
    assert isinstance(screen, TryOnScreen)
    return screen


async def wait_dressed(pilot: Pilot[None], screen: TryOnScreen, product: str, size: str) -> None:
    """Waits until a frame shown was drawn with `product` in `size`, garment on the shopper."""

    def dressed() -> bool:
        state = screen.tryon_state
        return (
            state is not None
            and state.drawn is not None
            and (state.drawn.product_id, state.drawn.size) == (product, size)
            and state.hint is None
        )

    await wait_until(pilot, dressed, f"{product} in {size} on the shopper")
