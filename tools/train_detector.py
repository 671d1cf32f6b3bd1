"""Provides the store-detector tool: train an ultralytics YOLOv8/YOLO11 detector and export ONNX.

For a workstation with the optional `train` extra (`pip install torch==2.13.0 ultralytics`; pin
torch first or pip pulls the CUDA build). Training needs a working torchvision, which these CPU
machines lack (`torchvision::nms` is missing), so here only `--export-only` runs: it builds the
model from its YAML (untrained unless `--weights` is given) and exports it. The ONNX output
(`output0`, (1, 4 + C, A)) is what `edge/inference/detector.py` decodes as "ultralytics"; the
manifest entry is written with `--register` so `edge/inference/runtime.py` can load it.

Usage:
  python tools/train_detector.py --data shelves.yaml --model yolov8n.yaml --epochs 100 --register
  python tools/train_detector.py --export-only --model yolov8n.yaml --classes 2 --out det.onnx
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tools.model_manifest import file_sha256, upsert_model_entry  # noqa: E402


def build_from_yaml(model_yaml: str, classes: int, width: float | None, work_dir: Path) -> Any:
    """An untrained ultralytics model from a YAML, with `classes` outputs and optional width."""
    import yaml
    from ultralytics import YOLO
    from ultralytics.nn.tasks import yaml_model_load

    cfg = yaml_model_load(model_yaml)
    cfg["nc"] = classes
    if width is not None:
        scale = cfg.pop("scales", {}).get(cfg.get("scale") or "n", [0.33, 0.25, 1024])
        cfg.pop("scale", None)
        cfg["depth_multiple"], cfg["width_multiple"] = scale[0], width
    stem = "custom" if width is not None else Path(model_yaml).stem
    path = work_dir / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return YOLO(str(path), task="detect")


def export_onnx(model: Any, imgsz: int, out_path: Path) -> Path:
    """Exports with ultralytics' own exporter (static 1x3ximgszximgsz, opset 13, no simplify)."""
    exported = Path(model.export(format="onnx", imgsz=imgsz, opset=13, simplify=False))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(exported), out_path)
    return out_path


def manifest_entry(out_path: Path, imgsz: int, names: list[str], note: str) -> dict[str, Any]:
    """The `models/manifest.json` entry of an exported ultralytics detector."""
    import onnx

    graph = onnx.load(str(out_path)).graph
    out_dims = [d.dim_value for d in graph.output[0].type.tensor_type.shape.dim]
    return {
        "version": "1.0.0",
        "file": out_path.name,
        "sha256": file_sha256(out_path),
        "opset": 13,
        "precision": "fp32",
        "source": {
            "package": "ultralytics",
            "version": _ultralytics_version(),
            "licence": "AGPL-3.0 (ultralytics)",
            "url_or_note": note,
        },
        "input": {
            "name": graph.input[0].name,
            "shape": [1, 3, imgsz, imgsz],
            "dtype": "float32",
            "layout": "NCHW",
            "preprocessing": {
                "resize": "letterbox_center",
                "size_hw": [imgsz, imgsz],
                "pad_value": 114,
                "colour": "RGB",
                "scale": 1.0 / 255.0,
                "decoder": "ultralytics",
            },
        },
        "outputs": [
            {"name": graph.output[0].name, "shape": out_dims, "meaning": "(cx, cy, w, h, scores)"}
        ],
        "labels": names,
        "quantization": None,
        "measured": {},
    }


def _ultralytics_version() -> str:
    import ultralytics

    return str(ultralytics.__version__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="yolov8n.yaml", help="model YAML (yolov8n, yolo11n...)")
    parser.add_argument("--weights", type=Path, help="start from these .pt weights instead")
    parser.add_argument("--data", type=Path, help="ultralytics dataset YAML (training only)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--imgsz", type=int, default=640)
    parser.add_argument("--classes", type=int, default=80, help="classes of a YAML-built model")
    parser.add_argument("--width", type=float, help="override width multiple (tiny test models)")
    parser.add_argument("--export-only", action="store_true", help="skip training")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "store_detector.onnx")
    parser.add_argument("--register", action="store_true", help="upsert into the manifest")
    parser.add_argument("--name", default="store_detector", help="manifest name")
    parser.add_argument("--manifest", type=Path, default=REPO_ROOT / "models" / "manifest.json")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Trains (unless --export-only), exports, and optionally registers the detector."""
    args = _parser().parse_args(argv)
    if not args.export_only and args.data is None:
        print("train_detector: --data is required unless --export-only", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        if args.weights is not None:
            from ultralytics import YOLO

            model = YOLO(str(args.weights))
        else:
            model = build_from_yaml(args.model, args.classes, args.width, Path(tmp))
        if not args.export_only:
            model.train(data=str(args.data), epochs=args.epochs, imgsz=args.imgsz, device="cpu")
        out = export_onnx(model, args.imgsz, args.out)
    names = [str(model.names[i]) for i in sorted(model.names)]
    note = "trained by tools/train_detector.py" if not args.export_only else "untrained export"
    if args.register:
        upsert_model_entry(args.name, manifest_entry(out, args.imgsz, names, note), args.manifest)
    print(f"exported {out} ({out.stat().st_size / 1e6:.2f} MB, {len(names)} classes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
