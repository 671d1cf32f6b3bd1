"""Tests `aisle bench reconcile` end to end at a small size (figures belong to the benchmark)."""

from __future__ import annotations

import json

import pytest

from aisle.bench import reconcile
from contracts.gtin import is_valid_gtin


def test_reconcile_bench_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert reconcile.main(["--json", "--products", "3000"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["products"] == 3000
    assert result["delta_changes"] == 3000
    assert result["full_sync_s"] > 0 and result["delta_10k_s"] > 0
    assert result["hub_cpu_s_full"] > 0
    assert (result["reconcile_run_applied"], result["ledger_products"]) == (3000, 3000)
    assert result["reconcile_run_findings"] >= 3000  # central holds no availability yet


def test_synthetic_gtins_are_valid_and_distinct() -> None:
    gtins = {reconcile.synthetic_gtin(i) for i in (0, 1, 999_999, 1_000_000)}
    assert len(gtins) == 4 and all(len(g) == 14 and is_valid_gtin(g) for g in gtins)
