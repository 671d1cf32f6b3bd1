"""Fault test of the resend path's honest end: events a broker acknowledged and dropped, which
the device has since pruned from its sent archive, are reported as a permanent loss with their
range (`seq_losses`, the gap stays open), never silently; what it still holds is resent."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fault_device import GTINS, sale
from fault_harness import (
    Accounting,
    RestartableBroker,
    broker_address,
    start_ingest,
    wait_until,
)

from edge.outbox.archive import SENT_RETENTION_S
from edge.outbox.publisher import OutboxPublisher, PublisherSettings
from edge.outbox.store import Lane, OutboxStore, wall_clock_ms
from hub.db import seq_losses
from hub.db.connection import open_database

STORE = "faults"
DEVICE = "pos-9"
PRUNED = 10  # telemetry events 1..10, pruned after their retention
KEPT = 10  # sales 11..20, still archived


def _device(
    broker: RestartableBroker, path: Path, offset_ms: list[int]
) -> tuple[OutboxStore, OutboxPublisher]:
    outbox = OutboxStore(
        path,
        store_id=STORE,
        device_id=DEVICE,
        budget_bytes=10_000_000,
        clock_ms=lambda: wall_clock_ms() + offset_ms[0],
    )
    endpoint = broker.endpoint
    settings = PublisherSettings(
        store_id=STORE,
        device_id=DEVICE,
        profile="pos",
        host=endpoint.host,
        port=endpoint.port,
        username=endpoint.username,
        password=endpoint.password,
        reconnect_min_s=0.1,
        reconnect_max_s=0.5,
    )
    return outbox, OutboxPublisher(outbox, settings)


def _hub_state(db_path: Path) -> tuple[int, int, list[seq_losses.SeqLoss]]:
    db = open_database(db_path, run_migrations=False)
    try:
        applied = int(db.execute("SELECT COUNT(*) FROM events WHERE type = 'sale'").fetchone()[0])
        total = int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        return applied, total, seq_losses.losses(db, DEVICE)
    finally:
        db.close()


def _account(db_path: Path, last: int) -> tuple[Accounting, list[tuple[int, int]]]:
    """The account of sales 1..last (1..PRUNED were telemetry) and the device's open gaps."""
    sales, events, losses = _hub_state(db_path)
    db = open_database(db_path, run_migrations=False)
    try:
        open_gaps = db.execute(
            "SELECT from_seq, to_seq FROM seq_gaps WHERE device = ? AND filled = 0", [DEVICE]
        ).fetchall()
        booked = db.execute(
            "SELECT gtin, -SUM(quantity) FROM stock_movements WHERE kind = 'sale' GROUP BY gtin"
        ).fetchall()
    finally:
        db.close()
    expected: dict[str, int] = {}
    for seq in range(PRUNED + 1, last + 1):
        expected[GTINS[seq % len(GTINS)]] = expected.get(GTINS[seq % len(GTINS)], 0) + 1
    result = Accounting("archive_pruned", sent=last, applied=sales, lost=last - sales)
    result.open_gaps = len(open_gaps)
    result.ledger_ok = {str(g): int(q) for g, q in booked} == expected
    result.extra["reported_lost"] = [(x.gap.from_seq, x.gap.to_seq, x.reason) for x in losses]
    result.extra["events_including_report"] = events
    return result, [(int(a), int(b)) for a, b in open_gaps]


def _lose_and_prune(outbox: OutboxStore, publisher: OutboxPublisher, offset_ms: list[int]) -> None:
    """Delivers telemetry 1..PRUNED and sales after it to a broker no hub session listens on,
    then lets the telemetry age past its archive retention and prunes it."""
    for seq in range(1, PRUNED + 1):
        outbox.append("telemetry", {"cpu_pct": seq})
    for seq in range(PRUNED + 1, PRUNED + KEPT + 1):
        outbox.append("sale", sale(DEVICE, seq))
    assert publisher.wait_drained(30), "the broker acknowledged everything"
    offset_ms[0] = (SENT_RETENTION_S[int(Lane.TELEMETRY)] + 60) * 1000
    assert outbox.prune_archive() == PRUNED


def test_a_gap_the_device_can_no_longer_fill_is_a_reported_loss(
    mosquitto: RestartableBroker,
    hub_db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    offset_ms = [0]
    outbox, publisher = _device(mosquitto, tmp_path / "pos-9.db", offset_ms)
    stop = threading.Event()
    thread = threading.Thread(target=publisher.run, args=(stop,), daemon=True)
    thread.start()
    hub = None
    last = PRUNED + KEPT + 1
    try:
        _lose_and_prune(outbox, publisher, offset_ms)
        hub = start_ingest(broker_address(mosquitto.endpoint), hub_db_path, STORE)
        outbox.append("sale", sale(DEVICE, last))  # the hub sees seq 21 and a gap 1..20
        publisher.notify()
        wait_until(
            lambda: _hub_state(hub_db_path)[0] == KEPT + 1 and bool(_hub_state(hub_db_path)[2]),
            what="kept sales resent and the pruned range reported",
        )
    finally:
        stop.set()
        thread.join(10)
        if hub is not None:
            hub.stop()
    result, open_gaps = _account(hub_db_path, last)
    with capsys.disabled():
        print(f"\n{result.line()}")
    assert result.extra["reported_lost"] == [(1, PRUNED, "pruned")]
    assert result.lost == PRUNED  # exactly the pruned range, each one reported
    assert result.ledger_ok, result.line()
    assert open_gaps == [(1, PRUNED)]  # still in the reconciliation report
