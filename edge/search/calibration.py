"""Provides the build-time abstention calibration of a photo-search index.

Run by the indexer right after the rows are embedded, with the same model and projection the
device uses, so the threshold it stores belongs to this index's score distribution rather than to
a constant tuned elsewhere. Calibration queries:

- synthetic camera views of a sample of catalog images (perspective, scale, clutter, blur, noise,
  exposure), cut with the device's centre crop: in-index queries, right when their product comes
  first;
- the same views of a look-alike of each image (mirrored, hue turned): items the store does not
  sell, always wrong (the search must abstain on them);
- reference photos, each scored with its own row left out (in-index) - only when the projection
  was not fitted on them, since a fitted projection scores its own training photos too well.

The threshold is the lowest top score whose accepted answers reach the target precision.
Measured on the grocery train/val photos (70 products indexed, 11 held out): the views and
look-alikes gave a threshold of 0.86, which answered 12% of the in-index val photos (all right)
and abstained on every held-out one; the val photos themselves would have put a 90% threshold at
0.77. Calibration without real query photos errs on the side of "not sure".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.abstention import AbstentionCalibration, calibrate_abstention
from edge.core.projection import Projection
from edge.core.search import CatalogIndex, score_rows
from edge.search.crop import CropPolicy, centre_crop

logger = logging.getLogger(__name__)

Embed = Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.float32]]
VIEW_WH = (480, 360)


@dataclass(frozen=True, slots=True)
class CalibrationPlan:
    """How many calibration queries a build makes.

    Attributes:
        target_precision: share of accepted answers that must be right.
        outside_share: weight of the look-alike (not-in-index) queries in the calibration: the
            share of searches assumed to be about items the index does not hold.
        views: synthetic views made in all (and as many look-alike views): bounds the build
            time whatever the catalog size (about 2 x 200 embeddings, seconds on 2 cores).
        max_views_per_image: views of one catalog image at most (small catalogs).
        max_reference_rows: reference photos used at most.
        hold_out_min_photos: a product with at least this many reference photos lends one to
            calibration, kept out of the projection fit (`held_out_photos`).
        seed: seed of the sample and of the views.
    """

    def __post_init__(self) -> None:
        if not 0 < self.target_precision <= 1 or not 0 < self.outside_share < 1:
            raise ValueError("target_precision must be in (0, 1] and outside_share in (0, 1)")

    target_precision: float = 0.9
    outside_share: float = 0.5
    views: int = 200
    max_views_per_image: int = 4
    max_reference_rows: int = 500
    hold_out_min_photos: int = 3
    seed: int = 0


@dataclass(frozen=True, slots=True)
class CatalogImage:
    """A catalog image of the index: its file and the product index it belongs to."""

    path: Path
    product: int


def _clutter(rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    width, height = VIEW_WH
    base = rng.integers(60, 200, 3).astype(np.float32)
    ramp = np.linspace(0.8, 1.1, height, dtype=np.float32)[:, None, None]
    canvas = np.clip(np.broadcast_to(base, (height, width, 3)) * ramp, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(6, 14))):
        x, y = (int(v) for v in rng.integers(0, (width, height)))
        w, h = (int(v) for v in rng.integers(20, 110, 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, -1)
    return np.asarray(canvas, dtype=np.uint8)


def synthetic_view(image: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """A camera-like view of a product image: held in front of clutter, tilted, blurred, noisy.

    Args:
        image: (H, W, 3) uint8 BGR catalog image.
        rng: the random source (seeded by the caller: builds are reproducible).

    Returns:
        A (360, 480, 3) uint8 BGR frame with the product near its centre.
    """
    width, height = VIEW_WH
    frame = _clutter(rng)
    side = rng.uniform(0.6, 0.85) * height
    aspect = image.shape[1] / image.shape[0]
    half_w, half_h = min(side * aspect, 0.9 * width) / 2, side / 2
    centre = np.array([width / 2, height / 2]) + rng.uniform(-0.05, 0.05, 2) * (width, height)
    corners = np.array([[-half_w, -half_h], [half_w, -half_h], [half_w, half_h], [-half_w, half_h]])
    corners = corners * (1 + rng.uniform(-0.1, 0.1, (4, 2))) + centre
    source = np.array(
        [[0, 0], [image.shape[1], 0], [image.shape[1], image.shape[0]], [0, image.shape[0]]]
    )
    matrix = cv2.getPerspectiveTransform(source.astype(np.float32), corners.astype(np.float32))
    warped = cv2.warpPerspective(image, matrix, VIEW_WH, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full(image.shape[:2], 255, np.uint8), matrix, VIEW_WH)
    frame[mask > 127] = warped[mask > 127]
    sigma = rng.uniform(0.3, 1.5)
    out = cv2.GaussianBlur(frame, (0, 0), sigma).astype(np.float32) * rng.uniform(0.75, 1.15)
    out += rng.normal(0.0, 3.0, out.shape).astype(np.float32)
    return np.asarray(np.clip(out, 0, 255), dtype=np.uint8)


def held_out_photos(
    row_products: npt.NDArray[np.int64], reference: Sequence[bool], *, plan: CalibrationPlan
) -> npt.NDArray[np.bool_]:
    """One reference photo of each product that has `hold_out_min_photos` or more, chosen with
    the plan's seed: kept out of the projection fit, it calibrates as a real, unseen photo.

    Returns:
        (N,) mask of the held-out rows.
    """
    rng = np.random.default_rng(plan.seed + 2)
    is_ref = np.asarray(reference, np.bool_)
    held = np.zeros(len(row_products), np.bool_)
    for product in np.unique(row_products[is_ref]):
        rows = np.flatnonzero(is_ref & (row_products == product))
        if len(rows) >= plan.hold_out_min_photos:
            held[int(rng.choice(rows))] = True
    return held


def sibling(image: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """A look-alike of a product that is not it: mirrored, hue turned by 60-300 degrees.

    Stands for the store's near misses (the same brand's other flavour, a rival's pack in the
    same style): the search must abstain on it, whatever it matches.
    """
    hsv = cv2.cvtColor(np.ascontiguousarray(image[:, ::-1]), cv2.COLOR_BGR2HSV)
    turn = int(rng.integers(30, 151))  # OpenCV hue runs 0..179
    hsv[:, :, 0] = ((hsv[:, :, 0].astype(np.int32) + turn) % 180).astype(np.uint8)
    return np.asarray(cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR), dtype=np.uint8)


def _top(index: CatalogIndex, scores: npt.NDArray[np.float32]) -> tuple[float, int]:
    """(best score, its product)."""
    best_row = int(np.argmax(scores))
    return float(scores[best_row]), int(index.row_products[best_row])


def _view_queries(
    images: Sequence[CatalogImage],
    index: CatalogIndex,
    projection: Projection,
    *,
    embed: Embed,
    plan: CalibrationPlan,
) -> tuple[list[float], list[bool]]:
    rng = np.random.default_rng(plan.seed)
    picked = rng.permutation(len(images))[: plan.views]
    per_image = min(plan.max_views_per_image, max(1, plan.views // max(len(picked), 1)))
    policy = CropPolicy()
    scores: list[float] = []
    correct: list[bool] = []
    for position in picked:
        item = images[int(position)]
        read = cv2.imread(str(item.path), cv2.IMREAD_COLOR)
        if read is None:
            continue
        pixels = np.asarray(read, np.uint8)
        for _ in range(per_image):
            for shown, own in ((pixels, True), (sibling(pixels, rng), False)):
                view = synthetic_view(shown, rng)
                crop = centre_crop((view.shape[0], view.shape[1]), policy.centre_share).cut(view)
                top, product = _top(index, score_rows(index, projection.apply(embed(crop))))
                scores.append(top)
                correct.append(own and product == item.product)
    return scores, correct


def _reference_queries(
    index: CatalogIndex, reference_rows: npt.NDArray[np.int64], plan: CalibrationPlan
) -> tuple[list[float], list[bool]]:
    rng = np.random.default_rng(plan.seed + 1)
    picked = rng.permutation(reference_rows)[: plan.max_reference_rows]
    scores: list[float] = []
    correct: list[bool] = []
    for row in picked:
        query = index.codes[row].astype(np.float32) * index.scales[row]
        row_scores = score_rows(index, query / max(float(np.linalg.norm(query)), 1e-12))
        row_scores[row] = -np.inf
        top, product = _top(index, row_scores)
        scores.append(top)
        correct.append(product == int(index.row_products[row]))
    return scores, correct


def _weighted(
    views: tuple[list[float], list[bool]],
    photos: tuple[list[float], list[bool]],
    outside: list[float],
    plan: CalibrationPlan,
) -> AbstentionCalibration | None:
    """Calibrates on in-index queries (views, held-out photos) and look-alikes, weighted so the
    look-alikes carry `plan.outside_share` of the total."""
    inside = views[0] + photos[0]
    if not inside or not outside:
        return None
    weights = [(1 - plan.outside_share) / len(inside)] * len(inside)
    weights += [plan.outside_share / len(outside)] * len(outside)
    method = (
        f"{len(views[0])} synthetic views of catalog images and {len(photos[0])} held-out "
        f"reference photos (in the index), {len(outside)} views of mirrored, hue-turned "
        f"look-alikes (not in the index, weight {plan.outside_share:.0%})"
    )
    return calibrate_abstention(
        np.asarray(inside + outside),
        np.asarray(views[1] + photos[1] + [False] * len(outside)),
        target_precision=plan.target_precision,
        method=method,
        weights=np.asarray(weights),
    )


def calibrate_index(
    images: Sequence[CatalogImage],
    index: CatalogIndex,
    projection: Projection,
    *,
    embed: Embed,
    reference_rows: npt.NDArray[np.int64],
    plan: CalibrationPlan | None = None,
) -> AbstentionCalibration | None:
    """Calibrates the index's abstention threshold and confidence curve.

    Args:
        images: the index's catalog images (one per product that has one).
        index: the built index.
        projection: the projection its rows were made with (queries need it too).
        embed: BGR image -> (D,) pooled features, the model the index was built with.
        reference_rows: rows of the index that are reference photos.
        plan: sample sizes, target precision and seed.

    Returns:
        The calibration, or None when the index has fewer than two products (nothing to tell
        apart) or no query could be made.
    """
    plan = plan or CalibrationPlan()
    if len(index.product_ids) < 2:
        return None
    view_scores, view_correct = _view_queries(images, index, projection, embed=embed, plan=plan)
    ref_scores, ref_correct = _reference_queries(index, reference_rows, plan)
    calibration = _weighted(
        (view_scores[0::2], view_correct[0::2]), (ref_scores, ref_correct), view_scores[1::2], plan
    )
    if calibration is None:
        return None
    logger.info(
        "index calibration: threshold %.3f for %.0f%% precision over %d queries",
        calibration.threshold,
        100 * plan.target_precision,
        calibration.queries,
    )
    return calibration
