"""Tests index builds: catalog images from the real central app plus enrolled photos, through the
real edge indexer child process and the committed embedding model, into a new version; the
enrollment tool; failures reported, never a half-installed version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hub_builders import T0, catalog_product, change
from hub_harness import ServedApp
from hub_tokens import api_headers, api_token
from sqlite_utils import Database
from test_index_photos_api import photo_jpeg

from central.seed import DEMO_CATALOG_PATH, read_seed
from edge.index.file import read_index_file
from edge.search_config import DEFAULT_EMBEDDER
from hub.api.app import create_app
from hub.api.routes.index import install_index_api
from hub.config import HubSettings
from hub.db import catalog, stock
from hub.db.stock import Movement
from hub.index.builder import BuildConfig, IndexBuilder, IndexBuildFailed
from hub.index.photos import ReferencePhotos
from hub.index.service import IndexService
from hub.index.versions import IndexVersions
from tools import enroll_photos

BUILD_WAIT_S = 120.0


def _seed(db: Database, count: int) -> list[str]:
    products = read_seed(DEMO_CATALOG_PATH).products[:count]
    with db.atomic():
        for cursor, product in enumerate(products, start=1):
            catalog.apply_change(db, change(cursor, catalog_product(product.gtin)), T0)
        stock.record_movement(db, Movement(products[0].gtin, "receipt", 3, "seed:idx"), T0)
    return [p.gtin for p in products]


def _builder(tmp_path: Path, db: Database, store: str, central_url: str, **kw: str) -> IndexBuilder:
    return IndexBuilder(
        BuildConfig(store_id=store, central_url=central_url, **kw),  # type: ignore[arg-type]
        db=db,
        versions=IndexVersions(tmp_path / "index"),
        photos=ReferencePhotos(tmp_path / "photos"),
        clock=lambda: datetime.now(UTC),
    )


def test_build_from_central_images_and_enrolled_photos(
    tmp_path: Path, hub_db: Database, store_id: str, central: ServedApp, db_path: Path
) -> None:
    gtins = _seed(hub_db, 4)
    builder = _builder(tmp_path, hub_db, store_id, central.base_url)
    photos = ReferencePhotos(tmp_path / "photos")
    service = IndexService(
        versions=IndexVersions(tmp_path / "index"),
        photos=photos,
        builder=builder,
        publisher=None,
        clock=lambda: datetime.now(UTC),
    )
    app = create_app(HubSettings(store_id=store_id, db_path=db_path), hub_db)
    install_index_api(app, service)
    served = ServedApp(app)
    try:
        folder = tmp_path / "to-enroll" / gtins[1]
        folder.mkdir(parents=True)
        for seed in (1, 2):
            (folder / f"shot{seed}.jpg").write_bytes(photo_jpeg(seed))
        (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff" + bytes(64))
        token_file = tmp_path / "service.token"
        token_file.write_text(api_token(hub_db, device="enroll-tool", role="service"))
        folder_arg, token_arg = str(tmp_path / "to-enroll"), str(token_file)
        code = enroll_photos.main(
            [folder_arg, "--hub", served.base_url, "--build", "--token-file", token_arg]
        )
        assert code == 1  # the broken photo was refused; the two good ones enrolled
        assert len(photos.photos_of(gtins[1])) == 2
        assert service.wait_idle(BUILD_WAIT_S)
        with TestClient(app, headers=api_headers(hub_db)) as client:
            body = client.get("/api/v1/index").json()
    finally:
        served.stop()
    assert body["build"]["last_error"] is None, body["build"]
    assert body["build"]["catalog_images"] == 4 and body["build"]["reference_photos"] == 2
    assert (body["build"]["texts"], body["build"]["texts_embedded"]) == (4, 4)
    current = body["current"]
    assert current["count"] == 6 and current["products"] == 4
    assert current["model_name"] == DEFAULT_EMBEDDER
    data = read_index_file(tmp_path / "index" / "versions" / current["version"] / "index.npz")
    assert data.index.product_ids == tuple(sorted(gtins))
    assert data.index.in_stock[data.index.product_ids.index(gtins[0])]
    assert data.meta.images == 6


def test_failed_builds_are_reported_and_install_nothing(
    tmp_path: Path, hub_db: Database, store_id: str
) -> None:
    _seed(hub_db, 2)
    unreachable = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(IndexBuildFailed, match="no product has a catalog image"):
        _builder(tmp_path, hub_db, store_id, unreachable).build()
    builder = _builder(tmp_path, hub_db, store_id, unreachable, model_name="no_such_model")
    photos = ReferencePhotos(tmp_path / "photos")
    photos.add(_seed_gtin(hub_db), photo_jpeg(7))
    with pytest.raises(IndexBuildFailed, match=r"exited with 3.*no_such_model"):
        builder.build()
    assert IndexVersions(tmp_path / "index").current() is None


def _seed_gtin(db: Database) -> str:
    return str(db.execute("SELECT gtin FROM products ORDER BY gtin LIMIT 1").fetchone()[0])


def test_enroll_tool_refuses_a_folder_that_is_no_gtin(tmp_path: Path) -> None:
    (tmp_path / "not-a-gtin").mkdir()
    assert enroll_photos.main([str(tmp_path), "--hub", "http://127.0.0.1:9"]) == 2
