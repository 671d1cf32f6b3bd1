"""Provides calibration images, static INT8 quantization and fp32-vs-INT8 checks of try-on models.

Calibration and evaluation images are scikit-image's `astronaut` (public domain) under random
scale, shift, rotation, flip, lighting and noise; the evaluation set uses other seeds than the
calibration set. Face models see face crops of the same images. Run from `.venv-tf`.

Usage: python tools/tryon_model_quality.py --help
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.tryon_model_specs import SPECS, ModelSpec

Rgb = npt.NDArray[np.uint8]
ASTRONAUT_FACE_XYXY = (150, 20, 330, 230)


def astronaut_rgb() -> Rgb:
    """Returns scikit-image's astronaut photo (public domain), 512x512 RGB."""
    from skimage import data

    image: Rgb = data.astronaut()
    return image


def _vary(image: Rgb, rng: np.random.Generator) -> Rgb:
    h, w = image.shape[:2]
    scale = rng.uniform(0.55, 1.15)
    angle = rng.uniform(-12, 12)
    shift = rng.uniform(-0.15, 0.15, size=2) * (w, h)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    matrix[:, 2] += shift
    background = tuple(int(v) for v in rng.integers(0, 256, size=3))
    out = cv2.warpAffine(image, matrix, (w, h), borderValue=background)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    gain, bias = rng.uniform(0.6, 1.3), rng.uniform(-30, 30)
    noisy = out.astype(np.float32) * gain + bias + rng.normal(0, rng.uniform(0, 8), out.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def person_images(seed: int, count: int) -> list[Rgb]:
    """Returns `count` varied astronaut images (512x512 RGB); seed 0 is kept for calibration."""
    rng = np.random.default_rng(seed)
    base = astronaut_rgb()
    return [base, *(_vary(base, rng) for _ in range(count - 1))]


def face_crops(seed: int, count: int) -> list[Rgb]:
    """Returns `count` jittered crops around the astronaut's face, varied in size and lighting."""
    rng = np.random.default_rng(seed)
    base = astronaut_rgb()
    x0, y0, x1, y1 = ASTRONAUT_FACE_XYXY
    crops = []
    for _ in range(count):
        dx, dy = (int(v) for v in rng.integers(-20, 21, size=2))
        pad = int(rng.integers(0, 30))
        crop = base[max(0, y0 + dy - pad) : y1 + dy + pad, max(0, x0 + dx - pad) : x1 + dx + pad]
        gain = rng.uniform(0.7, 1.2)
        crops.append(np.clip(crop.astype(np.float32) * gain, 0, 255).astype(np.uint8))
    return crops


def letterbox(image: Rgb, size: int, pad_value: int = 0) -> Rgb:
    """Returns `image` scaled to fit a `size` square, centred, padded with `pad_value`."""
    h, w = image.shape[:2]
    scale = size / max(h, w)
    nh, nw = round(h * scale), round(w * scale)
    out = np.full((size, size, 3), pad_value, dtype=np.uint8)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top : top + nh, left : left + nw] = cv2.resize(image, (nw, nh))
    return out


def preprocess(spec: ModelSpec, image: Rgb) -> npt.NDArray[Any]:
    """Returns the model input tensor for one RGB image, following the spec's preprocessing."""
    size = spec.input_shape[1]
    pre = spec.preprocessing
    square = letterbox(image, size) if pre["resize"].startswith("letterbox") else None
    if square is None:
        square = cv2.resize(image, (size, size))
    if spec.input_dtype == "uint8":
        return square[None]
    tensor = square.astype(np.float32) * float(pre["scale"]) + float(pre.get("offset", 0.0))
    return tensor[None]


def eval_inputs(spec: ModelSpec, seed: int, count: int) -> list[npt.NDArray[Any]]:
    """Returns preprocessed inputs for calibration (seed 0) or evaluation (another seed)."""
    images = face_crops(seed, count) if spec.name.startswith("face") else person_images(seed, count)
    return [preprocess(spec, image) for image in images]


def _xy_shift(a: npt.NDArray[Any], b: npt.NDArray[Any], scale: float) -> float:
    return float(np.linalg.norm((a - b) * scale, axis=-1).mean())


