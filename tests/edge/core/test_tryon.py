"""Tests the try-on geometry and rendering: anchors land on shoulders, arms stay in front, sizes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.core.accessories import accessory_targets
from edge.core.occlusion import with_occluders
from edge.core.smoothing import OneEuroFilter
from edge.core.tryon import anchor_point, body_geometry, garment_targets, plan_warp
from edge.core.warp import ThinPlateSpline
from edge.tryon.assets import GarmentAsset, load_asset_files
from edge.tryon.render import compose

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tryon"
FRAME_WH = (640, 480)


def _keypoints(**moves: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """A standing person facing the camera: shoulders 200 px apart, torso 290 px."""
    xy = np.zeros((17, 2))
    base = {
        0: (320, 90), 1: (335, 80), 2: (305, 80), 3: (350, 90), 4: (290, 90),
        5: (420, 170), 6: (220, 170), 7: (450, 290), 8: (190, 290), 9: (460, 400),
        10: (180, 400), 11: (390, 460), 12: (250, 460), 13: (390, 470), 14: (250, 470),
        15: (390, 475), 16: (250, 475),
    }  # fmt: skip
    names = {"right_elbow": 8, "right_wrist": 10, "left_elbow": 7, "left_wrist": 9}
    for name, point in moves.items():
        base[names[name]] = point
    for i, point in base.items():
        xy[i] = point
    return xy, np.full(17, 0.9)


def _tshirt() -> GarmentAsset:
    return load_asset_files(FIXTURES / "tshirt-navy-v1.json")


def _marked(asset: GarmentAsset, names: tuple[str, ...]) -> GarmentAsset:
    """The asset with an opaque pure-red 7x7 square painted at each named anchor."""
    bgra = asset.bgra.copy()
    for name in names:
        x, y = (round(v) for v in asset.meta.anchors[name])
        bgra[max(0, y - 3) : y + 4, max(0, x - 3) : x + 4] = (0, 0, 255, 255)
    return GarmentAsset(meta=asset.meta, bgra=bgra)


def _red_centroids(image: np.ndarray) -> list[tuple[float, float]]:
    red = ((image[..., 2] > 200) & (image[..., 1] < 60) & (image[..., 0] < 60)).astype(np.uint8)
    count, _, _, centroids = cv2.connectedComponentsWithStats(red)
    return [tuple(c) for c in centroids[1:count]]


def test_one_euro_filter_steadies_noise_and_follows_motion() -> None:
    rng = np.random.default_rng(0)
    smooth = OneEuroFilter()
    out = [smooth(np.array([100.0]) + rng.normal(0, 2, 1), i / 30) for i in range(60)]
    assert np.std(np.concatenate(out[30:])) < 1.0
    moved = [smooth(np.array([200.0]), 2 + i / 30) for i in range(30)]
    assert abs(float(moved[-1][0]) - 200.0) < 2.0
    with pytest.raises(ValueError, match="time must increase"):
        smooth(np.array([1.0]), 0.5)


def test_thin_plate_spline_interpolates_and_refuses_degenerate_points() -> None:
    src = np.array([[0, 0], [100, 0], [0, 100], [100, 100], [40, 60]], float)
    dst = src * 1.5 + [20, 10]
    dst[4] += [5, -3]
    spline = ThinPlateSpline.fit(src, dst)
    assert np.abs(spline(src) - dst).max() < 0.5
    with pytest.raises(ValueError, match=r"K>=3"):
        ThinPlateSpline.fit(src[:2], dst[:2])


def test_body_needs_both_shoulders_and_estimates_missing_hips() -> None:
    xy, scores = _keypoints()
    scores[5] = 0.1
    assert body_geometry(xy, scores) is None
    scores[5], scores[11], scores[12] = 0.9, 0.1, 0.1
    body = body_geometry(xy, scores)
    assert body is not None and body.hips_estimated
    assert body.torso_height_px == pytest.approx(200 * 1.45)
    trusted = body_geometry(xy, scores, trust_hips=True)
    assert trusted is not None and not trusted.hips_estimated


def test_shoulder_and_hem_anchors_land_on_the_body_within_3pct_of_torso() -> None:
    xy, scores = _keypoints()
    body = body_geometry(xy, scores)
    assert body is not None
    asset = _marked(_tshirt(), ("left_shoulder", "right_shoulder"))
    plan = plan_warp(asset.meta, garment_targets(asset.meta, body, "M"), FRAME_WH)
    frame = np.full((480, 640, 3), 128, np.uint8)
    image = compose(frame, asset, plan, np.zeros((480, 640), np.float32))
    marks = _red_centroids(image)
    bound = 0.03 * body.torso_height_px
    for name in ("left_shoulder", "right_shoulder"):
        target = body.point(name)
        nearest = min(np.hypot(x - target[0], y - target[1]) for x, y in marks)
        assert nearest <= bound, (name, nearest, bound)
    hem = np.add(plan.targets["left_hem"], plan.targets["right_hem"]) / 2
    assert abs(hem[1] - 460) <= bound  # the hem sits on the hip line


def test_an_arm_raised_in_front_of_the_torso_stays_in_front() -> None:
    # Right forearm across the chest: elbow out to the side, wrist in front of the torso.
    xy, scores = _keypoints(right_elbow=(200, 300), right_wrist=(380, 260))
    body = body_geometry(xy, scores)
    assert body is not None
    asset = _tshirt()
    plan = plan_warp(asset.meta, garment_targets(asset.meta, body, "M"), FRAME_WH)
    plan = with_occluders(asset.meta, plan, body)
    frame = np.full((480, 640, 3), 128, np.uint8)
    cv2.line(frame, (200, 300), (380, 260), (0, 255, 0), 30)  # the arm, bright green
    person = np.ones((480, 640), np.float32)
    image = compose(frame, asset, plan, person)
    along = [(round(200 + t * 180), round(300 - t * 40)) for t in np.linspace(0.2, 0.9, 8)]
    for x, y in along:
        assert tuple(image[y, x]) == (0, 255, 0), (x, y, image[y, x])
    chest = image[380, 320]
    assert tuple(chest) != (128, 128, 128)  # the garment is drawn on the torso below the arm


def test_bigger_sizes_are_wider_and_unknown_sizes_refused() -> None:
    xy, scores = _keypoints()
    body = body_geometry(xy, scores)
    assert body is not None
    meta = _tshirt().meta
    m = garment_targets(meta, body, "M")
    xl = garment_targets(meta, body, "XL")
    width = lambda t: t["left_shoulder"][0] - t["right_shoulder"][0]  # noqa: E731
    assert width(xl) == pytest.approx(width(m) * 1.12)
    with pytest.raises(ValueError, match="size must be one of"):
        garment_targets(meta, body, "XXXL")


def test_hat_sits_above_the_eyes_and_scales_with_the_face() -> None:
    cap = load_asset_files(FIXTURES / "cap-blue-v1.json").meta
    mesh = np.zeros((468, 2))
    mesh[127], mesh[356], mesh[168], mesh[10] = (250, 200), (350, 200), (300, 200), (300, 130)
    targets = accessory_targets(cap, mesh, "M")
    assert targets["crown"][1] < targets["left_brim"][1] < 200
    assert targets["left_brim"][0] - targets["right_brim"][0] == pytest.approx(125)
    with pytest.raises(ValueError, match=r"\(468, 2\)"):
        accessory_targets(cap, mesh[:10], "M")


def test_a_long_sleeve_bends_at_the_elbow() -> None:
    # the fixture t-shirt's sleeves made long: cuffs 300 px out, past the elbow in the frame
    anchors = dict(_tshirt().meta.anchors)
    anchors.update(left_sleeve=(314.0, 300.0), right_sleeve=(9.0, 300.0))
    meta = _tshirt().meta.model_copy(update={"anchors": anchors})
    xy, scores = _keypoints(left_elbow=(520.0, 240.0), left_wrist=(450.0, 120.0))  # arm raised
    body = body_geometry(xy, scores)
    assert body is not None
    targets = garment_targets(meta, body, "M")
    assert np.allclose(targets["left_sleeve_elbow"], (520.0, 240.0))
    assert np.allclose(targets["left_sleeve"], (450.0, 120.0))
    plan = plan_warp(meta, targets, FRAME_WH)
    elbow_in_asset = plan.inverse(np.array([[520.0, 240.0]]))[0]
    assert np.allclose(elbow_in_asset, anchor_point(meta, "left_sleeve_elbow"), atol=2.0)
    assert anchor_point(meta, "left_sleeve_elbow") == (275.5, 160.0)  # halfway shoulder -> cuff
    with pytest.raises(KeyError):
        anchor_point(meta, "left_knee")
