"""Tests kiosk text search on text rows shipped in the index: the same answers as rows embedded
on the kiosk, "waiting" before an index arrives, and rows of another text model refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from search_harness import BABY_SEAT, KIDS_SEAT, PREMIUM_SEAT, search_texts

from aisle.frame_tap import LatestFrame
from aisle.kiosk_features import FeatureSources, build_features
from aisle.kiosk_search import EdgeTextSearch, local_text_rows
from edge.index.text_rows import TextList, TextRows, TextVectorCache, embed_text_rows
from edge.inference.runtime import load_model
from edge.inference.text_embedder import TextEmbedder
from kiosk.ports import FeatureUnavailable, TextQuery
from kiosk.text_query import parse_query

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "models" / "manifest.json"
CATALOG = REPO / "central" / "data" / "demo_catalog.json"


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    """The committed INT8 MiniLM."""
    return TextEmbedder.from_model(load_model(MANIFEST, "all_minilm_l6_v2_int8"))


@pytest.mark.parametrize(
    ("request_text", "first", "absent"),
    [
        ("kids car seat for a 6 year old under 200", KIDS_SEAT, {BABY_SEAT, PREMIUM_SEAT}),
        ("car seat for a 9 month old", BABY_SEAT, {KIDS_SEAT, PREMIUM_SEAT}),
        ("car seat over 180", PREMIUM_SEAT, {KIDS_SEAT, BABY_SEAT}),
    ],
)
def test_shipped_int8_rows_answer_like_rows_embedded_here(
    embedder: TextEmbedder, request_text: str, first: str, absent: set[str]
) -> None:
    local = local_text_rows(embedder, search_texts())
    listing = TextList.model_validate(
        {
            "products": [
                {"gtin": gtin, "text": text, "price_cents": int(price), **ages}
                for gtin, text, price, ages in _entries()
            ]
        }
    )
    model = (embedder.model.name, embedder.model.entry.sha256)
    shipped = embed_text_rows(
        listing, embed=embedder.embed, model=model, cache=TextVectorCache(None)
    )
    query = parse_query(request_text)
    searches = [
        EdgeTextSearch(embedder, _fixed(local)),
        EdgeTextSearch(embedder, _fixed(shipped)),  # int8 rows scanned as a float32 copy
        EdgeTextSearch(embedder, _fixed(shipped), float32_budget_mb=0),  # scanned as int8
    ]
    answers = [search.search(query) for search in searches]
    assert [a.hits[0].gtin for a in answers] == [first, first, first]
    assert [h.gtin for h in answers[1].hits] == [h.gtin for h in answers[2].hits]
    assert not absent & {hit.gtin for a in answers for hit in a.hits}


def _fixed(rows: TextRows) -> Callable[[], TextRows]:
    return lambda: rows


def _entries() -> list[tuple[str, str, int, dict[str, int]]]:
    out = []
    for p in search_texts():
        ages = {}
        if p.age_months is not None:
            low, high = p.age_months
            ages = {
                k: v
                for k, v in (("age_min_months", low), ("age_max_months", high))
                if v is not None
            }
        out.append((p.gtin, p.text, p.price_cents, ages))
    return out


def test_text_search_waits_for_the_index_and_refuses_another_models_rows(
    embedder: TextEmbedder,
) -> None:
    shipped: list[TextRows | None] = [None]
    sources = FeatureSources(
        manifest=MANIFEST,
        tryon_assets=None,
        catalog_texts=CATALOG,
        text_rows=lambda: shipped[0],
    )
    search = build_features(sources, LatestFrame()).text_search
    assert isinstance(search, EdgeTextSearch)
    with pytest.raises(FeatureUnavailable, match="waiting for the store's catalog"):
        search.search(TextQuery(text="oat milk"))
    rows = local_text_rows(embedder, search_texts())
    shipped[0] = replace(rows, model_sha256="0" * 64)
    with pytest.raises(FeatureUnavailable, match="waiting"):
        search.search(TextQuery(text="oat milk"))
    shipped[0] = rows
    assert search.search(TextQuery(text="kids car seat")).hits[0].gtin == KIDS_SEAT
