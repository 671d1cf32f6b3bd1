"""Tests the learned projection: it separates products that raw features confuse."""

from __future__ import annotations

import numpy as np
import pytest

from edge.core.projection import Projection, ProjectionConfig, fit_projection, normalise


def _products(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten products x 60 photos; identity lives in 4 of 64 dims, drowned by nuisance."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((10, 4))
    labels = np.tile(np.arange(10), 60)
    photos = np.zeros((600, 64), dtype=np.float32)
    photos[:, :4] = centres[labels] + rng.standard_normal((600, 4)) * 0.1
    photos[:, 4:] = rng.standard_normal((600, 60)) * 0.5  # nuisance: lighting, background
    anchors = np.zeros((10, 64), dtype=np.float32)
    anchors[:, :4] = centres
    anchors[:, 4:] = rng.standard_normal((10, 60)) * 0.2
    return photos, labels, anchors


def _recall(
    embed: Projection, photos: np.ndarray, labels: np.ndarray, anchors: np.ndarray
) -> float:
    scores = embed.apply(photos) @ embed.apply(anchors).T
    return float((scores.argmax(1) == labels).mean())


def test_fit_beats_raw_cosine_on_held_out_photos() -> None:
    photos, labels, anchors = _products()
    config = ProjectionConfig(dim=8, epochs=300)
    projection = fit_projection(photos[::2], labels[::2], anchors, config)
    raw = _recall(Projection.identity(64), photos[1::2], labels[1::2], anchors)
    fitted = _recall(projection, photos[1::2], labels[1::2], anchors)
    assert fitted > raw + 0.05
    assert fitted >= 0.7


def test_fit_is_deterministic_and_outputs_unit_vectors() -> None:
    photos, labels, anchors = _products()
    config = ProjectionConfig(dim=8, epochs=20)
    first = fit_projection(photos, labels, anchors, config)
    second = fit_projection(photos, labels, anchors, config)
    assert np.array_equal(first.matrix, second.matrix)
    out = first.apply(photos)
    assert out.shape == (600, 8) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert first.apply(photos[0]).shape == (8,)


def test_identity_is_plain_cosine() -> None:
    photos, _, _ = _products()
    assert np.allclose(Projection.identity(64).apply(photos), normalise(photos), atol=1e-6)


@pytest.mark.parametrize(
    ("labels", "anchors_shape", "match"),
    [
        (np.zeros(600, dtype=np.int64) + 10, (10, 64), "labels"),
        (np.zeros(599, dtype=np.int64), (10, 64), "labels"),
        (np.zeros(600, dtype=np.int64), (10, 32), "samples"),
    ],
)
def test_bad_inputs(labels: np.ndarray, anchors_shape: tuple[int, int], match: str) -> None:
    photos, _, _ = _products()
    with pytest.raises(ValueError, match=match):
        fit_projection(photos, labels, np.zeros(anchors_shape, dtype=np.float32))
    with pytest.raises(ValueError, match="expected 64-d"):
        Projection.identity(64).apply(np.zeros((2, 3), dtype=np.float32))
