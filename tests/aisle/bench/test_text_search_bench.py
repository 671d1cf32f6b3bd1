"""Smoke-tests `aisle bench text-search` (--help, and one tiny run printing its JSON keys)."""

from __future__ import annotations

import json

import pytest

from aisle.bench import main


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["text-search", "--help"])
    assert exit_info.value.code == 0
    assert "--products" in capsys.readouterr().out


def test_a_tiny_run_prints_before_after_and_hub(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["text-search", "--products", "400", "--sample", "20", "--rounds", "1"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["products"] == 400
    assert set(report["before"]["query_ms"]) == {"p50", "p95", "n"}
    assert report["after"]["file_mb"] > 0
    assert (report["hub"]["embedded"], report["hub"]["cached"]) == (4, 396)
