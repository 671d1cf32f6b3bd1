"""Provides the committed try-on test fixtures: garment assets built from the shared CC0 photos.

Writes `tests/fixtures/tryon/<asset_id>.png|.json` for a t-shirt and a hat through the hub's real
builder, so tests and `aisle bench tryon` run without the shared data. The astronaut photo beside
them (scikit-image's `astronaut`, public domain) is the person.

Usage: python tools/make_tryon_fixtures.py [--shared-data PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from hub.tryon.assets import build_asset, write_asset  # noqa: E402

FIXTURE_PHOTOS = {
    "tshirt": ("images/t-shirt/0809f68f-44bf-4eb4-bf09-dd50446f96cf.jpg", "t-shirt", "navy"),
    "cap": ("images/hat/24fcfe3e-4ea1-481e-9f39-37a2edcb2c99.jpg", "hat", "blue"),
}


def main(argv: list[str] | None = None) -> int:
    """Builds the fixture assets; exits 2 when the shared data is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(os.environ.get("AISLE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument("--shared-data", type=Path, default=default_data, help="shared data dir")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "tests" / "fixtures" / "tryon")
    args = parser.parse_args(argv)
    garments = args.shared_data / "garments"
    if not garments.is_dir():
        print(f"garment photos not found under {garments}", file=sys.stderr)
        return 2
    for product_id, (path, category, colour) in FIXTURE_PHOTOS.items():
        asset = build_asset(
            (garments / path).read_bytes(), product_id=product_id, colour=colour, category=category
        )
        png, meta = write_asset(asset, args.out)
        anchors = sorted(asset.meta.anchors)
        print(f"{meta.name}: {asset.meta.kind}, anchors {anchors}, {png.stat().st_size} B")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
