"""Provides the photo-search test harness: the fixture's index built with the real models and
installed where an edge agent loads it, device configs with a `[search]` section, and a hub
(ingest + glasses answerer) seeded with the fixture's products.

The index is built exactly as the hub's indexer builds one (`edge.index.build.build_index_file`
with the committed INT8 embedder): packshots from `tools/make_search_fixture.py` as catalog
images and their staff photos as reference photos.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from aisle.broker import BrokerEndpoint
from contracts.catalog import CatalogProduct, Change
from contracts.ids import new_ulid
from edge.config import DeviceConfig
from edge.index.build import BuildSummary, build_index_file, read_image_list
from edge.index.transfer import CURRENT_FILE, installed_path
from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import load_model
from edge.search_config import DEFAULT_EMBEDDER
from hub.answers.answerer import GlassesAnswerer
from hub.answers.publisher import AnswerPublisher
from hub.config import BrokerAddress
from hub.db import catalog, stock
from hub.db.connection import open_database, write_transaction
from hub.db.stock import Movement
from hub.index.versions import BuiltIndex, describe_file
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor
from tools.make_search_fixture import pick_products, write_catalog

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "replays" / "photo_search_shelf"
MODELS = REPO / "models" / "manifest.json"
DEMO_CATALOG = REPO / "central" / "data" / "demo_catalog.json"
PASSWORD_ENV = "AISLE_TEST_MQTT_PASSWORD"
WAIT_S = 20.0
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def expected() -> dict[str, Any]:
    """The fixture's expected.json."""
    data: dict[str, Any] = json.loads((FIXTURE / "expected.json").read_text())
    return data


@dataclass(frozen=True, slots=True)
class BuiltFixtureIndex:
    """The fixture's index file and what the indexer reported."""

    path: Path
    summary: BuildSummary


def build_fixture_index(work: Path) -> BuiltFixtureIndex:
    """Renders the fixture's catalog and staff photos and builds its index with the real model."""
    gtins = expected()["index_gtins"]
    products = pick_products(len(gtins))
    assert [p.gtin for p in products] == gtins, "the fixture was made from another catalog"
    folder = write_catalog(work / "catalog", products)
    embedder = ImageEmbedder(load_model(MODELS, DEFAULT_EMBEDDER))
    out = work / "index.npz"
    summary = build_index_file(
        read_image_list(folder),
        out,
        embed=embedder.embed,
        model=(embedder.model.name, embedder.model.entry.sha256),
    )
    return BuiltFixtureIndex(out, summary)


def install_index(built: BuiltFixtureIndex, folder: Path, *, store: str) -> str:
    """Installs the index in a device's index folder as the hub's transfer would; its version."""
    summary = built.summary
    version = new_ulid(int(time.time() * 1000))
    manifest = describe_file(
        built.path,
        BuiltIndex(
            model_name=summary.model_name,
            model_sha256=summary.model_sha256,
            dims=summary.dims,
            dtype="int8",
            count=summary.count,
            products=summary.products,
            file_format=summary.file_format,
        ),
        store=store,
        version=version,
        built_at=datetime.now(UTC),
    )
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built.path, installed_path(folder, version))
    (folder / CURRENT_FILE).write_bytes(manifest.to_json_bytes())
    return version


def device_config(
    endpoint: BrokerEndpoint,
    tmp_path: Path,
    *,
    store: str,
    device: str,
    profile: str,
    replay: Path = FIXTURE,
    **source: Any,
) -> DeviceConfig:
    """A device config on `endpoint` with `[index]` and `[search]` sections."""
    data = {
        "store_id": store,
        "device_id": device,
        "profile": profile,
        "broker": {
            "url": f"mqtt://{endpoint.host}:{endpoint.port}",
            "username": endpoint.username,
            "password_env": PASSWORD_ENV,
            "reconnect_min_s": 0.2,
            "reconnect_max_s": 1.0,
            "keepalive_s": 5,
        },
        "source": {"kind": "replay", "path": str(replay), "fps": 15, **source},
        "outbox": {"path": str(tmp_path / f"{device}-outbox.sqlite"), "budget_mb": 5},
        "state_interval_s": 0.5,
        "index": {"folder": str(tmp_path / f"{device}-index")},
        "search": {"models_manifest": str(MODELS)},
    }
    return DeviceConfig.model_validate(data)


def _product(row: dict[str, Any]) -> CatalogProduct:
    fields = {key: row[key] for key in ("gtin", "name", "brand", "category", "currency")}
    return CatalogProduct.model_validate(
        fields
        | {
            "price_cents": row["price_cents"],
            "online_price_cents": row.get("online_price_cents"),
            "version": 1,
            "updated_at": T0,
        }
    )


def seed_hub(db_path: Path, *, on_hand: dict[str, int]) -> dict[str, CatalogProduct]:
    """Loads every demo product into the hub's catalog and books `on_hand` units per GTIN."""
    rows = json.loads(DEMO_CATALOG.read_text())["products"]
    products = {row["gtin"]: _product(row) for row in rows}
    db = open_database(db_path)
    try:
        with write_transaction(db):
            for cursor, product in enumerate(products.values(), start=1):
                change = Change(
                    cursor=cursor, kind="product", gtin=product.gtin, at=T0, product=product
                )
                catalog.apply_change(db, change, T0)
            for gtin, units in on_hand.items():
                if units > 0:
                    stock.record_movement(db, Movement(gtin, "receipt", units, "seed:test"), T0)
    finally:
        db.close()
    return products


@dataclass
class SearchHub:
    """The hub's ingest and glasses answerer, wired as the hub process wires them."""

    processor: EventProcessor
    ingest: MqttIngest
    answerer: GlassesAnswerer
    publisher: AnswerPublisher

    def wait_applied(self, event_type: str, count: int) -> None:
        """Waits until ingest applied `count` events of `event_type`."""
        deadline = time.monotonic() + WAIT_S
        while self.processor.counters.by_type.get(event_type, 0) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"{count} {event_type} events not applied within {WAIT_S} s")
            time.sleep(0.02)


def run_hub(endpoint: BrokerEndpoint, db_path: Path, store: str) -> Iterator[SearchHub]:
    """Starts ingest, answerer and answer publisher for `store`; stops them afterwards."""
    address = BrokerAddress(
        endpoint.host, endpoint.port, False, endpoint.username, endpoint.password
    )
    publisher = AnswerPublisher(address, store_id=store)
    publisher.start()
    assert publisher.wait_connected(WAIT_S)
    answerer = GlassesAnswerer(open_database(db_path), publish=publisher.publish)
    answerer.start()
    processor = EventProcessor(
        open_database(db_path),
        store_id=store,
        clock=lambda: datetime.now(UTC),
        on_committed=answerer.on_committed,
    )
    ingest = MqttIngest(address, store_id=store, processor=processor)
    ingest.start()
    assert ingest.wait_subscribed(WAIT_S)
    try:
        yield SearchHub(processor, ingest, answerer, publisher)
    finally:
        ingest.stop()
        answerer.stop(WAIT_S)
        publisher.stop()
