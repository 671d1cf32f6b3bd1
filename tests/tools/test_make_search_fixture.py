"""Tests the photo-search fixture tool: --help, a deterministic replay that matches the committed
one, and catalog folders the indexer reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from edge.index.build import read_image_list
from tools.make_search_fixture import ReplaySpec, pick_products, write_catalog, write_replay

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "make_search_fixture.py"
COMMITTED = REPO / "tests" / "fixtures" / "replays" / "photo_search_shelf"


def test_help() -> None:
    result = subprocess.run(
        [sys.executable, str(TOOL), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "--catalog-out" in result.stdout


def test_the_replay_is_the_committed_one(tmp_path: Path) -> None:
    expected = write_replay(tmp_path, ReplaySpec(10, 2, 2, (480, 360), 7))
    assert expected == json.loads((COMMITTED / "expected.json").read_text())
    frames = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert frames == sorted(p.name for p in (COMMITTED / "frames").iterdir())


def test_catalog_folders_are_indexer_input(tmp_path: Path) -> None:
    products = pick_products(3)
    listing = read_image_list(write_catalog(tmp_path, products, photos=2))
    assert [p.gtin for p in listing.products] == sorted(p.gtin for p in products)
    for product in listing.products:
        assert [image.role for image in product.images] == ["catalog", "reference", "reference"]
