"""Fault tests on the device side: a till killed with SIGKILL mid-send and restarted, and a
device clock hours off. Each ends with an exact accounting."""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_harness import (
    RestartableBroker,
    Till,
    account,
    applied_count,
    broker_address,
    report,
    start_ingest,
    wait_until,
)

from hub.db.connection import open_database

STORE = "faults"


def test_kill9_of_a_till_mid_send_then_restart(
    mosquitto: RestartableBroker,
    hub_db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub = start_ingest(broker_address(mosquitto.endpoint), hub_db_path, STORE)
    till = Till(mosquitto.endpoint, STORE, "pos-1", tmp_path / "pos-1.db", count=600, rate=300)
    kills = 0
    try:
        till.start()
        for threshold in (100, 300):
            wait_until(lambda t=threshold: applied_count(hub_db_path) >= t, what="sales arrive")
            till.kill9()
            kills += 1
            till.start()
        till.wait_done()
        wait_until(lambda: applied_count(hub_db_path) >= 600, what="all 600 sales applied")
    finally:
        till.stop()
        hub.stop()
    result = account("till_kill9", open_database(hub_db_path, run_migrations=False), {"pos-1": 600})
    result.extra["kills"] = kills
    report(result, capsys)


@pytest.mark.parametrize("offset_h", [-5, 9])
def test_a_device_clock_hours_off_changes_nothing_but_its_timestamps(
    mosquitto: RestartableBroker,
    hub_db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    offset_h: int,
) -> None:
    hub = start_ingest(broker_address(mosquitto.endpoint), hub_db_path, STORE)
    skewed = Till(
        mosquitto.endpoint,
        STORE,
        "pos-skew",
        tmp_path / "skew.db",
        count=150,
        rate=500,
        clock_offset_s=offset_h * 3600,
    )
    honest = Till(mosquitto.endpoint, STORE, "pos-ok", tmp_path / "ok.db", count=150, rate=500)
    try:
        skewed.start()
        honest.start()
        skewed.wait_done()
        honest.wait_done()
        wait_until(lambda: applied_count(hub_db_path) >= 300, what="all sales applied")
    finally:
        skewed.stop()
        honest.stop()
        hub.stop()
    db = open_database(hub_db_path, run_migrations=False)
    skew_h = db.execute(
        "SELECT AVG(julianday(ts) - julianday(received_at)) * 24 FROM events WHERE device = ?",
        ["pos-skew"],
    ).fetchone()[0]
    result = account(f"clock_off_{offset_h:+d}h", db, {"pos-skew": 150, "pos-ok": 150})
    result.extra["device_ts_minus_hub_h"] = round(float(skew_h), 2)
    report(result, capsys)
    assert abs(float(skew_h) - offset_h) < 0.1  # kept as the device said, beside the hub's time
