"""Smoke-tests the model build tools' --help and the manifest upsert/check helpers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.model_manifest import check_manifest, read_manifest, upsert_model_entry

REPO = Path(__file__).resolve().parents[2]
TOOLS = [
    "build_image_embedders.py",
    "train_image_embedder.py",
    "build_text_embedder.py",
    "build_yolox.py",
    "train_detector.py",
    "model_manifest.py",
]


@pytest.mark.parametrize("tool", TOOLS)
def test_help(tool: str) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / tool), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout.lower()


def test_upsert_keeps_other_entries_and_sorts(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    upsert_model_entry("zeta", {"file": "z.onnx", "sha256": "0"}, manifest)
    upsert_model_entry("alpha", {"file": "a.onnx", "sha256": "1"}, manifest)
    upsert_model_entry("zeta", {"file": "z2.onnx", "sha256": "2"}, manifest)
    data = read_manifest(manifest)
    assert list(data["models"]) == ["alpha", "zeta"]
    assert data["models"]["zeta"]["file"] == "z2.onnx"
    assert json.loads(manifest.read_text()) == data
    assert len(check_manifest(manifest)) == 2  # both files are missing


def test_committed_manifest_hashes_match() -> None:
    assert check_manifest(REPO / "models" / "manifest.json") == []
