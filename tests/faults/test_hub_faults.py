"""Fault test on the hub itself: SIGKILL of the hub process while it commits batches, then a
restart. Ends with an exact accounting."""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_harness import (
    HubProcess,
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
COUNT = 1000


def test_kill9_of_the_hub_during_a_batch_then_restart(
    mosquitto: RestartableBroker,
    hub_db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub = HubProcess(mosquitto.endpoint, STORE, hub_db_path, tmp_path / "hub.log")
    tills = [
        Till(mosquitto.endpoint, STORE, f"pos-{n}", tmp_path / f"pos-{n}.db", COUNT, rate=120)
        for n in (1, 2)
    ]
    applied_at_kill = []
    # The hub's persistent session exists before the tills start, as it does in a store that
    # ran before: the broker queues for it whenever the hub process is down.
    start_ingest(broker_address(mosquitto.endpoint), hub_db_path, STORE).stop()
    try:
        hub.start()
        for till in tills:
            till.start()
        for threshold in (300, 1100):
            wait_until(lambda t=threshold: applied_count(hub_db_path) >= t, what="hub ingests")
            hub.kill9()
            applied_at_kill.append(applied_count(hub_db_path))
            hub.start()
        for till in tills:
            till.wait_done()
        wait_until(lambda: applied_count(hub_db_path) >= 2 * COUNT, what="every sale applied")
    finally:
        for till in tills:
            till.stop()
        hub.stop()
    db = open_database(hub_db_path, run_migrations=False)
    result = account("hub_kill9", db, {t.device: COUNT for t in tills})
    result.extra["applied_at_kills"] = applied_at_kill
    report(result, capsys)
    assert applied_at_kill[0] < 2 * COUNT  # killed while events still flowed
