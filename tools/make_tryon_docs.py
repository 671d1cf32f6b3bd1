"""Provides the composites in docs/tryon/: garments on the astronaut photo, by the real session.

Usage: python tools/make_tryon_docs.py [--shared-data PATH] [--out docs/tryon]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from edge.core.frames import Frame  # noqa: E402
from edge.inference.face import FaceMeshModel  # noqa: E402
from edge.inference.pose import MoveNetModel  # noqa: E402
from edge.inference.runtime import load_model  # noqa: E402
from edge.inference.segmentation import SelfieSegmenter  # noqa: E402
from edge.tryon.assets import GarmentAsset, load_asset, load_asset_files  # noqa: E402
from edge.tryon.session import TryOnModels, TryOnSession  # noqa: E402
from hub.tryon.assets import build_asset  # noqa: E402

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "tryon"


def _models() -> TryOnModels:
    manifest = REPO_ROOT / "models" / "manifest.json"
    return TryOnModels(
        movenet=MoveNetModel(load_model(manifest, "movenet_lightning")),
        segmenter=SelfieSegmenter(load_model(manifest, "selfie_segmentation")),
        face=FaceMeshModel(
            load_model(manifest, "face_detection_short_range"),
            load_model(manifest, "face_landmark"),
        ),
    )


def _frame() -> Frame:
    image = np.full((480, 640, 3), (150, 160, 170), np.uint8)
    image[:, 80:560] = cv2.resize(cv2.imread(str(FIXTURES / "astronaut.jpg")), (480, 480))
    return Frame(image=image, index=0, t_ms=0.0)


def _shared_asset(garments: Path, category: str) -> GarmentAsset | None:
    for path in sorted((garments / "images" / category).glob("*.jpg")):
        try:
            built = build_asset(
                path.read_bytes(), product_id=path.stem, colour="photo", category=category
            )
        except ValueError:
            continue
        return load_asset(built.png, built.meta.model_dump_json())
    return None


def main(argv: list[str] | None = None) -> int:
    """Writes before/after composites as PNG into the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(os.environ.get("AISLE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument("--shared-data", type=Path, default=default_data, help="shared data dir")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "tryon", help="output")
    args = parser.parse_args(argv)
    assets = {
        "tshirt": load_asset_files(FIXTURES / "tshirt-navy-v1.json"),
        "cap": load_asset_files(FIXTURES / "cap-blue-v1.json"),
    }
    for category in ("outwear", "shirt"):
        found = _shared_asset(args.shared_data / "garments", category)
        if found is not None:
            assets[category] = found
    models, frame = _models(), _frame()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, asset in assets.items():
        with TryOnSession(models, asset) as session:
            result = session.process(frame)
        side = np.hstack([frame.image, result.image])
        small = cv2.resize(side, (side.shape[1] * 3 // 4, side.shape[0] * 3 // 4))
        cv2.imwrite(str(args.out / f"tryon_{name}.png"), small)
        print(name, "dressed" if result.dressed else result.hint)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
