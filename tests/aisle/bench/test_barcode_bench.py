"""Tests of `aisle bench barcode` on small corpora: the committed photos and the shared corpus."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from aisle.bench import main as bench_main
from aisle.bench.barcode import canonical_retail, load_manifest, main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "barcodes"
SYSTEMS = ("aisle", "zbar", "zxing")
FIELDS = {"rate", "wrong", "false_positives", "median_ms", "p95_ms"}


def _run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main([*argv, "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_bench_prints_one_json_object_per_format(capsys: pytest.CaptureFixture[str]) -> None:
    result = _run_json(["--manifest", str(FIXTURES / "manifest.csv")], capsys)
    formats = result["formats"]
    assert isinstance(formats, dict)
    assert set(formats) == {"code128", "ean13", "none", "qrcode", "upca", "upce"}
    for entry in formats.values():
        assert entry["n"] >= 1
        for system in SYSTEMS:
            assert set(entry[system]) >= FIELDS
            assert 0.0 <= entry[system]["rate"] <= 1.0
    # The committed photos are the hard cases: aisle reads all, right, and nothing in `none`.
    for fmt, entry in formats.items():
        aisle = entry["aisle"]
        assert aisle["wrong"] == 0 and aisle["false_positives"] == 0, fmt
        if fmt != "none":
            assert aisle["rate"] == 1.0, fmt


def test_bench_table_and_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        bench_main(["barcode", "--manifest", str(FIXTURES / "manifest.csv"), "--limit", "1"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["format", "n", "aisle"]
    assert len(lines) == 1 + 6  # one row per format, one image each


def test_bench_scores_wrong_reads_and_unreadable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A manifest whose expected text disagrees with the photo: every read of it is wrong.
    rows = list(csv.DictReader((FIXTURES / "manifest.csv").open(encoding="utf-8", newline="")))
    row = next(r for r in rows if r["file"] == "ean13-1__34.webp")
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(
            {**row, "file": str(FIXTURES / row["file"]), "expected_text": "4006381333931"}
        )
        writer.writerow({**row, "file": "missing.png"})
    result = _run_json(["--manifest", str(manifest)], capsys)
    formats = result["formats"]
    assert isinstance(formats, dict)
    assert formats["ean13"]["aisle"]["wrong"] == 1
    assert formats["ean13"]["aisle"]["rate"] == 0.0
    assert result["unreadable"] == ["missing.png"]


def test_bench_refuses_a_manifest_without_its_columns(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("name,kind\nx.png,ean13\n", encoding="utf-8")
    assert main(["--manifest", str(manifest)]) == 2
    assert main(["--manifest", str(tmp_path / "absent.csv")]) == 2


@pytest.mark.parametrize(
    ("text", "upce", "expected"),
    [
        ("0036602301467", False, "00036602301467"),  # UPC-A written as GTIN-13
        ("036602301467", False, "00036602301467"),
        ("01234565", True, "00012345000065"),
        (" 9780804816632", False, "09780804816632"),
        ("12", False, "12"),
    ],
)
def test_ean_upc_compare_as_gtin14(text: str, upce: bool, expected: str) -> None:
    assert canonical_retail(text, upce=upce) == expected


def test_bench_on_the_shared_corpus(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = shared_data / "barcodes" / "manifest.csv"
    if not manifest.is_file():
        pytest.skip(f"barcode corpus not found at {manifest}")
    assert len(load_manifest(manifest)) > 300
    result = _run_json(["--manifest", str(manifest), "--limit", "2"], capsys)
    formats = result["formats"]
    assert isinstance(formats, dict)
    assert {"ean13", "upca", "qrcode", "none"} <= set(formats)
    assert formats["none"]["aisle"]["false_positives"] == 0
