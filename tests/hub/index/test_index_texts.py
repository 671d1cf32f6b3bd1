"""Tests the text part of hub index builds: every catalog product's text (also those without an
image) embedded by the real indexer child process into the version's file, only changed texts
re-embedded on the next build, and a kiosk text search running on the shipped rows alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from hub_builders import T0, catalog_product, change
from hub_harness import ServedApp
from sqlite_utils import Database

from aisle.kiosk_search import EdgeTextSearch
from central.seed import DEMO_CATALOG_PATH, read_seed
from edge.index.file import read_index_file
from edge.index.text_rows import TextRows
from edge.inference.runtime import load_model
from edge.inference.text_embedder import TextEmbedder
from hub.db import catalog
from hub.db.index_texts import index_texts
from hub.index.builder import BuildConfig, BuildReport, IndexBuilder
from hub.index.photos import ReferencePhotos
from hub.index.versions import IndexVersions
from kiosk.ports import TextQuery

REPO = Path(__file__).resolve().parents[3]
SEAT = "04000000000990"


def _seed(db: Database) -> list[str]:
    products = read_seed(DEMO_CATALOG_PATH).products[:3]
    seat = catalog_product(
        SEAT,
        name="Kids car seat group 2/3",
        category="baby",
        description="Booster seat with isofix for children",
        price_cents=14999,
        age_min_months=48,
        age_max_months=144,
        image_url=None,
    )
    with db.atomic():
        for cursor, product in enumerate(products, start=1):
            catalog.apply_change(db, change(cursor, catalog_product(product.gtin)), T0)
        catalog.apply_change(db, change(10, seat), T0)
    return [p.gtin for p in products]


def _build(tmp_path: Path, db: Database, store_id: str, central_url: str) -> BuildReport:
    builder = IndexBuilder(
        BuildConfig(store_id=store_id, central_url=central_url),
        db=db,
        versions=IndexVersions(tmp_path / "index"),
        photos=ReferencePhotos(tmp_path / "photos"),
        clock=lambda: datetime.now(UTC),
    )
    return builder.build()


def _texts(tmp_path: Path, report: BuildReport) -> TextRows:
    version = report.manifest.version
    texts = read_index_file(tmp_path / "index" / "versions" / version / "index.npz").texts
    assert texts is not None
    return texts


def test_builds_ship_every_products_text_and_re_embed_only_changed_ones(
    tmp_path: Path, hub_db: Database, store_id: str, central: ServedApp
) -> None:
    gtins = _seed(hub_db)
    first = _build(tmp_path, hub_db, store_id, central.base_url)
    assert (first.products, first.catalog_images, first.texts, first.texts_embedded) == (4, 3, 4, 4)
    rows = _texts(tmp_path, first)
    assert rows.index.product_ids == tuple(sorted([*gtins, SEAT]))  # the seat has no image
    seat = rows.index.product_ids.index(SEAT)
    assert (rows.price_cents[seat], rows.age_min_months[seat]) == (14999, 48)
    renamed = catalog_product(gtins[0], description="Now with a new recipe", version=2)
    catalog.apply_change(hub_db, change(11, renamed), T0)
    second = _build(tmp_path, hub_db, store_id, central.base_url)
    assert (second.texts, second.texts_embedded) == (4, 1)
    again = _texts(tmp_path, second)
    changed = again.index.product_ids.index(gtins[0])
    same = [row for row in range(4) if row != changed]
    assert np.array_equal(again.index.codes[same], rows.index.codes[same])
    assert not np.array_equal(again.index.codes[changed], rows.index.codes[changed])


def test_a_kiosk_searches_the_shipped_rows_without_embedding_products(
    tmp_path: Path, hub_db: Database, store_id: str, central: ServedApp
) -> None:
    _seed(hub_db)
    rows = _texts(tmp_path, _build(tmp_path, hub_db, store_id, central.base_url))
    embedder = TextEmbedder.from_model(
        load_model(REPO / "models" / "manifest.json", "all_minilm_l6_v2_int8")
    )
    search = EdgeTextSearch(embedder, lambda: rows)
    found = search.search(TextQuery(text="kids car seat", max_price_cents=20000, age_months=72))
    assert not found.abstained and found.hits[0].gtin == SEAT
    too_young = search.search(TextQuery(text="kids car seat", age_months=12))
    assert SEAT not in [hit.gtin for hit in too_young.hits]


def test_product_texts_read_every_field(hub_db: Database) -> None:
    _seed(hub_db)
    seat = next(t for t in index_texts(hub_db) if t.gtin == SEAT)
    assert seat.text == (
        "Kids car seat group 2/3. Northfield. baby, . Booster seat with isofix for children"
    )
    assert (seat.age_min_months, seat.age_max_months, seat.in_stock) == (48, 144, False)
