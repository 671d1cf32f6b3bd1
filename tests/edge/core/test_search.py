"""Tests the photo-search core: int8 index, exact top-k, in-stock re-rank, abstention."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pytest

from edge.core.projection import normalise
from edge.core.search import (
    Match,
    SearchConfig,
    build_index,
    calibrate_threshold,
    rerank_in_stock,
    score_rows,
    search,
    top_products,
)


def _unit(rows: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    return normalise(np.random.default_rng(seed).standard_normal((rows, dim)))


@pytest.mark.parametrize("dtype", ["int8", "float16", "float32"])
def test_scores_match_float_cosine(dtype: str) -> None:
    gallery = _unit(500)
    index = build_index(
        gallery, np.arange(500), [str(i) for i in range(500)], [True] * 500, dtype=dtype
    )  # type: ignore[arg-type]
    query = gallery[123]
    scores = score_rows(index, query)
    assert np.abs(scores - gallery @ query).max() < 0.02
    assert int(np.argmax(scores)) == 123


def test_exact_search_finds_each_row_and_dedupes_products() -> None:
    gallery = _unit(300)
    products = np.arange(300) // 3  # three rows per product
    index = build_index(gallery, products, [f"p{i}" for i in range(100)], [True] * 100)
    for row in (0, 150, 299):
        result = search(index, gallery[row], SearchConfig(k=5, threshold=0.5))
        ids = [m.product_id for m in result.matches]
        assert ids[0] == f"p{products[row]}"
        assert len(ids) == len(set(ids)) == 5
        assert result.confident


def test_top_products_when_few_products_own_most_rows() -> None:
    gallery = _unit(200)
    products = np.zeros(200, dtype=np.int64)
    products[-2:] = [1, 2]
    index = build_index(gallery, products, ["a", "b", "c"], [True] * 3)
    best = top_products(index, score_rows(index, gallery[0]), k=3)
    assert best[0][0] == 0
    assert sorted(p for p, _ in best) == [0, 1, 2]


def test_in_stock_first_among_near_equal_only() -> None:
    matches = [
        Match("out", 0.90, False),
        Match("in", 0.89, True),
        Match("far_in", 0.70, True),
        Match("far_out", 0.71, False),
    ]
    ranked = [m.product_id for m in rerank_in_stock(matches, margin=0.02)]
    assert ranked == ["in", "out", "far_in", "far_out"]
    assert [m.product_id for m in rerank_in_stock(matches, margin=0.0)] == [
        "out",
        "in",
        "far_out",
        "far_in",
    ]


def test_search_reranks_stock_through_the_index() -> None:
    base = _unit(1)[0]
    twin = normalise((base + 0.2 * _unit(1, seed=1)[0])[None])[0]
    index = build_index(np.stack([base, twin]), [0, 1], ["a", "b"], [False, True])
    result = search(index, base, SearchConfig(k=2, near_equal_margin=0.05))
    assert [m.product_id for m in result.matches] == ["b", "a"]
    restocked = search(index.with_stock([True, True]), base, SearchConfig(k=2))
    assert restocked.matches[0].product_id == "a"


def test_abstains_below_threshold_but_keeps_candidates() -> None:
    gallery = _unit(50)
    index = build_index(gallery, np.arange(50), [str(i) for i in range(50)], [True] * 50)
    stranger = _unit(1, seed=99)[0]
    result = search(index, stranger, SearchConfig(k=3, threshold=0.9))
    assert not result.confident
    assert len(result.matches) == 3
    assert result.top_score < 0.9


def test_calibrate_threshold_reaches_target_precision() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    correct = np.array([True, True, True, False, True, False])
    assert calibrate_threshold(scores, correct, 1.0) == pytest.approx(0.7)
    assert calibrate_threshold(scores, correct, 0.8) == pytest.approx(0.5)
    assert calibrate_threshold(scores, np.zeros(6, dtype=bool), 0.9) > 0.9


@pytest.mark.parametrize(
    ("query_dim", "k", "expectation"),
    [
        (32, 1, nullcontext()),
        (31, 1, pytest.raises(ValueError, match="query must be")),
        (32, 0, pytest.raises(ValueError, match="k")),
    ],
)
def test_bad_arguments(query_dim: int, k: int, expectation: AbstractContextManager[object]) -> None:
    index = build_index(_unit(10), np.arange(10), [str(i) for i in range(10)], [True] * 10)
    with expectation:
        search(index, np.ones(query_dim, dtype=np.float32), SearchConfig(k=k))


def test_index_shape_checks() -> None:
    with pytest.raises(ValueError, match="in_stock"):
        build_index(_unit(4), np.arange(4), ["a", "b", "c", "d"], [True])
    with pytest.raises(ValueError, match="row_products"):
        build_index(_unit(4), [0, 1, 2, 9], ["a", "b", "c", "d"], [True] * 4)
    empty = build_index(np.zeros((0, 8)), [], [], [])
    assert search(empty, np.ones(8), SearchConfig()).matches == ()
