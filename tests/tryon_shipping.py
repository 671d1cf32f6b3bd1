"""Provides the try-on shipping harness: a real hub (database, asset job, FastAPI app) with a
small garment catalog, and the photos to build from (importable from any test).

The catalog holds a navy t-shirt in S/M/L (three sibling GTINs of one style, with the committed
demo photo), a grey tee in S/M whose photo shows no garment (`blank_photo`), and one grocery item.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hub_tokens import api_headers
from sqlite_utils import Database

from contracts.catalog import CatalogProduct, Change
from contracts.gtin import gs1_check_digit
from hub.api.app import create_app
from hub.api.routes.tryon import install_tryon_api
from hub.config import HubSettings
from hub.db import catalog
from hub.db.connection import open_database, write_transaction
from hub.tryon.library import AssetLibrary
from hub.tryon.photos import GarmentPhotos
from hub.tryon.service import TryOnAssetService

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_PHOTOS = REPO_ROOT / "hub" / "data" / "tryon_photos"
STORE = "shipstore"
KIOSK = "kiosk-ship"
NAVY_STYLE = "urban-thread-crew-neck-t-shirt-navy"
GREY_STYLE = "urban-thread-plain-tee-grey"
AS_OF = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
BUILD_WAIT_S = 60.0


def gtin(item: int) -> str:
    """A valid GTIN-14 in the test's company prefix."""
    body = f"405918300{item:04d}"
    return (body + str(gs1_check_digit(body))).zfill(14)


NAVY_SIZES = {"S": gtin(11), "M": gtin(12), "L": gtin(13)}
GREY_SIZES = {"S": gtin(21), "M": gtin(22)}
GROCERY = gtin(31)


def _garment(code: str, name: str, size: str, style: str) -> CatalogProduct:
    return CatalogProduct(
        gtin=code,
        name=f"{name} {size}",
        brand="Urban Thread",
        category="apparel",
        subcategory="t-shirts",
        currency="EUR",
        price_cents=1759,
        attributes={"size": size, "style": style, "material": "cotton"},
        version=1,
        updated_at=AS_OF,
    )


def add_products(db: Database, products: list[CatalogProduct], first_cursor: int = 1) -> None:
    """Applies `products` as change-feed entries (as catalog sync does)."""
    changes = [
        Change(cursor=first_cursor + i, kind="product", gtin=p.gtin, at=AS_OF, product=p)
        for i, p in enumerate(products)
    ]
    with write_transaction(db):
        catalog.apply_changes(db, changes, AS_OF)


def navy_products() -> list[CatalogProduct]:
    """The navy t-shirt in S, M and L."""
    return [
        _garment(code, "Crew neck t-shirt navy", size, NAVY_STYLE)
        for size, code in NAVY_SIZES.items()
    ]


def grey_products() -> list[CatalogProduct]:
    """The grey tee in S and M (its photo shows no garment)."""
    return [_garment(code, "Plain tee grey", size, GREY_STYLE) for size, code in GREY_SIZES.items()]


def blank_photo() -> bytes:
    """A JPEG of an empty grey wall: no garment in it."""
    ok, encoded = cv2.imencode(".jpg", np.full((360, 360, 3), 190, np.uint8))
    assert ok
    return encoded.tobytes()


@dataclass
class ShippingHub:
    """A hub with the try-on asset job running and its app."""

    db: Database
    service: TryOnAssetService
    app: FastAPI
    folder: Path

    def client(self, role: str = "kiosk") -> TestClient:
        """An HTTP client on the hub app with a token of `role` (a kiosk's by default)."""
        return TestClient(self.app, headers=api_headers(self.db, device=KIOSK, role=role))

    def build_now(self) -> None:
        """Asks for a build and waits until it is done."""
        done = self.service.builds
        self.service.request_build()
        assert self.service.wait_builds(done + 1, BUILD_WAIT_S), "try-on build did not finish"


def shipping_hub(tmp_path: Path, *, poll_interval_s: float = 0.2) -> Iterator[ShippingHub]:
    """The hub over the navy t-shirt catalog with its demo photo; the job is started."""
    db_path = tmp_path / "hub.db"
    db = open_database(db_path)
    add_products(db, navy_products())
    folder = tmp_path / "hub-tryon"
    photos = GarmentPhotos(folder / "photos")
    photos.put(NAVY_STYLE, (DEMO_PHOTOS / f"{NAVY_STYLE}.jpg").read_bytes())
    service = TryOnAssetService(
        db=open_database(db_path, run_migrations=False),
        library=AssetLibrary(folder / "assets", store_id=STORE),
        photos=photos,
        poll_interval_s=poll_interval_s,
    )
    settings = HubSettings(store_id=STORE, db_path=db_path, central_url="http://127.0.0.1:9")
    app = create_app(settings, open_database(db_path, run_migrations=False))
    install_tryon_api(app, service)
    service.start()
    assert service.wait_builds(1, BUILD_WAIT_S), "first try-on build did not finish"
    try:
        yield ShippingHub(db, service, app, folder)
    finally:
        service.stop()
        db.close()
