"""Provides the photo-search fixture maker: product packshots, staff photos and a replay of snaps.

The demo catalog's own images (`central/images.py`) are one label design in ten colours, which
an image embedding cannot tell apart (mean cosine 0.95 between products): good for barcodes, not
for photo search. This tool renders a distinct packshot per product (a seeded pattern, shapes and
colours, with brand and name printed), so a replay can check that the pipeline finds the product a
camera shows. Nothing here comes from a dataset: every pixel is drawn from the GTIN's seed.

Outputs:
    catalog folder (`write_catalog`): `<gtin>/catalog.png` plus `<gtin>/ref-N.jpg` staff photos
        (the layout `python -m edge.indexer --images DIR` reads); made at test time, not committed.
    replay fixture (`--out`): `frames/NNNNNN.jpg`, `timestamps.json`, `expected.json`
        (`{"index_gtins", "searches": [{"file", "gtin", "in_index"}], "notes"}`), `generator.json`.

Usage:
    python tools/make_search_fixture.py --out tests/fixtures/replays/photo_search_shelf
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from central.seed import DEMO_CATALOG_PATH  # noqa: E402
from tools.fixture_scene import (  # noqa: E402
    Defects,
    Pose,
    apply_camera,
    composite_item,
    make_background,
)

Image = npt.NDArray[np.uint8]
PACKSHOT_PX = 400
COMMITTED = REPO_ROOT / "tests" / "fixtures" / "replays" / "photo_search_shelf"
# featured products first (the hub tests answer about the oat milk), then a spread of the catalog
INDEX_PICKS = ("oat_milk", "granola", "sneakers", "mug", "upca_cereal")
EXTRA_STRIDE = 37  # every 37th catalog product joins the index, up to `--products`


@dataclass(frozen=True, slots=True)
class Product:
    """What a packshot shows."""

    gtin: str
    name: str
    brand: str


def _seeded(gtin: str, salt: str = "") -> np.random.Generator:
    digest = hashlib.sha256(f"{salt}{gtin}".encode()).hexdigest()
    return np.random.default_rng(int(digest[:12], 16))


def _pattern(rng: np.random.Generator, size: int) -> npt.NDArray[np.bool_]:
    yy, xx = np.mgrid[0:size, 0:size]
    kind = int(rng.integers(0, 5))
    if kind == 0:
        angle, width = rng.uniform(0, np.pi), int(rng.integers(12, 40))
        return np.asarray(((xx * np.cos(angle) + yy * np.sin(angle)) // width) % 2 == 1)
    if kind == 1:
        pitch = int(rng.integers(30, 70))
        radius = pitch * rng.uniform(0.2, 0.45)
        return np.asarray((xx % pitch - pitch / 2) ** 2 + (yy % pitch - pitch / 2) ** 2 < radius**2)
    if kind == 2:
        cell = int(rng.integers(25, 80))
        return np.asarray((xx // cell + yy // cell) % 2 == 1)
    if kind == 3:
        cx, cy = (int(v) for v in rng.integers(0, size, 2))
        ring = int(rng.integers(15, 40))
        return np.asarray((np.hypot(xx - cx, yy - cy) // ring) % 2 == 1)
    freq, amp, band = rng.uniform(0.02, 0.06), rng.uniform(10, 40), int(rng.integers(20, 45))
    return np.asarray(((yy + amp * np.sin(xx * freq)) // band) % 2 == 1)


def _shapes(image: Image, rng: np.random.Generator, colours: list[tuple[int, int, int]]) -> None:
    size = image.shape[0]
    for _ in range(int(rng.integers(2, 5))):
        x, y = (int(v) for v in rng.integers(60, size - 60, 2))
        half, colour = int(rng.integers(30, 90)), colours[int(rng.integers(0, len(colours)))]
        shape = int(rng.integers(0, 3))
        if shape == 0:
            cv2.circle(image, (x, y), half, colour, -1)
        elif shape == 1:
            cv2.rectangle(image, (x - half, y - half // 2), (x + half, y + half // 2), colour, -1)
        else:
            points = np.array([[x, y - half], [x - half, y + half], [x + half, y + half]], np.int32)
            cv2.fillPoly(image, [points], colour)


def packshot(product: Product, *, size_px: int = PACKSHOT_PX) -> Image:
    """The product's catalog image: a seeded pattern and shapes, brand on top, name below."""
    rng = _seeded(product.gtin)
    colours = [tuple(int(v) for v in rng.integers(20, 236, 3)) for _ in range(4)]
    image = np.full((size_px, size_px, 3), colours[0], np.uint8)
    image[_pattern(rng, size_px)] = colours[1]
    _shapes(image, rng, [(c[0], c[1], c[2]) for c in colours[2:]])
    cv2.rectangle(image, (0, 0), (size_px, 56), (30, 30, 30), -1)
    cv2.putText(image, product.brand[:20], (12, 40), cv2.FONT_HERSHEY_DUPLEX, 1.0, (250,) * 3, 2)
    cv2.rectangle(image, (0, size_px - 64), (size_px, size_px), (245, 245, 245), -1)
    cv2.putText(
        image, product.name[:24], (12, size_px - 24), cv2.FONT_HERSHEY_DUPLEX, 0.8, (30,) * 3, 2
    )
    return image


