"""Runs `aisle bench search` end to end on a small slice of the grocery dataset (real models)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from aisle.bench.search import main

PRODUCTS = 4


def _slice(shared_data: Path, tmp_path: Path) -> Path:
    grocery = shared_data / "grocery"
    with (grocery / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    keep_ids = sorted({r["fine_id"] for r in rows if r["role"] == "val"}, key=int)[:PRODUCTS]
    picked, counts = [], {}
    for row in rows:
        key = (row["fine_id"], row["role"])
        limit = {"gallery_iconic": 1, "train": 4, "val": 2}[row["role"]]
        if row["fine_id"] in keep_ids and counts.get(key, 0) < limit:
            counts[key] = counts.get(key, 0) + 1
            picked.append({**row, "path": str(grocery / row["path"])})
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(picked)
    return manifest


def test_bench_prints_the_issue_json(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = _slice(shared_data, tmp_path)
    argv = ["--manifest", str(manifest), "--json", "--sizes", "50", "500"]
    assert main([*argv, "--latency-queries", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["methods"]) == {"histogram", "plain", "aisle_fp32", "aisle_int8"}
    for row in result["methods"].values():
        assert set(row) == {"iconic_r1", "iconic_r5", "reference_r1", "reference_r5"}
        assert all(0.0 <= value <= 1.0 for value in row.values())
        assert row["iconic_r5"] >= row["iconic_r1"]
    assert set(result["latency_ms"]) == {"50", "500"}
    assert result["latency_ms"]["500"]["p95"] >= result["latency_ms"]["500"]["p50"] > 0


def test_bench_refuses_a_manifest_without_queries(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = _slice(shared_data, tmp_path)
    assert main(["--manifest", str(manifest), "--query-role", "query"]) == 2
    assert "no rows with role 'query'" in capsys.readouterr().err
