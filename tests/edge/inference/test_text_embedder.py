"""Tests the pure-python WordPiece tokenizer and the committed INT8 MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edge.inference.runtime import load_model
from edge.inference.text_embedder import TextEmbedder, WordPieceTokenizer, pre_tokenize

REPO = Path(__file__).resolve().parents[3]
MANIFEST = REPO / "models" / "manifest.json"
GOLDEN = REPO / "tests" / "fixtures" / "text" / "wordpiece_golden.json"


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    return TextEmbedder.from_model(load_model(MANIFEST, "all_minilm_l6_v2_int8"))


def test_tokenizer_matches_the_package_tokenizer() -> None:
    tokenizer = WordPieceTokenizer.from_vocab_file(REPO / "models" / "all_minilm_l6_v2.vocab.txt")
    for row in json.loads(GOLDEN.read_text(encoding="utf-8")):
        assert tokenizer.encode(row["text"]) == row["ids"], row["text"]


def test_truncates_and_splits_punctuation() -> None:
    tokenizer = WordPieceTokenizer.from_vocab_file(
        REPO / "models" / "all_minilm_l6_v2.vocab.txt", max_tokens=5
    )
    assert len(tokenizer.encode("one two three four five six")) == 5
    assert pre_tokenize("car-seat, 6yo!") == ["car", "-", "seat", ",", "6yo", "!"]
    with pytest.raises(ValueError):
        WordPieceTokenizer(vocab={"a": 0})


def test_embeddings_are_unit_and_rank_by_meaning(embedder: TextEmbedder) -> None:
    texts = [
        "green apple with firm white flesh and a clear acidity",
        "semi-skimmed milk in a one litre carton",
        "orange juice without pulp",
    ]
    vectors = embedder.embed_many(texts)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    query = embedder.embed("Granny Smith apples")
    assert int(np.argmax(vectors @ query)) == 0
    assert int(np.argmax(vectors @ embedder.embed("a carton of milk"))) == 1
    assert np.isfinite(embedder.embed("")).all()
