"""Tests the hub side of try-on shipping: assets built on catalog change, versioned catalog,
files served with sha256 and HTTP Range, refused photos reported to staff, not shipped."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tryon_shipping import (
    GREY_SIZES,
    GREY_STYLE,
    NAVY_SIZES,
    NAVY_STYLE,
    ShippingHub,
    add_products,
    blank_photo,
    grey_products,
    shipping_hub,
)

from contracts.tryon import parse_tryon_asset, parse_tryon_catalog


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[ShippingHub]:
    """The hub with the navy t-shirt built."""
    yield from shipping_hub(tmp_path)


def test_first_build_ships_one_asset_with_its_sizes_and_digests(hub: ShippingHub) -> None:
    with hub.client() as client:
        catalog = parse_tryon_catalog(client.get("/api/v1/tryon/catalog").content)
        assert catalog.version == 1 and len(catalog.assets) == 1
        shipped = catalog.assets[0]
        assert shipped.product_id == NAVY_SIZES["S"] and shipped.colour == "navy"
        assert shipped.label == "Urban Thread Crew neck t-shirt navy"
        assert [(v.size, v.gtin) for v in shipped.variants] == list(NAVY_SIZES.items())
        for wanted in (shipped.meta, shipped.image):
            body = client.get(f"/api/v1/tryon/files/{wanted.name}").content
            assert len(body) == wanted.size_bytes
            assert hashlib.sha256(body).hexdigest() == wanted.sha256
        meta = parse_tryon_asset(client.get(f"/api/v1/tryon/files/{shipped.meta.name}").content)
        assert meta.kind == "top" and meta.image_sha256 == shipped.image.sha256


def test_files_resume_with_http_range(hub: ShippingHub) -> None:
    with hub.client() as client:
        image = parse_tryon_catalog(client.get("/api/v1/tryon/catalog").content).assets[0].image
        url = f"/api/v1/tryon/files/{image.name}"
        whole = client.get(url).content
        rest = client.get(url, headers={"Range": "bytes=1000-"})
        assert rest.status_code == 206
        assert whole[:1000] + rest.content == whole
        assert client.get("/api/v1/tryon/files/nothing-here.png").status_code == 404
        assert client.get("/api/v1/tryon/files/..%2Fcatalog.json").status_code in (404, 422)


def test_an_unchanged_catalog_keeps_its_version(hub: ShippingHub) -> None:
    before = hub.service.library.current()
    hub.build_now()
    outcome = hub.service.last_build()
    assert outcome is not None and (outcome.version, outcome.built, outcome.reused) == (1, 0, 1)
    assert hub.service.library.current() == before


def test_products_added_later_get_built_and_a_photo_without_garment_is_reported(
    hub: ShippingHub,
) -> None:
    builds = hub.service.builds
    add_products(hub.db, grey_products(), first_cursor=10)  # a catalog change, seen by polling
    assert hub.service.wait_builds(builds + 1, 60.0)
    assert hub.service.last_build().without_photo == 1  # type: ignore[union-attr]
    with hub.client(role="service") as client:
        answer = client.put(
            f"/api/v1/products/{GREY_SIZES['M']}/tryon-photo",
            content=blank_photo(),
            headers={"Content-Type": "image/jpeg"},
        )
        assert answer.status_code == 202 and answer.json() == {"style": GREY_STYLE, "changed": True}
        assert hub.service.wait_builds(builds + 2, 60.0)
        refusals = client.get("/api/v1/tryon/refusals").json()
        catalog = parse_tryon_catalog(client.get("/api/v1/tryon/catalog").content)
    assert [(p["gtin"], p["style"]) for p in refusals["photos"]] == [(GREY_SIZES["S"], GREY_STYLE)]
    assert "no garment" in refusals["photos"][0]["reason"]
    assert [a.product_id for a in catalog.assets] == [NAVY_SIZES["S"]]  # not shipped


@pytest.mark.parametrize(
    ("code", "status"),
    [("04059183000318", 422), ("12345678901234", 422)],  # not a garment / not in the catalog
)
def test_photo_upload_for_a_product_that_is_not_a_garment_is_refused(
    hub: ShippingHub, code: str, status: int
) -> None:
    with hub.client(role="service") as client:
        answer = client.put(
            f"/api/v1/products/{code}/tryon-photo",
            content=blank_photo(),
            headers={"Content-Type": "image/jpeg"},
        )
    assert answer.status_code == status


def test_a_kiosk_report_of_a_refused_asset_is_visible_to_staff(hub: ShippingHub) -> None:
    report = {"device": "kiosk-9", "version": 1, "asset_id": "x-navy-v1", "reason": "sha256"}
    with hub.client() as client:
        assert client.post("/api/v1/tryon/reports", json=report).status_code == 202
        assert client.get("/api/v1/tryon/refusals").json()["device_reports"] == [report]


def test_a_rebuilt_photo_bumps_the_asset_and_catalog_version(hub: ShippingHub) -> None:
    other = Path(__file__).resolve().parents[3] / "hub/data/tryon_photos"
    hub.service.photos.put(NAVY_STYLE, (other / "coastline-zip-hoodie-grey.jpg").read_bytes())
    hub.build_now()
    catalog = hub.service.library.current()
    assert catalog is not None and catalog.version == 2
    assert catalog.assets[0].asset_id.endswith("-v2")


def test_the_routes_need_a_token_and_photos_need_staff_or_service(hub: ShippingHub) -> None:
    with TestClient(hub.app) as anonymous:
        assert anonymous.get("/api/v1/tryon/catalog").status_code == 401
    with hub.client() as kiosk:
        answer = kiosk.put(
            f"/api/v1/products/{NAVY_SIZES['M']}/tryon-photo",
            content=blank_photo(),
            headers={"Content-Type": "image/jpeg"},
        )
        assert answer.status_code == 403
