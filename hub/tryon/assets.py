"""Provides the hub's try-on asset builder: product photo -> RGBA cut-out PNG + anchors JSON.

One asset per product and colour, versioned; the wire format is `contracts.tryon.TryOnAsset`.
A photo that cannot make an asset (no garment, several items, garment cut off) is returned as a
`Refusal` for staff, never built. CLI:

    python -m hub.tryon.assets --manifest ../shared/data/garments/manifest.csv \
        --out var/tryon-assets
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from contracts.tryon import CATEGORY_KINDS, TRYON_ASSET_SCHEMA_VERSION, TryOnAsset
from hub.tryon.anchors import find_anchors
from hub.tryon.cutout import PhotoRejected, cut_out

BUILDER_VERSION = "1.0.0"
ASSET_MAX_SIDE = 512
PAD_FRACTION = 0.03
FEATHER_PX = 3


@dataclass(frozen=True, slots=True)
class BuiltAsset:
    """A try-on asset ready to ship: the PNG bytes and their metadata (PNG sha256 inside)."""

    png: bytes
    meta: TryOnAsset


@dataclass(frozen=True, slots=True)
class Refusal:
    """A product photo that made no asset, and why (shown to staff)."""

    product_id: str
    source: str
    reason: str


def _crop_box(box: tuple[int, int, int, int], size_wh: tuple[int, int]) -> tuple[int, ...]:
    x0, y0, x1, y1 = box
    pad = round(max(x1 - x0, y1 - y0) * PAD_FRACTION)
    w, h = size_wh
    return max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)


def _rgba(bgr: npt.NDArray[np.uint8], mask: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    alpha = cv2.GaussianBlur(mask, (2 * FEATHER_PX + 1, 2 * FEATHER_PX + 1), 0)
    alpha = np.minimum(alpha, mask.astype(np.uint16) * 2).astype(np.uint8)  # feather inward only
    return np.dstack([bgr, alpha])


def _garment_crop(
    bgr: npt.NDArray[np.uint8],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Returns (BGR crop, mask) around the cut-out garment, at most ASSET_MAX_SIDE pixels."""
    cut = cut_out(bgr)
    x0, y0, x1, y1 = _crop_box(cut.box_xyxy, (bgr.shape[1], bgr.shape[0]))
    crop, mask = bgr[y0:y1, x0:x1], cut.mask[y0:y1, x0:x1]
    scale = min(1.0, ASSET_MAX_SIDE / max(crop.shape[:2]))
    size_wh = (round(crop.shape[1] * scale), round(crop.shape[0] * scale))
    crop = np.asarray(cv2.resize(crop, size_wh, interpolation=cv2.INTER_AREA), np.uint8)
    mask = np.where(cv2.resize(mask, size_wh) > 127, 255, 0).astype(np.uint8)
    return crop, mask


def build_asset(
    photo: bytes, *, product_id: str, colour: str, category: str, version: int = 1
) -> BuiltAsset:
    """Builds one try-on asset from a product photo's encoded bytes (JPEG/PNG).

    Args:
        photo: the product photo file's bytes.
        product_id: the product (GTIN or catalog id); letters, digits, `_.-`.
        colour: the colour variant shown in the photo.
        category: catalog category, a key of `contracts.tryon.CATEGORY_KINDS`.
        version: asset version (bump on every rebuild of the same product and colour).

    Raises:
        PhotoRejected: the photo is unreadable or shows no single usable garment.
        ValueError: unknown category.
    """
    if category not in CATEGORY_KINDS:
        raise ValueError(f"category must be one of {sorted(CATEGORY_KINDS)}, got {category!r}")
    decoded = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise PhotoRejected("the photo file cannot be decoded as an image")
    bgr = np.asarray(decoded, dtype=np.uint8)
    crop, mask = _garment_crop(bgr)
    size_wh = (crop.shape[1], crop.shape[0])
    kind = CATEGORY_KINDS[category]
    anchors = find_anchors(mask, kind)
    ok, encoded = cv2.imencode(".png", _rgba(crop, mask))
    if not ok:
        raise PhotoRejected("the cut-out could not be encoded as PNG")
    png = encoded.tobytes()
    meta = TryOnAsset(
        schema_version=TRYON_ASSET_SCHEMA_VERSION,
        asset_id=f"{product_id}-{colour}-v{version}",
        product_id=product_id,
        colour=colour,
        version=version,
        kind=kind,
        category=category,
        size_wh=size_wh,
        image_sha256=hashlib.sha256(png).hexdigest(),
        source_sha256=hashlib.sha256(photo).hexdigest(),
        builder_version=BUILDER_VERSION,
        anchors={name: (round(x, 1), round(y, 1)) for name, (x, y) in anchors.items()},
        mask_area_fraction=round(float((mask > 0).mean()), 4),
    )
    return BuiltAsset(png=png, meta=meta)


def write_asset(asset: BuiltAsset, out_dir: Path) -> tuple[Path, Path]:
    """Writes `<asset_id>.png` and `<asset_id>.json` into `out_dir`; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png_path = out_dir / f"{asset.meta.asset_id}.png"
    json_path = out_dir / f"{asset.meta.asset_id}.json"
    png_path.write_bytes(asset.png)
    json_path.write_text(asset.meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return png_path, json_path


def build_from_manifest(
    manifest_csv: Path, out_dir: Path
) -> tuple[list[TryOnAsset], list[Refusal]]:
    """Builds an asset for every `path,category` row of a garments manifest (colour "photo").

    Returns:
        (metadata of the built assets, refusals with their reasons).
    """
    built: list[TryOnAsset] = []
    refused: list[Refusal] = []
    with manifest_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["category"] not in CATEGORY_KINDS:
            continue
        photo_path = manifest_csv.parent / row["path"]
        product_id = photo_path.stem
        try:
            asset = build_asset(
                photo_path.read_bytes(), product_id=product_id, colour="photo",
                category=row["category"],
            )  # fmt: skip
        except PhotoRejected as exc:
            refused.append(Refusal(product_id=product_id, source=row["path"], reason=str(exc)))
            continue
        write_asset(asset, out_dir)
        built.append(asset.meta)
    return built, refused


def main(argv: list[str] | None = None) -> int:
    """Builds assets for a garments manifest and prints a JSON report (built, refused)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True, help="CSV with path,category")
    parser.add_argument("--out", type=Path, required=True, help="output folder for PNG + JSON")
    args = parser.parse_args(argv)
    if not args.manifest.is_file():
        print(f"manifest not found: {args.manifest}", file=sys.stderr)
        return 2
    built, refused = build_from_manifest(args.manifest, args.out)
    report = {
        "built": len(built),
        "refused": [
            {"product": r.product_id, "source": r.source, "reason": r.reason} for r in refused
        ],
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
