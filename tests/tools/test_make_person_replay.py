"""Tests the try-on demo replay tool: --help, determinism, and the committed fixture's shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "make_person_replay.py"
COMMITTED = REPO / "tests" / "fixtures" / "replays" / "kiosk_tryon_person"


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs the tool in a child process."""
    return subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, check=False
    )


def test_help() -> None:
    result = run_tool("--help")
    assert result.returncode == 0 and "--frames" in result.stdout


def test_the_committed_replay_is_what_the_tool_writes(tmp_path: Path) -> None:
    assert run_tool("--out", str(tmp_path / "replay")).returncode == 0
    made = sorted(p.relative_to(tmp_path / "replay") for p in (tmp_path / "replay").rglob("*"))
    assert made == sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*"))
    for name in made:
        if (COMMITTED / name).is_file():
            assert (COMMITTED / name).read_bytes() == (tmp_path / "replay" / name).read_bytes()
    expected = json.loads((COMMITTED / "expected.json").read_text())
    assert expected["scans"] == [] and expected["notes"]


def test_bad_options_exit_2(tmp_path: Path) -> None:
    assert run_tool("--out", str(tmp_path / "x"), "--frames", "2").returncode == 2
