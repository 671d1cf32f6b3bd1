"""Tests `aisle bench card`'s command line and its statistics (the run itself is a benchmark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisle.bench.card import build_parser, demo_gtins, main, run, summary


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "aisle bench card" in capsys.readouterr().out


def test_bad_iterations_is_exit_2() -> None:
    assert main(["--iterations", "0"]) == 2


def test_summary_percentiles() -> None:
    stats = summary([float(value) for value in range(1, 101)])
    assert (stats["p50"], stats["max"], stats["n"]) == (50.5, 100.0, 100)
    assert 94.0 <= stats["p95"] <= 96.0
    assert summary([7.0]) == {"p50": 7.0, "p95": 7.0, "max": 7.0, "n": 1}


def test_demo_gtins_are_gtin14() -> None:
    gtins = demo_gtins(5)
    assert len(gtins) == 5 and all(len(gtin) == 14 and gtin.isdigit() for gtin in gtins)


def test_one_scan_of_each_kind_through_a_real_store(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--iterations", "1", "--warmup", "0"])
    result = run(args, tmp_path)
    for name in ("scan_to_card_ms", "scan_to_card_from_card_ms", "scan_to_answer_ms"):
        stats = result[name]
        assert isinstance(stats, dict) and stats["n"] == 1 and stats["p50"] > 0
