"""Tests the staff "Try-on photos" page: product photos the asset builder refused (with the
product's name and the reason) and assets kiosks refused, newest first; a note on a hub without
try-on; staff only."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from hub_builders import T0, catalog_product, change
from sqlite_utils import Database
from web_harness import ASSOCIATE, FakeClock, log_in

from contracts.gtin import gs1_check_digit
from contracts.tryon import AssetReport
from hub.api.app import create_app
from hub.api.routes.tryon import install_tryon_api
from hub.config import HubSettings
from hub.db import catalog
from hub.tryon.assets import Refusal
from hub.tryon.library import AssetLibrary
from hub.tryon.photos import GarmentPhotos
from hub.tryon.service import TryOnAssetService

SHIRT = "0400638133393" + str(gs1_check_digit("0400638133393"))


def _tryon_service(tmp_path: Path, db: Database, store_id: str) -> TryOnAssetService:
    """A real asset service whose last build refused one photo (its worker is not started)."""
    library = AssetLibrary(tmp_path / "tryon", store_id=store_id)
    reason = "garment cut off at the photo's edge: take it whole"
    library.publish([], [Refusal(SHIRT, "crew-<navy>", reason)])
    service = TryOnAssetService(db=db, library=library, photos=GarmentPhotos(tmp_path / "photos"))
    for asset, device in (("asset-old", "kiosk-1"), ("asset-new", "kiosk-2")):
        service.report(AssetReport(device=device, version=1, asset_id=asset, reason="bad png"))
    return service


def test_staff_see_refused_photos_and_kiosk_refused_assets(
    tmp_path: Path, settings: HubSettings, staff_db: Database, store_id: str, clock: FakeClock
) -> None:
    with staff_db.atomic():
        catalog.apply_change(staff_db, change(1, catalog_product(SHIRT, name="Crew neck navy")), T0)
    app = create_app(settings, staff_db, clock=clock)
    install_tryon_api(app, _tryon_service(tmp_path, staff_db, store_id))
    with TestClient(app) as client:
        assert client.get("/dashboard/tryon", follow_redirects=False).status_code == 303
        log_in(client, ASSOCIATE)
        answer = client.get("/dashboard/tryon")
    assert answer.status_code == 200
    html = answer.text
    assert 'href="/dashboard/tryon" class="active"' in html  # in the nav, this page current
    assert "catalog <strong>v1</strong> with 0 assets" in html
    photos = html.split('id="refused-photos"')[1].split("</table>")[0]
    assert f'href="/dashboard/stock/{SHIRT}"' in photos and "Crew neck navy" in photos
    assert "crew-&lt;navy&gt;" in photos  # escaped
    assert "garment cut off at the photo&#39;s edge: take it whole" in photos
    assert "/api/v1/products/&lt;gtin&gt;/tryon-photo" in html
    assets = html.split('id="refused-assets"')[1].split("</table>")[0]
    assert assets.index("asset-new") < assets.index("asset-old")  # newest first
    assert 'href="/dashboard/devices/kiosk-2"' in assets and "bad png" in assets


def test_a_hub_without_tryon_says_so(client: TestClient) -> None:
    log_in(client)
    answer = client.get("/dashboard/tryon")
    assert answer.status_code == 200
    assert 'id="tryon-off"' in answer.text and 'id="refused-photos"' not in answer.text
