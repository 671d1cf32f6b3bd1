"""Tests the hub's try-on asset builder on drawn garments and the shared CC0 photos."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from contracts.tryon import parse_tryon_asset
from edge.tryon.assets import load_asset
from hub.tryon.assets import build_asset, main, write_asset
from hub.tryon.cutout import PhotoRejected

# A T-shirt outline on a 600x700 photo: sleeves, shoulders at (210,170)/(390,170), hem at y=560.
TSHIRT = np.array(
    [[250, 150], [350, 150], [390, 170], [480, 250], [440, 300], [390, 260], [390, 560],
     [210, 560], [210, 260], [160, 300], [120, 250], [210, 170]],
    np.int32,
)  # fmt: skip


def _floor(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    wood = np.full((700, 600, 3), (60, 90, 130), np.float32)
    wood += np.sin(np.arange(600) / 9.0)[None, :, None] * 12 + rng.normal(0, 6, wood.shape)
    return np.clip(wood, 0, 255).astype(np.uint8)


def _photo(*shapes: np.ndarray, seed: int = 0) -> bytes:
    image = _floor(seed)
    for shape in shapes:
        cv2.fillPoly(image, [shape], (235, 235, 240))
    return cv2.imencode(".jpg", image)[1].tobytes()


def test_drawn_tshirt_gives_anchors_where_it_was_drawn() -> None:
    asset = build_asset(
        _photo(TSHIRT), product_id="04012345678901", colour="white", category="t-shirt"
    )
    meta = asset.meta
    assert meta.kind == "top" and meta.asset_id == "04012345678901-white-v1"
    # The asset is cropped around the garment: compare in the garment's own frame.
    a = meta.anchors
    width = a["left_shoulder"][0] - a["right_shoulder"][0]
    assert width == pytest.approx(180 - 2 * 0.06 * 180, abs=12)
    assert a["left_hem"][1] - a["left_shoulder"][1] == pytest.approx(390, abs=15)
    assert "left_sleeve" in a and "right_sleeve" in a
    assert (
        a["left_sleeve"][0] > a["left_shoulder"][0] > a["right_shoulder"][0] > a["right_sleeve"][0]
    )
    loaded = load_asset(asset.png, meta.model_dump_json())
    assert loaded.bgra.shape[2] == 4 and loaded.bgra[..., 3].max() == 255


@pytest.mark.parametrize(
    ("photo", "reason"),
    [
        (lambda: cv2.imencode(".jpg", _floor())[1].tobytes(), "no garment"),
        (lambda: _photo(TSHIRT // 2 + [0, 20], TSHIRT // 2 + [300, 330]), "several items"),
        (lambda: _photo(TSHIRT - np.array([200, 0])), "cut off"),
        (lambda: b"not an image", "cannot be decoded"),
    ],
)
def test_bad_photos_are_refused_with_a_reason(photo: object, reason: str) -> None:
    with pytest.raises(PhotoRejected, match=reason):
        build_asset(photo(), product_id="p1", colour="c", category="shirt")  # type: ignore[operator]


def test_assets_round_trip_through_files(tmp_path: Path) -> None:
    asset = build_asset(
        _photo(TSHIRT), product_id="p1", colour="white", category="dress", version=3
    )
    png_path, json_path = write_asset(asset, tmp_path)
    meta = parse_tryon_asset(json_path.read_bytes())
    assert meta == asset.meta and meta.version == 3 and png_path.name == "p1-white-v3.png"


def test_shared_garment_photos_build_or_are_reported(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = shared_data / "garments" / "manifest.csv"
    with source.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["category"] in ("t-shirt", "hat")]
    subset = tmp_path / "manifest.csv"
    with subset.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "category"])
        writer.writeheader()
        for row in rows[:3] + rows[-3:]:
            writer.writerow({"path": str(source.parent / row["path"]), "category": row["category"]})
    assert main(["--manifest", str(subset), "--out", str(tmp_path / "out")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["built"] + len(report["refused"]) == 6 and report["built"] >= 4
    assert all(r["reason"] for r in report["refused"])
    built = sorted((tmp_path / "out").glob("*.json"))
    assert len(built) == report["built"]
    assert all(parse_tryon_asset(path.read_bytes()).anchors for path in built)
