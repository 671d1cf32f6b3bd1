"""Provides kiosk fixtures: builders of cards, scans and envelopes, and a real hub to ask."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from kiosk_builders import (
    HUB_STORE,
    SeededHub,
    ServedHub,
    build_card,
    build_envelope,
    build_scan,
    seed_hub_catalog,
)

from contracts.cards import ProductCard
from contracts.envelope import Envelope
from contracts.payloads import ScanPayload
from hub.api.app import create_app as create_hub_app
from hub.config import HubSettings
from hub.db.connection import open_database


@pytest.fixture
def make_card() -> Callable[..., ProductCard]:
    """The `build_card` builder."""
    return build_card


@pytest.fixture
def make_scan() -> Callable[..., ScanPayload]:
    """The `build_scan` builder."""
    return build_scan


@pytest.fixture
def make_envelope() -> Callable[..., Envelope]:
    """The `build_envelope` builder."""
    return build_envelope


@pytest.fixture
def seeded_hub(tmp_path: Path) -> Iterator[SeededHub]:
    """The real hub app (`hub.api.app.create_app`) over a seeded SQLite catalog; central is
    never contacted, so its cards say central is unreachable until `mark_central_reachable`."""
    db_path = tmp_path / "hub.db"
    db = open_database(db_path)
    seed_hub_catalog(db)
    settings = HubSettings(store_id=HUB_STORE, db_path=db_path, central_url="http://127.0.0.1:9")
    yield SeededHub(create_hub_app(settings, db), db)
    db.close()


@pytest.fixture
def serve_hub() -> Iterator[Callable[[FastAPI, int], ServedHub]]:
    """Starts apps under uvicorn on chosen ports; stops them all at the end of the test."""
    served: list[ServedHub] = []

    def start(app: FastAPI, port: int) -> ServedHub:
        hub = ServedHub(app, port)
        served.append(hub)
        return hub

    yield start
    for hub in served:
        hub.stop()
