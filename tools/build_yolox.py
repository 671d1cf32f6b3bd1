"""Provides the YOLOX-Nano build step: copy the shared ONNX file and its licence into models/.

The file comes from `../shared/data/models/` (an export of Megvii's YOLOX-Nano, COCO, Apache-2.0),
is kept fp32 (static INT8 with generic calibration lost objects; see ../shared/MODELS.md), and is
recorded in `models/manifest.json` with its sha256 and measured latency.

Usage: python tools/build_yolox.py [--shared-data PATH] [--models-dir PATH]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tools.model_manifest import file_sha256, upsert_model_entry  # noqa: E402

NAME = "yolox_nano"
INPUT = {
    "name": "images",
    "shape": [1, 3, 416, 416],
    "dtype": "float32",
    "layout": "NCHW",
    "preprocessing": {
        "resize": "letterbox_top_left",
        "size_hw": [416, 416],
        "pad_value": 114,
        "colour": "BGR",
        "scale": 1.0,
        "mean": [0.0, 0.0, 0.0],
        "std": [1.0, 1.0, 1.0],
        "decoder": "yolox",
    },
}


def _entry(sha256: str, classes: list[str], measured: dict[str, object]) -> dict[str, object]:
    return {
        "version": "1.0.0",
        "file": "yolox_nano.onnx",
        "sha256": sha256,
        "opset": 11,
        "precision": "fp32",
        "source": {
            "package": "shared/data/models/yolox_nano.onnx",
            "version": "Kazuhito00/YOLOX-ONNX-TFLite-Sample@"
            "3d4f1119d0694200671c08069ecb847aa0d8495a",
            "licence": "Apache-2.0",
            "url_or_note": "Megvii YOLOX-Nano (COCO) exported to ONNX; licence in "
            "models/yolox_nano.LICENSE",
        },
        "input": INPUT,
        "outputs": [
            {
                "name": "output",
                "shape": [1, 3549, 85],
                "meaning": "yolox: per anchor (x, y, w, h, objectness, 80 class logits-as-probs), "
                "decoded over strides 8/16/32",
            }
        ],
        "labels": classes,
        "quantization": None,
        "measured": measured,
    }


def _latency_ms(models_dir: Path, runs: int) -> dict[str, object]:
    from edge.inference.runtime import load_model

    model = load_model(models_dir / "manifest.json", NAME)
    import numpy as np

    shape = [int(dim) for dim in model.entry.input.shape]
    tensor = np.random.default_rng(0).uniform(0, 255, size=shape).astype(np.float32)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        model.run_one(tensor)
        times.append((time.perf_counter() - start) * 1000.0)
    return {
        "latency_ms_p50": round(statistics.median(times), 2),
        "threads": 2,
        "runs": runs,
        "note": "fp32 kept: INT8 with generic calibration lost objects (../shared/MODELS.md)",
    }


def main(argv: list[str] | None = None) -> int:
    """Copies YOLOX-Nano into models/ and records it in the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared-data", type=Path, default=REPO_ROOT.parent / "shared" / "data", help="data root"
    )
    parser.add_argument("--models-dir", type=Path, default=REPO_ROOT / "models", help="output")
    parser.add_argument("--runs", type=int, default=30, help="latency runs")
    args = parser.parse_args(argv)
    src = args.shared_data / "models"
    args.models_dir.mkdir(parents=True, exist_ok=True)
    for suffix in (".onnx", ".LICENSE", ".coco_classes.txt"):
        shutil.copyfile(src / f"yolox_nano{suffix}", args.models_dir / f"yolox_nano{suffix}")
    classes = (src / "yolox_nano.coco_classes.txt").read_text(encoding="utf-8").split("\n")
    classes = [line.strip() for line in classes if line.strip()]
    sha = file_sha256(args.models_dir / "yolox_nano.onnx")
    manifest = args.models_dir / "manifest.json"
    upsert_model_entry(NAME, _entry(sha, classes, {}), manifest)
    upsert_model_entry(
        NAME, _entry(sha, classes, _latency_ms(args.models_dir, args.runs)), manifest
    )
    print(f"{NAME}: {sha} ({len(classes)} classes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
