"""Tests the text rows of an index file: MiniLM rows per product built by the real indexer child
process with the committed INT8 model, the embedding cache across versions (only changed texts
re-embedded, unchanged rows byte-identical), and the file format (optional, all-or-none arrays)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from index_harness import make_index

from edge.index.file import IndexData, IndexFileError, read_index_file, write_index_file
from edge.index.text_rows import (
    NO_AGE,
    TextList,
    TextVectorCache,
    embed_text_rows,
    read_text_list,
    text_arrays,
)
from edge.inference.runtime import load_model
from edge.inference.text_embedder import TextEmbedder

REPO = Path(__file__).resolve().parents[3]
MANIFEST = REPO / "models" / "manifest.json"
TEXTS = [
    {"gtin": "04000000000013", "text": "Kids car seat group 2/3. Maxi. Baby, car seats.",
     "price_cents": 14999, "age_min_months": 48, "age_max_months": 144, "in_stock": True},
    {"gtin": "04000000000020", "text": "Oat drink 1 l. Oatly. Grocery, dairy alternatives.",
     "price_cents": 249},
    {"gtin": "04000000000037", "text": "Navy t-shirt. Northfield. Clothing, tops.",
     "price_cents": 1299, "in_stock": False},
]  # fmt: skip


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    """The committed INT8 MiniLM."""
    return TextEmbedder.from_model(load_model(MANIFEST, "all_minilm_l6_v2_int8"))


def _listing(texts: list[dict[str, object]]) -> TextList:
    return TextList.model_validate({"products": texts})


def test_rows_carry_prices_ages_and_reuse_cached_embeddings(
    embedder: TextEmbedder, tmp_path: Path
) -> None:
    model = (embedder.model.name, embedder.model.entry.sha256)
    cache = TextVectorCache(tmp_path / "cache.npz")
    first = embed_text_rows(_listing(TEXTS), embed=embedder.embed, model=model, cache=cache)
    cache.save()
    assert (cache.misses, cache.hits, first.count) == (3, 0, 3)
    assert first.index.codes.dtype == np.int8 and first.index.dim == 384
    assert first.price_cents.tolist() == [14999, 249, 1299]
    assert first.age_min_months.tolist() == [48, NO_AGE, NO_AGE]
    assert first.index.in_stock.tolist() == [True, True, False]
    changed = [dict(t) for t in TEXTS]
    changed[1]["text"] = "Oat drink barista 1 l. Oatly. Grocery, dairy alternatives."
    again = TextVectorCache(tmp_path / "cache.npz")
    second = embed_text_rows(_listing(changed), embed=embedder.embed, model=model, cache=again)
    assert (again.misses, again.hits) == (1, 2)  # only the changed text is embedded again
    assert np.array_equal(second.index.codes[[0, 2]], first.index.codes[[0, 2]])
    assert not np.array_equal(second.index.codes[1], first.index.codes[1])


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([], "distinct GTINs"),
        ([TEXTS[0], TEXTS[0]], "distinct GTINs"),
    ],
)
def test_bad_text_lists_are_refused(
    embedder: TextEmbedder, texts: list[dict[str, object]], message: str
) -> None:
    model = (embedder.model.name, embedder.model.entry.sha256)
    with pytest.raises(ValueError, match=message):
        embed_text_rows(
            _listing(texts), embed=embedder.embed, model=model, cache=TextVectorCache(None)
        )


def test_a_text_list_file_with_a_bad_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "texts.json"
    path.write_text(json.dumps({"products": [{**TEXTS[0], "price_cents": -1}]}))
    with pytest.raises(ValueError, match="not a text list"):
        read_text_list(path)


def test_a_damaged_cache_is_ignored_and_rewritten(embedder: TextEmbedder, tmp_path: Path) -> None:
    path = tmp_path / "cache.npz"
    path.write_bytes(b"not a zip")
    cache = TextVectorCache(path)
    model = (embedder.model.name, embedder.model.entry.sha256)
    embed_text_rows(_listing(TEXTS[:1]), embed=embedder.embed, model=model, cache=cache)
    cache.save()
    assert TextVectorCache(path).vector(model[1], TEXTS[0]["text"], embedder.embed) is not None


def test_index_files_round_trip_text_rows_and_refuse_partial_ones(
    embedder: TextEmbedder, tmp_path: Path
) -> None:
    path = tmp_path / "index.npz"
    data = make_index(path, rows=4, dims=8, prefix="0400000000", seed=1)
    assert read_index_file(path).texts is None  # files without texts still load
    model = (embedder.model.name, embedder.model.entry.sha256)
    rows = embed_text_rows(
        _listing(TEXTS), embed=embedder.embed, model=model, cache=TextVectorCache(None)
    )
    write_index_file(path, replace(data, texts=rows))
    loaded = read_index_file(path).texts
    assert loaded is not None
    assert loaded.index.product_ids == rows.index.product_ids
    assert np.array_equal(loaded.index.codes, rows.index.codes)
    assert loaded.model_sha256 == model[1] and loaded.age_max_months.tolist()[0] == 144
    _write_with(path, data, {k: v for k, v in text_arrays(rows).items() if k != "text_scales"})
    with pytest.raises(IndexFileError, match="only some text arrays"):
        read_index_file(path)
    broken = text_arrays(rows) | {"text_price_cents": np.zeros(2, np.int64)}
    _write_with(path, data, broken)
    with pytest.raises(IndexFileError, match="arrays of shapes"):
        read_index_file(path)


def _write_with(path: Path, data: IndexData, texts: dict[str, np.ndarray]) -> None:
    write_index_file(path, data)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    with path.open("wb") as handle:
        np.savez(handle, **arrays, **texts)


def test_the_indexer_adds_text_rows_and_reports_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "images" / "04000000000013"
    folder.mkdir(parents=True)
    image = np.full((64, 64, 3), 120, np.uint8)
    image[16:48, 16:48] = (20, 200, 40)
    cv2.imwrite(str(folder / "catalog.png"), image)
    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps({"products": TEXTS}))
    command = [sys.executable, "-m", "edge.indexer", "--images", str(tmp_path / "images")]
    command += ["--out", str(tmp_path / "index.npz"), "--texts", str(texts)]
    command += ["--text-cache", str(tmp_path / "cache.npz")]
    runs = [subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)]
    runs.append(subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO))
    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    summaries = [json.loads(run.stdout.splitlines()[-1]) for run in runs]
    assert [(s["texts"], s["text_embedded"], s["text_cached"]) for s in summaries] == [
        (3, 3, 0),
        (3, 0, 3),
    ]
    loaded = read_index_file(tmp_path / "index.npz")
    assert loaded.texts is not None and loaded.texts.count == 3
    assert loaded.index.product_ids == ("04000000000013",)  # photo rows unchanged by texts
    texts.write_text(json.dumps({"products": [{"gtin": "1"}]}))
    bad = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    assert bad.returncode == 2 and "not a text list" in bad.stderr
