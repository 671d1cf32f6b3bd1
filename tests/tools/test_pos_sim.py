"""Tests the POS simulator's command line and its deterministic sales."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools import pos_sim

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_help_smoke() -> None:
    script = REPO_ROOT / "tools" / "pos_sim.py"
    result = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "--broker-url" in result.stdout


def test_the_same_seed_rings_up_the_same_sales() -> None:
    items = pos_sim.load_items(pos_sim.DEFAULT_STOCK, pos_sim.DEFAULT_CATALOG)
    first = pos_sim.plan_sales(items, count=25, register="pos-1", seed=3)
    again = pos_sim.plan_sales(items, count=25, register="pos-1", seed=3)
    other = pos_sim.plan_sales(items, count=25, register="pos-1", seed=4)
    assert first == again != other
    assert sum(pos_sim.units_sold(first).values()) == sum(
        line.quantity for sale in first for line in sale.lines
    )
    assert all(line.unit_price_cents is not None for sale in first for line in sale.lines)


def test_missing_password_is_a_clear_error() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "tools" / "pos_sim.py"),
            "--broker-url",
            "mqtt://h",
            "--store",
            "s",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin"},
    )
    assert result.returncode == 2
    assert "AISLE_MQTT_PASSWORD" in result.stderr
