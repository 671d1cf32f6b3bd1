"""Runs `aisle bench dashboard` on a small store: every page answers, the live stream delivers,
and the JSON has the documented shape (timings themselves are the benchmark's business)."""

from __future__ import annotations

import json

import pytest

from aisle.bench.dashboard import PAGES, main

pytestmark = pytest.mark.timeout(120)


def test_bench_dashboard_prints_page_and_live_timings(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--json", "--products", "2000", "--movements", "20000", "--events", "500"]
    assert main([*argv, "--requests", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["pages"]) == set(PAGES)
    for stats in result["pages"].values():
        assert 0 < stats["p50_ms"] <= stats["p95_ms"]
    assert result["live_event_ms"]["p95"] > 0
    assert result["store"] == {
        "products": 2000,
        "movements": 20000,
        "events": 500,
        "build_s": result["store"]["build_s"],
    }
