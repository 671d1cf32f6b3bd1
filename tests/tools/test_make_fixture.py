"""Tests the fixture maker (help, a small generation) and the committed replay fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contracts.gtin import is_valid_gtin

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tools" / "make_fixture.py"
REPLAYS = REPO_ROOT / "tests" / "fixtures" / "replays"
COMMITTED = [
    "kiosk_oat_milk",
    "glasses_two_items",
    "kiosk_unknown_code",
    "kiosk_two_in_view",
    "kiosk_far_code",
]
MAX_FIXTURE_BYTES = 1024 * 1024


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs tools/make_fixture.py with `args`."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def check(folder: Path) -> dict[str, Any]:
    """Decodes a fixture with `make_fixture.py --check-fixture` and returns its JSON report."""
    result = run_tool("--check-fixture", str(folder))
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_help_smoke() -> None:
    result = run_tool("--help")
    assert result.returncode == 0
    assert "--scenario" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "held"], "needs 1"),
        (["--scenario", "two_in_view", "--gtin", "featured:mug"], "needs 2"),
        (["--gtin", "featured:no_such"], "no featured product"),
        (["--gtin", "4012734004358"], "not a valid GTIN"),
        (["--gtin", "featured:mug", "--size", "big"], "--size"),
        (["--gtin", "featured:mug", "--frames", "5"], "too few frames"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_tool("--out", str(tmp_path / "fx"), *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_small_generation_is_decodable(tmp_path: Path) -> None:
    folder = tmp_path / "fx"
    result = run_tool(
        "--out",
        str(folder),
        "--scenario",
        "held",
        "--gtin",
        "featured:mug",
        "--frames",
        "14",
        "--fps",
        "10",
        "--item-size",
        "0.7",
        "--verify",
    )
    assert result.returncode == 0, result.stderr
    timestamps = json.loads((folder / "timestamps.json").read_text())
    assert timestamps["fps"] == 10
    assert [entry["t_ms"] for entry in timestamps["frames"]] == [i * 100 for i in range(14)]
    assert all((folder / entry["file"]).is_file() for entry in timestamps["frames"])
    report = check(folder)
    assert report["problems"] == []
    assert report["frames"] == 14


def test_generation_is_deterministic(tmp_path: Path) -> None:
    args = ["--scenario", "held", "--gtin", "unknown:1", "--frames", "12", "--size", "320x240"]
    run_tool("--out", str(tmp_path / "a"), *args)
    run_tool("--out", str(tmp_path / "b"), *args)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.jpg"))
    assert len(files) == 12
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files
    )


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_fixture_is_well_formed(name: str) -> None:
    folder = REPLAYS / name
    timestamps = json.loads((folder / "timestamps.json").read_text())
    expected = json.loads((folder / "expected.json").read_text())
    times = [entry["t_ms"] for entry in timestamps["frames"]]
    assert times == sorted(set(times)) and times[0] == 0
    assert all((folder / entry["file"]).is_file() for entry in timestamps["frames"])
    assert expected["scans"] and expected["notes"]
    for scan in expected["scans"]:
        assert is_valid_gtin(scan["gtin"]) and len(scan["gtin"]) == 14
        assert scan["gtin"].endswith(scan["text"])
    assert sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) < MAX_FIXTURE_BYTES


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_fixture_scans_are_achievable(name: str) -> None:
    report = check(REPLAYS / name)
    assert report["problems"] == []
    expected = json.loads((REPLAYS / name / "expected.json").read_text())
    for scan in expected["scans"]:
        assert max(report["zxing"].get(scan["gtin"], 0), report["zbar"].get(scan["gtin"], 0)) >= 3


def test_unknown_fixture_code_is_not_in_the_catalog() -> None:
    catalog = json.loads((REPO_ROOT / "central" / "data" / "demo_catalog.json").read_text())
    expected = json.loads((REPLAYS / "kiosk_unknown_code" / "expected.json").read_text())
    gtin = expected["scans"][0]["gtin"]
    assert gtin in catalog["unknown_gtins"]
    assert gtin not in {p["gtin"] for p in catalog["products"]}


def test_oat_milk_fixture_shows_the_featured_oat_milk() -> None:
    catalog = json.loads((REPO_ROOT / "central" / "data" / "demo_catalog.json").read_text())
    expected = json.loads((REPLAYS / "kiosk_oat_milk" / "expected.json").read_text())
    assert [s["gtin"] for s in expected["scans"]] == [catalog["featured"]["oat_milk"]]
