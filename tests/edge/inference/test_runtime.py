"""Tests the onnxruntime adapter against the real committed models and doctored manifests."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edge.errors import EdgeError, ManifestMismatch, ModelUnavailable
from edge.inference.runtime import RuntimeConfig, file_sha256, load_model

MODELS_DIR = Path(__file__).resolve().parents[3] / "models"
MANIFEST = MODELS_DIR / "manifest.json"


def test_committed_models_load_and_run() -> None:
    for name in json.loads(MANIFEST.read_text())["models"]:
        model = load_model(MANIFEST, name, config=RuntimeConfig(warmup_runs=1))
        assert model.entry.sha256
        assert model.name == name


def test_yolox_output_shape() -> None:
    model = load_model(MANIFEST, "yolox_nano", config=RuntimeConfig(intra_op_threads=1))
    (out,) = model.run_one(np.zeros((1, 3, 416, 416), dtype=np.float32))
    assert out.shape == (1, 3549, 85)


def _copy(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    shutil.copyfile(MODELS_DIR / "yolox_nano.onnx", tmp_path / "yolox_nano.onnx")
    data = json.loads(MANIFEST.read_text())
    entry = data["models"]["yolox_nano"]
    edit(entry)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"models": {"yolox_nano": entry}}))
    return manifest


def _set(path: list[str], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(entry: dict[str, Any]) -> None:
        node = entry
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (_set(["sha256"], "0" * 64), ManifestMismatch),
        (_set(["input", "shape"], [1, 3, 320, 320]), ManifestMismatch),
        (_set(["input", "shape"], [1, 3, 416]), ManifestMismatch),
        (_set(["input", "shape"], ["batch", 3, 416, 416]), ManifestMismatch),
        (_set(["input", "dtype"], "uint8"), ManifestMismatch),
        (_set(["input", "name"], "pixels"), ManifestMismatch),
        (_set(["outputs"], [{"name": "boxes"}]), ManifestMismatch),
        (_set(["precision"], "fp16"), ManifestMismatch),
        (_set(["file"], "absent.onnx"), ModelUnavailable),
    ],
)
def test_manifest_mismatch_is_refused(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], error: type[EdgeError]
) -> None:
    manifest = _copy(tmp_path, edit)
    with pytest.raises(error):
        load_model(manifest, "yolox_nano")


def test_corrupt_file_is_refused(tmp_path: Path) -> None:
    manifest = _copy(tmp_path, lambda entry: None)
    with (tmp_path / "yolox_nano.onnx").open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(ManifestMismatch, match="sha256"):
        load_model(manifest, "yolox_nano")


def test_file_that_is_not_onnx_is_refused(tmp_path: Path) -> None:
    manifest = _copy(tmp_path, lambda entry: None)
    garbage = tmp_path / "yolox_nano.onnx"
    garbage.write_bytes(b"not an onnx model")
    data = json.loads(manifest.read_text())
    data["models"]["yolox_nano"]["sha256"] = file_sha256(garbage)
    manifest.write_text(json.dumps(data))
    with pytest.raises(ManifestMismatch, match="cannot load"):
        load_model(manifest, "yolox_nano")


def test_unknown_model_and_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="not in the manifest"):
        load_model(MANIFEST, "no_such_model")
    with pytest.raises(ModelUnavailable):
        load_model(tmp_path / "manifest.json", "yolox_nano")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestMismatch):
        load_model(tmp_path / "manifest.json", "yolox_nano")


def test_run_checks_feeds() -> None:
    model = load_model(MANIFEST, "yolox_nano", config=RuntimeConfig(warmup_runs=0))
    with pytest.raises(ValueError, match="float32"):
        model.run_one(np.zeros((1, 3, 416, 416), dtype=np.float64))
    with pytest.raises(ValueError, match="expected inputs"):
        model.run({"other": np.zeros((1,), dtype=np.float32)})
