"""Tests reference-photo enrollment through the real hub app: multipart and raw uploads, dedupe,
list, delete, and refusals (a corrupt image, a GTIN not in the catalog) with clear reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from hub_builders import OAT_MILK, T0, catalog_product, change
from hub_tokens import api_headers
from sqlite_utils import Database

from hub.api.app import create_app
from hub.api.routes.index import install_index_api
from hub.config import HubSettings
from hub.db import catalog
from hub.index.photos import ReferencePhotos
from hub.index.service import IndexService
from hub.index.versions import IndexVersions

URL = f"/api/v1/products/{OAT_MILK}/reference-photos"


def photo_jpeg(seed: int = 0, size_px: int = 96) -> bytes:
    """A small real JPEG (random blocks, so different seeds give different photos)."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
    image = cv2.resize(blocks, (size_px, size_px), interpolation=cv2.INTER_NEAREST)
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return encoded.tobytes()


@pytest.fixture
def service(tmp_path: Path) -> IndexService:
    """An index service without builder or publisher (enrollment only)."""
    return IndexService(
        versions=IndexVersions(tmp_path / "index"),
        photos=ReferencePhotos(tmp_path / "photos"),
        builder=None,
        publisher=None,
        clock=lambda: datetime.now(UTC),
    )


@pytest.fixture
def client(
    db_path: Path, store_id: str, hub_db: Database, service: IndexService
) -> Iterator[TestClient]:
    """The real hub app with the index routes, over a catalog holding oat milk."""
    with hub_db.atomic():
        catalog.apply_change(hub_db, change(1, catalog_product(OAT_MILK)), T0)
    app = create_app(HubSettings(store_id=store_id, db_path=db_path), hub_db)
    install_index_api(app, service)
    with TestClient(app, headers=api_headers(hub_db)) as test_client:
        yield test_client


def test_enroll_list_dedupe_delete(client: TestClient, service: IndexService) -> None:
    first = client.post(URL, files={"photo": ("front.jpg", photo_jpeg(1), "image/jpeg")})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True and len(body["photo_id"]) == 64
    again = client.post(URL, files={"photo": ("same.jpg", photo_jpeg(1), "image/jpeg")})
    assert again.status_code == 200 and again.json()["photo_id"] == body["photo_id"]
    raw = client.post(URL, content=photo_jpeg(2), headers={"content-type": "image/jpeg"})
    assert raw.status_code == 201
    listed = client.get(URL).json()
    assert {p["photo_id"] for p in listed} == {body["photo_id"], raw.json()["photo_id"]}
    stored = service.photos.folder / OAT_MILK / f"{body['photo_id']}.jpg"
    assert stored.read_bytes() == photo_jpeg(1)
    assert client.delete(f"{URL}/{body['photo_id']}").status_code == 204
    assert client.delete(f"{URL}/{body['photo_id']}").status_code == 404
    assert [p["photo_id"] for p in client.get(URL).json()] == [raw.json()["photo_id"]]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (photo_jpeg(3)[:200], "corrupt"),  # a JPEG cut short
        (b"\xff\xd8\xff" + bytes(500), "corrupt"),
        (b"GIF89a" + bytes(100), "unknown signature"),
        (b"", "empty"),
        (photo_jpeg(4, size_px=16), "must be >= 32 px"),
    ],
)
def test_unusable_images_are_refused_with_the_reason(
    client: TestClient, service: IndexService, data: bytes, reason: str
) -> None:
    answer = client.post(URL, files={"photo": ("bad.jpg", data, "image/jpeg")})
    assert answer.status_code == 422
    assert answer.json()["code"] == "photo_refused"
    assert reason in answer.json()["message"]
    assert service.photos.photos_of(OAT_MILK) == []


def test_unknown_product_and_wrong_body_are_refused(client: TestClient) -> None:
    unknown = client.post(
        "/api/v1/products/05012345678900/reference-photos",
        files={"photo": ("a.jpg", photo_jpeg(5), "image/jpeg")},
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_gtin"
    text = client.post(URL, content=b"hello", headers={"content-type": "text/plain"})
    assert text.status_code == 422 and "multipart/form-data" in text.json()["message"]
    no_part = client.post(URL, files={"other": ("a.txt", b"x", "text/plain")}, data={"a": "b"})
    assert no_part.status_code == 422
    assert client.post("/api/v1/products/123/reference-photos").status_code == 422