def camera_view(item: Image, rng: np.random.Generator, *, size_wh: tuple[int, int]) -> Image:
    """The item held up in front of a store shelf: tilted, blurred, glare, noise, exposure."""
    frame = make_background(size_wh, rng)
    pose = Pose(
        cx=0.5 + float(rng.uniform(-0.06, 0.06)),
        cy=0.5 + float(rng.uniform(-0.05, 0.05)),
        size=float(rng.uniform(0.6, 0.82)),
        angle_deg=float(rng.uniform(-10, 10)),
        yaw=float(rng.uniform(-0.25, 0.25)),
        pitch=float(rng.uniform(-0.18, 0.18)),
    )
    defects = Defects(
        blur_px=float(rng.uniform(0, 4)),
        blur_angle_deg=float(rng.uniform(0, 180)),
        glare=float(rng.uniform(0, 0.5)),
        glare_xy=(float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8))),
    )
    composite_item(frame, item, pose, defects)
    return apply_camera(frame, gain=float(rng.uniform(0.75, 1.1)), noise_sigma=4.0, rng=rng)


def load_products(catalog_path: Path = DEMO_CATALOG_PATH) -> dict[str, Product]:
    """The demo catalog's products by GTIN."""
    data = json.loads(catalog_path.read_text(encoding="utf-8"))
    return {
        p["gtin"]: Product(p["gtin"], str(p["name"]), str(p["brand"])) for p in data["products"]
    }


def pick_products(count: int, catalog_path: Path = DEMO_CATALOG_PATH) -> list[Product]:
    """The fixture's index: the featured products, then every `EXTRA_STRIDE`th other one."""
    data = json.loads(catalog_path.read_text(encoding="utf-8"))
    products = load_products(catalog_path)
    gtins = [data["featured"][key] for key in INDEX_PICKS]
    for row in data["products"][::EXTRA_STRIDE]:
        if len(gtins) >= count:
            break
        if row["gtin"] not in gtins:
            gtins.append(row["gtin"])
    return [products[gtin] for gtin in gtins[:count]]


def write_catalog(folder: Path, products: Sequence[Product], *, photos: int = 8) -> Path:
    """Writes `<gtin>/catalog.png` and `photos` staff photos per product (deterministic).

    Returns:
        `folder`, ready for `edge.index.build.read_image_list`.
    """
    for product in products:
        sub = folder / product.gtin
        sub.mkdir(parents=True, exist_ok=True)
        shot = packshot(product)
        cv2.imwrite(str(sub / "catalog.png"), shot)
        rng = _seeded(product.gtin, "staff-photos")
        for number in range(photos):
            view = camera_view(shot, rng, size_wh=(480, 360))
            cv2.imwrite(str(sub / f"ref-{number}.jpg"), view, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return folder


@dataclass(frozen=True, slots=True)
class ReplaySpec:
    """What the replay fixture shows."""

    index_products: int
    outside: int
    snaps_per_product: int
    size_wh: tuple[int, int]
    seed: int


def _snap_list(spec: ReplaySpec) -> tuple[list[Product], list[tuple[Product, bool]]]:
    products = load_products()
    indexed = pick_products(spec.index_products)
    inside = {p.gtin for p in indexed}
    others = [p for gtin, p in sorted(products.items()) if gtin not in inside]
    rng = np.random.default_rng(spec.seed)
    outside = [others[int(i)] for i in rng.choice(len(others), spec.outside, replace=False)]
    snaps = [(p, True) for p in indexed] + [(p, False) for p in outside]
    return indexed, [snap for snap in snaps for _ in range(spec.snaps_per_product)]


def write_replay(folder: Path, spec: ReplaySpec) -> dict[str, Any]:
    """Renders the replay fixture into `folder` (frames replaced); returns its expected.json."""
    indexed, snaps = _snap_list(spec)
    rng = np.random.default_rng(spec.seed + 1)
    if (folder / "frames").exists():
        shutil.rmtree(folder / "frames")
    (folder / "frames").mkdir(parents=True)
    entries, searches = [], []
    for number, (product, in_index) in enumerate(snaps):
        name = f"frames/{number:06d}.jpg"
        view = camera_view(packshot(product), rng, size_wh=spec.size_wh)
        cv2.imwrite(str(folder / name), view, [cv2.IMWRITE_JPEG_QUALITY, 85])
        entries.append({"file": name, "t_ms": number * 500})
        searches.append({"file": name, "gtin": product.gtin, "in_index": in_index})
    expected = {
        "index_gtins": [p.gtin for p in indexed],
        "searches": searches,
        "notes": f"{spec.snaps_per_product} snaps of each of {len(indexed)} indexed products and "
        f"{spec.outside} products not in the index, held in front of a shelf (tilt, blur, glare, "
        "noise, exposure); packshots from tools/make_search_fixture.py",
    }
    _write_json(folder / "timestamps.json", {"fps": 2, "frames": entries})
    _write_json(folder / "expected.json", expected)
    return expected


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=COMMITTED, help="replay fixture folder")
    parser.add_argument("--products", type=int, default=10, help="products in the index")
    parser.add_argument("--outside", type=int, default=2, help="products not in the index")
    parser.add_argument("--snaps", type=int, default=2, help="snaps per product")
    parser.add_argument("--size", default="480x360", help="frame size WxH")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--catalog-out", type=Path, help="also write the catalog folder here")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Writes the replay fixture (and optionally the catalog folder); returns the exit code."""
    args = _parser().parse_args(argv)
    width, _, height = str(args.size).partition("x")
    if not (width.isdigit() and height.isdigit()) or min(args.products, args.snaps) < 1:
        print(
            "make_search_fixture: need --size WxH, --products >= 1, --snaps >= 1", file=sys.stderr
        )
        return 2
    spec = ReplaySpec(args.products, args.outside, args.snaps, (int(width), int(height)), args.seed)
    expected = write_replay(args.out, spec)
    _write_json(
        args.out / "generator.json",
        {"tool": "tools/make_search_fixture.py", "args": argv or [], "seed": args.seed},
    )
    if args.catalog_out is not None:
        write_catalog(args.catalog_out, pick_products(args.products))
    print(f"{args.out}: {len(expected['searches'])} frames, index of {args.products} products")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
