"""Provides the search test harness: a small catalog in a real hub, a real index, camera scenes.

Products: three car seats (for babies, for 4-12 year olds, and a dearer one), oat drink, and the
committed try-on fixture's t-shirt and cap, whose cut-outs on white are their catalog images and,
placed on a wall, what the kiosk camera sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
from hub_tokens import api_token
from sqlite_utils import Database

from aisle.kiosk_search import CatalogText, ProductText, product_texts
from contracts.catalog import CatalogProduct, Change
from hub.api.app import create_app
from hub.config import HubSettings
from hub.db import catalog, stock
from hub.db.connection import open_database
from hub.db.stock import Movement
from kiosk.hub_client import HubClient

STORE = "search-test-store"
AS_OF = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
KIDS_SEAT, BABY_SEAT, PREMIUM_SEAT = "04000000000013", "04000000000020", "04000000000037"
OAT_DRINK, TSHIRT, CAP = "04000000000044", "04000000000051", "04000000000068"
PRODUCTS: dict[str, dict[str, Any]] = {
    KIDS_SEAT: {
        "name": "Kids car seat group 2/3",
        "category": "kids",
        "subcategory": "car seats",
        "description": "High-back booster car seat for children from 4 to 12 years.",
        "price_cents": 14999,
        "age_min_months": 48,
        "age_max_months": 144,
    },
    BABY_SEAT: {
        "name": "Infant car seat 0+",
        "category": "kids",
        "subcategory": "car seats",
        "description": "Rear-facing baby car seat from birth to 15 months.",
        "price_cents": 17999,
        "age_min_months": 0,
        "age_max_months": 15,
    },
    PREMIUM_SEAT: {
        "name": "Premium kids car seat isofix",
        "category": "kids",
        "subcategory": "car seats",
        "description": "Isofix car seat for children from 4 to 12 years, side impact protection.",
        "price_cents": 29999,
        "age_min_months": 48,
        "age_max_months": 144,
    },
    OAT_DRINK: {"name": "Oat drink 1 l", "category": "grocery", "price_cents": 249},
    TSHIRT: {"name": "Navy t-shirt", "category": "apparel", "price_cents": 1299},
    CAP: {"name": "Baseball cap", "category": "apparel", "price_cents": 999},
}
ON_HAND = {KIDS_SEAT: 3, BABY_SEAT: 2, PREMIUM_SEAT: 1, OAT_DRINK: 14, TSHIRT: 5}  # no caps


def catalog_products() -> list[CatalogProduct]:
    """The test catalog as central would send it."""
    return [
        CatalogProduct.model_validate(
            {
                "gtin": gtin,
                "brand": "Northfield",
                "currency": "EUR",
                "online_price_cents": fields["price_cents"],
                "online_stock": [
                    {"warehouse": "w1", "name": "North DC", "quantity": 7, "delivery_days": 2}
                ],
                "version": 1,
                "updated_at": AS_OF,
                **fields,
            }
        )
        for gtin, fields in PRODUCTS.items()
    ]


def search_texts() -> list[ProductText]:
    """What the kiosk's text search knows of the test catalog."""
    return product_texts(
        [CatalogText.model_validate(product.model_dump()) for product in catalog_products()]
    )


@dataclass
class CatalogHub:
    """The real hub app over the seeded test catalog, reached in process."""

    db: Database
    settings: HubSettings

    def client(self) -> HubClient:
        """A kiosk hub client on the app (httpx ASGI transport)."""
        transport = httpx.ASGITransport(app=create_app(self.settings, self.db))
        token = api_token(self.db, device="kiosk-t1", role="kiosk")
        return HubClient(
            "http://hub.test", timeout_s=5.0, device_id="kiosk-t1", token=token, transport=transport
        )


def seeded_catalog_hub(tmp_path: Path) -> Iterator[CatalogHub]:
    """A hub database holding the test catalog and its store stock."""
    db_path = tmp_path / "hub.db"
    db = open_database(db_path)
    with db.atomic():
        for cursor, product in enumerate(catalog_products(), start=1):
            change = Change(
                cursor=cursor, kind="product", gtin=product.gtin, at=AS_OF, product=product
            )
            catalog.apply_change(db, change, AS_OF)
        for gtin, quantity in ON_HAND.items():
            stock.record_movement(db, Movement(gtin, "receipt", quantity, "seed:search"), AS_OF)
    settings = HubSettings(store_id=STORE, db_path=db_path, central_url="http://127.0.0.1:9")
    yield CatalogHub(db, settings)
    db.close()


def garment_on(
    background: np.ndarray, asset_png: Path, *, scale: float, at_xy: tuple[int, int]
) -> np.ndarray:
    """`background` (BGR) with the asset's cut-out pasted at `at_xy`, `scale` times its size."""
    bgra = cv2.imread(str(asset_png), cv2.IMREAD_UNCHANGED)
    assert bgra is not None and bgra.shape[2] == 4, asset_png
    size = (round(bgra.shape[1] * scale), round(bgra.shape[0] * scale))
    bgra = cv2.resize(bgra, size, interpolation=cv2.INTER_AREA)
    out = background.copy()
    x, y = at_xy
    h, w = bgra.shape[:2]
    alpha = bgra[:, :, 3:4].astype(np.float32) / 255
    region = out[y : y + h, x : x + w].astype(np.float32)
    out[y : y + h, x : x + w] = (alpha * bgra[:, :, :3] + (1 - alpha) * region).astype(np.uint8)
    return out


def catalog_image(asset_png: Path) -> np.ndarray:
    """A product photo: the cut-out centred on white."""
    white = np.full((400, 400, 3), 255, np.uint8)
    return garment_on(white, asset_png, scale=1.0, at_xy=(30, 50))
