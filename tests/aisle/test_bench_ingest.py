"""Tests `aisle bench ingest` end to end at a small size (figures are not asserted: they belong
to the benchmark run, not to tests)."""

from __future__ import annotations

import json

import pytest

from aisle.bench import ingest


def test_ingest_bench_prints_the_three_figures(capsys: pytest.CaptureFixture[str]) -> None:
    code = ingest.main(["--json", "--events", "400", "--latency-events", "100"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert {"events_per_s", "p99_ms_at_500", "sqlite_ceiling_per_s"} <= set(result)
    assert result["events"] == 400
    assert result["latency_events"] == 100
    assert result["events_per_s"] > 0 and result["sqlite_ceiling_per_s"] > 0


def test_ingest_bench_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        ingest.main(["--help"])
    assert exc.value.code == 0
    assert "sqlite-utils" in capsys.readouterr().out
