"""Tests the device outbox on real SQLite files: seq, durability across restarts, budget lanes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from contracts.envelope import parse_envelope
from edge.errors import OutboxFull
from edge.outbox.store import ROW_OVERHEAD_BYTES, STANDARD_RETENTION_S, OutboxStore

DAY_MS = 24 * 3600 * 1000
START_MS = 1_800_000_000_000


class FakeClock:
    """A device clock the test moves by hand."""

    def __init__(self, now_ms: int = START_MS) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


def _open(
    path: Path, *, budget_bytes: int = 10_000_000, clock: FakeClock | None = None
) -> OutboxStore:
    return OutboxStore(
        path,
        store_id="s1",
        device_id="kiosk-1",
        budget_bytes=budget_bytes,
        clock_ms=clock or FakeClock(),
    )


def test_seq_is_gap_free_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    first = _open(path)
    seqs = [first.append("scan", {"n": n}).seq for n in range(5)]
    for seq in (1, 2, 3, 4, 5):
        first.delete(seq)  # every row acknowledged: nothing left to derive the seq from
    first.close()
    second = _open(path)
    seqs += [second.append("scan", {"n": n}).seq for n in range(3)]
    assert seqs == list(range(1, 9))
    assert second.stats().last_seq == 8
    second.close()


def test_rows_stay_until_deleted_and_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    store = _open(path)
    envelopes = [store.append("scan", {"n": n}) for n in range(3)]
    store.close()
    reopened = _open(path)
    rows = reopened.pending()
    assert [parse_envelope(row.body) for row in rows] == envelopes  # the full envelope, as stored
    assert reopened.delete(2) and not reopened.delete(2)
    assert [row.seq for row in reopened.pending()] == [1, 3]
    assert [row.seq for row in reopened.pending(after_seq=1, limit=1)] == [3]
    assert reopened.stats().depth == 2
    reopened.close()


def test_file_is_wal_with_full_sync_and_owned_by_one_device(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    _open(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(ValueError, match="belongs to s1/kiosk-1"):
        OutboxStore(path, store_id="s1", device_id="kiosk-2", budget_bytes=1000)


def _event_size(store: OutboxStore) -> int:
    envelope = store.append("telemetry", {"pad": "x" * 100})
    size = len(envelope.to_json_bytes()) + ROW_OVERHEAD_BYTES
    store.delete(envelope.seq)
    return size


def test_telemetry_is_dropped_oldest_first_when_over_budget(tmp_path: Path) -> None:
    probe = _open(tmp_path / "probe.sqlite")
    size = _event_size(probe)
    store = _open(tmp_path / "outbox.sqlite", budget_bytes=int(size * 4.5 / 0.9))
    seqs = [store.append("telemetry", {"pad": "x" * 100}).seq for _ in range(6)]
    assert seqs == [1, 2, 3, 4, 5, 6]
    assert [row.seq for row in store.pending()] == [3, 4, 5, 6]
    assert store.stats().dropped == 2


def test_orders_are_refused_not_dropped_and_use_no_seq(tmp_path: Path) -> None:
    probe = _open(tmp_path / "probe.sqlite")
    size = _event_size(probe)
    store = _open(tmp_path / "outbox.sqlite", budget_bytes=int(size * 3.5))
    for _ in range(3):
        store.append("order", {"pad": "x" * 100})
    with pytest.raises(OutboxFull, match="critical event refused"):
        store.append("order", {"pad": "x" * 100})
    assert store.stats().refused == 1
    store.delete(1)  # one delivered: room again
    assert store.append("order", {"pad": "x" * 100}).seq == 4
    assert [row.seq for row in store.pending()] == [2, 3, 4]


def test_scans_are_kept_for_seven_days_then_give_way(tmp_path: Path) -> None:
    probe = _open(tmp_path / "probe.sqlite")
    size = _event_size(probe)
    clock = FakeClock()
    store = _open(tmp_path / "outbox.sqlite", budget_bytes=int(size * 2.5 / 0.9), clock=clock)
    store.append("scan", {"pad": "x" * 100})
    store.append("scan", {"pad": "x" * 100})
    clock.now_ms += 6 * DAY_MS
    with pytest.raises(OutboxFull, match="standard event refused"):
        store.append("scan", {"pad": "x" * 100})  # the old scans are younger than 7 days
    clock.now_ms = START_MS + STANDARD_RETENTION_S * 1000 + 1
    assert store.append("scan", {"pad": "x" * 100}).seq == 3
    assert [row.seq for row in store.pending()] == [2, 3]


def test_non_critical_events_leave_the_reserve_to_orders(tmp_path: Path) -> None:
    probe = _open(tmp_path / "probe.sqlite")
    size = _event_size(probe)
    store = _open(tmp_path / "outbox.sqlite", budget_bytes=int(size * 4.2))  # 90 % holds 3
    for _ in range(3):
        store.append("scan", {"pad": "x" * 100})
    with pytest.raises(OutboxFull):
        store.append("scan", {"pad": "x" * 100})
    assert store.append("order", {"pad": "x" * 100}).seq == 4