def _metric(spec: ModelSpec, ref: list[Any], got: list[Any]) -> float:
    if spec.name == "movenet_lightning":
        keep = ref[0][0, 0, :, 2] > 0.3
        return _xy_shift(ref[0][0, 0, keep, :2], got[0][0, 0, keep, :2], 192.0)
    if spec.name == "selfie_segmentation":
        a, b = ref[0] > 0.5, got[0] > 0.5
        return float((a & b).sum() / max(1, (a | b).sum()))
    if spec.name == "blazepose_landmark_lite":
        return _xy_shift(ref[0].reshape(39, 5)[:33, :2], got[0].reshape(39, 5)[:33, :2], 1.0)
    if spec.name == "face_detection_short_range":
        best = int(ref[1][0, :, 0].argmax())
        return _xy_shift(ref[0][0, best, :2], got[0][0, best, :2], 1.0)
    return _xy_shift(ref[0].reshape(468, 3)[:, :2], got[0].reshape(468, 3)[:, :2], 1.0)


def _session(path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def latency_ms(path: Path, tensor: npt.NDArray[Any], runs: int = 30) -> float:
    """Returns the median latency of one inference in milliseconds (2 threads, after warm-up)."""
    session = _session(path)
    feed = {session.get_inputs()[0].name: tensor}
    for _ in range(3):
        session.run(None, feed)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def compare(spec: ModelSpec, fp32: Path, int8: Path, inputs: list[Any]) -> dict[str, Any]:
    """Measures INT8 against fp32 on `inputs`: the spec's metric (mean), worst case, latencies."""
    ref_s, got_s = _session(fp32), _session(int8)
    name = ref_s.get_inputs()[0].name
    values = [_metric(spec, ref_s.run(None, {name: x}), got_s.run(None, {name: x})) for x in inputs]
    metric, bound = spec.int8_bound
    higher_is_better = "iou" in metric
    worst = min(values) if higher_is_better else max(values)
    mean = float(np.mean(values))
    keeps = mean >= bound if higher_is_better else mean <= bound
    return {
        "metric": metric,
        "bound": bound,
        "int8_mean": round(mean, 4),
        "int8_worst": round(worst, 4),
        "int8_keeps_accuracy": bool(keeps),
        "eval_images": len(inputs),
        "fp32_latency_ms": latency_ms(fp32, inputs[0]),
        "int8_latency_ms": latency_ms(int8, inputs[0]),
        "fp32_size_bytes": fp32.stat().st_size,
        "int8_size_bytes": int8.stat().st_size,
    }


class _Reader:
    def __init__(self, name: str, inputs: list[Any]) -> None:
        self._items: Iterator[dict[str, Any]] = iter([{name: x} for x in inputs])

    def get_next(self) -> dict[str, Any] | None:
        return next(self._items, None)


def quantize(spec: ModelSpec, fp32: Path, out: Path, calibration: list[Any]) -> dict[str, Any]:
    """Writes a static QDQ INT8 model (per-channel QInt8 weights, QUInt8 activations).

    Returns:
        The quantization recipe for the manifest.
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = out.with_suffix(".pre.onnx")
    quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
    quantize_static(
        str(pre),
        str(out),
        _Reader(spec.input_name, calibration),  # type: ignore[arg-type]
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        weight_type=QuantType.QInt8,
        activation_type=QuantType.QUInt8,
        calibrate_method=CalibrationMethod.MinMax,
    )
    pre.unlink()
    return {
        "method": "onnxruntime quantize_static QDQ after quant_pre_process",
        "weights": "QInt8 per-channel",
        "activations": "QUInt8",
        "calibration": f"MinMax on {len(calibration)} varied astronaut images (seed 0)",
    }


def main(argv: list[str] | None = None) -> int:
    """Prints the preprocessed calibration-set shapes of each model (a smoke check)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4, help="images per model to preprocess")
    args = parser.parse_args(argv)
    fns: dict[str, Callable[[], list[Any]]] = {
        name: (lambda spec=spec: eval_inputs(spec, 0, args.count)) for name, spec in SPECS.items()
    }
    for name, make in fns.items():
        tensors = make()
        print(name, len(tensors), tensors[0].shape, tensors[0].dtype)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
