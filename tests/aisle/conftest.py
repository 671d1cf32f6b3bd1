"""Provides the kiosk-feature fixtures: the real try-on models, person replays, a camera."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tryon_harness import MANIFEST, CameraFeed, write_person_replay

from aisle.frame_tap import LatestFrame
from aisle.kiosk_tryon import load_tryon_models
from edge.tryon.session import TryOnModels


@pytest.fixture(scope="session")
def tryon_models() -> TryOnModels:
    """The committed try-on models, loaded and verified once."""
    return load_tryon_models(MANIFEST)


@pytest.fixture(scope="session")
def person_replays(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two replay fixtures: "person" (the astronaut in view) and "nobody" (the bare wall)."""
    root = tmp_path_factory.mktemp("tryon-replays")
    return {
        "person": write_person_replay(root / "person", person=True),
        "nobody": write_person_replay(root / "nobody", person=False),
    }


@pytest.fixture
def frames() -> LatestFrame:
    """The slot the camera feed fills and the try-on reads."""
    return LatestFrame()


@pytest.fixture
def camera(person_replays: dict[str, Path], frames: LatestFrame) -> Iterator[CameraFeed]:
    """A camera showing the astronaut (switch with `camera.show("nobody")`)."""
    feed = CameraFeed(person_replays, frames, "person")
    yield feed
    feed.close()
