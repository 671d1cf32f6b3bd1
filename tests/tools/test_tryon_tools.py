"""Tests that every try-on build tool answers `--help` (they run in CI only as smoke tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "tool",
    [
        "build_tryon_models.py",
        "tf2onnx_compat.py",
        "tryon_model_quality.py",
        "make_tryon_fixtures.py",
        "make_tryon_docs.py",
    ],
)
def test_tool_answers_help(tool: str) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / tool), "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout.lower()
