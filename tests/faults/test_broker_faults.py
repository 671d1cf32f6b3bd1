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
    complete,
    outbox_delivered,
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
    subscribed again is acknowledged to the till and then dropped. The till keeps what it sent
    (its sent archive); the hub sees the seq gap (or the till's `delivered_seq` beyond what it
    has) and asks for a resend, so the account is exact: nothing lost, nothing applied twice."""
    broker = RestartableBroker("amqtt", tmp_path / "amqtt")
    hub = start_ingest(broker_address(broker.endpoint), hub_db_path, STORE)
    till = Till(broker.endpoint, STORE, "pos-1", tmp_path / "pos-1.db", COUNT, rate=100)
    till.serve = True
    try:
        till.start()
        wait_until(lambda: applied_count(hub_db_path) >= 100, what="sales arrive")
        broker.stop()
        broker.start()
        assert hub.ingest.wait_subscribed(30), "hub did not come back to amqtt"
        wait_until(lambda: complete(hub_db_path, "pos-1", COUNT), what="every sale applied")
        till_output = till.finish()
    finally:
        till.stop()
        hub.stop()
        broker.stop()
    db = open_database(hub_db_path, run_migrations=False)
    result = account("amqtt_restart", db, {"pos-1": COUNT})
    assert hub.ingest.resend is not None
    resend = hub.ingest.resend.stats()
    result.extra["resend_commands"] = resend.commands
    result.extra["seqs_asked"] = resend.seqs_asked
    result.extra["gaps_opened"] = hub.processor.counters.gaps_opened
    result.extra["of_which_from_state"] = hub.processor.counters.gaps_from_state
    result.extra["till"] = next(
        line for line in till_output.splitlines() if line.startswith("resend_commands_seen=")
    )
    report(result, capsys)


def test_amqtt_restart_loses_the_tail_that_only_delivered_seq_reveals(
    tmp_path: Path, hub_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hub is away while a till rings up its last 100 sales; amqtt queues them for the hub's
    session, acknowledges them to the till, then restarts and forgets them. No later sale shows
    the gap: only the till's state (`delivered_seq` 400) does, and the resend fills it."""
    broker = RestartableBroker("amqtt", tmp_path / "amqtt")
    hub = start_ingest(broker_address(broker.endpoint), hub_db_path, STORE)
    outbox = tmp_path / "pos-1.db"
    till = Till(broker.endpoint, STORE, "pos-1", outbox, COUNT - 100, rate=400)
    try:
        till.start()
        till.wait_done()
        wait_until(lambda: complete(hub_db_path, "pos-1", COUNT - 100), what="first sales")
        hub.stop()
        till.count, till.serve = COUNT, True
        till.start()
        wait_until(lambda: outbox_delivered(outbox) == COUNT, what="the broker acked the tail")
        broker.stop()
        broker.start()
        hub = start_ingest(broker_address(broker.endpoint), hub_db_path, STORE)
        wait_until(lambda: complete(hub_db_path, "pos-1", COUNT), what="the tail resent")
        till.finish()
    finally:
        till.stop()
        hub.stop()
        broker.stop()
    db = open_database(hub_db_path, run_migrations=False)
    result = account("amqtt_restart_tail", db, {"pos-1": COUNT})
    counters = hub.processor.counters
    result.extra["gaps_from_state"] = counters.gaps_from_state
    assert hub.ingest.resend is not None
    result.extra["seqs_asked"] = hub.ingest.resend.stats().seqs_asked
    report(result, capsys)
    assert counters.gaps_from_state == 1, "the tail was revealed by the till's state"


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
