"""Fault tests between devices, broker and hub: the broker restarted while tills publish
(mosquitto and the amqtt fallback), and the hub cut off from the broker by a proxy, then
healed. Each ends with an exact accounting."""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_harness import (
    RestartableBroker,
    TcpProxy,
    Till,
    account,
    applied_count,
    broker_address,
    last_seq,
    missing_in_gaps,
    report,
    start_ingest,
    wait_until,
)

from hub.db.connection import open_database

STORE = "faults"
COUNT = 400


def test_mosquitto_restart_while_tills_publish(
    mosquitto: RestartableBroker,
    hub_db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub = start_ingest(broker_address(mosquitto.endpoint), hub_db_path, STORE)
    tills = [
        Till(mosquitto.endpoint, STORE, f"pos-{n}", tmp_path / f"pos-{n}.db", COUNT, rate=200)
        for n in (1, 2)
    ]
    try:
        for till in tills:
            till.start()
        wait_until(lambda: applied_count(hub_db_path) >= 200, what="sales arrive")
        mosquitto.stop()
        mosquitto.start()
        for till in tills:
            till.wait_done()
        wait_until(lambda: applied_count(hub_db_path) >= 2 * COUNT, what="every sale applied")
    finally:
        for till in tills:
            till.stop()
        hub.stop()
    db = open_database(hub_db_path, run_migrations=False)
    result = account("mosquitto_restart", db, {t.device: COUNT for t in tills})
    result.extra["hub_stale_acks_skipped"] = hub.processor.counters.stale_acks_skipped
    report(result, capsys)


def test_amqtt_restart_while_a_till_publishes(
    tmp_path: Path, hub_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """amqtt keeps no sessions across a restart: what a till publishes before the hub has
    subscribed again has no subscriber and is gone (mosquitto keeps it). The account must
    still be exact: every such loss is a seq gap the hub reports, nothing is applied twice."""
    broker = RestartableBroker("amqtt", tmp_path / "amqtt")
    hub = start_ingest(broker_address(broker.endpoint), hub_db_path, STORE)
    till = Till(broker.endpoint, STORE, "pos-1", tmp_path / "pos-1.db", COUNT, rate=100)
    try:
        till.start()
        wait_until(lambda: applied_count(hub_db_path) >= 100, what="sales arrive")
        broker.stop()
        broker.start()
        assert hub.ingest.wait_subscribed(30), "hub did not come back to amqtt"
        till.wait_done()
        # One more sale once the hub is surely subscribed: a loss at the very end of the
        # stream becomes a gap before it, so nothing lost can go unreported.
        till.count = COUNT + 1
        till.start()
        till.wait_done()
        wait_until(lambda: last_seq(hub_db_path, "pos-1") > COUNT, what="the closing sale")
    finally:
        till.stop()
        hub.stop()
        broker.stop()
    db = open_database(hub_db_path, run_migrations=False)
    result = account("amqtt_restart", db, {"pos-1": COUNT + 1})
    missing = missing_in_gaps(db)
    result.extra["reported_missing"] = missing
    with capsys.disabled():
        print(f"\n{result.line()}")
    assert result.lost == missing, "every lost event is reported as a gap"
    assert result.duplicates_applied == 0 and result.applied + result.lost == COUNT + 1


def test_hub_cut_off_from_the_broker_then_healed(
    mosquitto: RestartableBroker,
    hub_db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    proxy = TcpProxy(mosquitto.endpoint.port)
    hub = start_ingest(broker_address(mosquitto.endpoint, port=proxy.port), hub_db_path, STORE)
    till = Till(mosquitto.endpoint, STORE, "pos-1", tmp_path / "pos-1.db", COUNT, rate=200)
    try:
        till.start()
        wait_until(lambda: applied_count(hub_db_path) >= 100, what="sales arrive")
        proxy.cut()
        wait_until(lambda: not hub.ingest.is_connected(), what="hub notices the cut")
        cut_at = applied_count(hub_db_path)
        till.wait_done()  # the till delivers everything to the broker meanwhile
        proxy.heal()
        wait_until(lambda: applied_count(hub_db_path) >= COUNT, what="backlog applied")
    finally:
        till.stop()
        hub.stop()
        proxy.cut()
    db = open_database(hub_db_path, run_migrations=False)
    result = account("hub_cut_off", db, {"pos-1": COUNT})
    result.extra["applied_before_heal"] = cut_at
    report(result, capsys)
    assert cut_at < COUNT
