"""Tests the outbox's sent archive and the resend responder on real SQLite files: delivered
rows kept, looked up by range, pruned by age and by the budget, unheld seqs reported."""

from __future__ import annotations

from pathlib import Path

from contracts.envelope import parse_envelope
from contracts.payloads import DeviceCommand
from edge.outbox.archive import SENT_RETENTION_S, SeqRange
from edge.outbox.resend import ResendResponder
from edge.outbox.store import Lane, OutboxStore

START_MS = 1_800_000_000_000


class FakeClock:
    """A device clock the test moves by hand."""

    def __init__(self, now_ms: int = START_MS) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


def _open(path: Path, clock: FakeClock, budget_bytes: int = 10_000_000) -> OutboxStore:
    return OutboxStore(
        path, store_id="s1", device_id="pos-1", budget_bytes=budget_bytes, clock_ms=clock
    )


def _resend(from_seq: int, to_seq: int) -> bytes:
    command = DeviceCommand(id="c1", command="resend", from_seq=from_seq, to_seq=to_seq)
    return command.model_dump_json().encode()


def test_delivered_rows_are_archived_and_found_by_range(tmp_path: Path) -> None:
    store = _open(tmp_path / "o.db", FakeClock())
    envelopes = [store.append("sale", {"n": n}) for n in range(6)]
    for seq in (1, 2, 3, 4):
        assert store.delete(seq)
    assert not store.delete(4)  # already archived
    stats = store.stats()
    assert (stats.depth, stats.archived, stats.used_bytes > 0) == (2, 4, True)
    assert store.delivered_seq() == 4

    found = store.resend_lookup(2, 8)

    assert [seq for seq, _ in found.rows] == [2, 3, 4]
    assert [body for _, body in found.rows] == [e.to_json_bytes() for e in envelopes[1:4]]
    assert found.pending == [5, 6]
    assert found.pruned == []
    assert found.never_allocated == SeqRange(7, 8)
    store.close()


def test_archive_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    store = _open(path, FakeClock())
    store.append("sale", {"n": 1})
    store.delete(1)
    store.close()
    reopened = _open(path, FakeClock())
    assert [seq for seq, _ in reopened.resend_lookup(1, 1).rows] == [1]
    reopened.close()


def test_archive_is_pruned_by_age_per_lane(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "o.db"
    store = _open(path, clock)
    store.append("telemetry", {"n": 1})
    store.append("sale", {"n": 2})
    store.delete(1)
    store.delete(2)
    store.close()
    clock.now_ms += (SENT_RETENTION_S[int(Lane.TELEMETRY)] + 1) * 1000
    reopened = _open(path, clock)  # an open prunes by age
    found = reopened.resend_lookup(1, 2)
    assert [seq for seq, _ in found.rows] == [2]
    assert found.pruned == [SeqRange(1, 1)]
    reopened.close()


def test_the_archive_gives_up_its_room_before_any_pending_event(tmp_path: Path) -> None:
    store = _open(tmp_path / "o.db", FakeClock(), budget_bytes=4_000)
    for n in range(10):
        store.append("sale", {"n": n, "pad": "x" * 100})
        store.delete(n + 1)
    for n in range(10):
        store.append("sale", {"n": n, "pad": "x" * 100})  # fits only by pruning the archive
    stats = store.stats()
    assert (stats.depth, stats.dropped, stats.refused) == (10, 0, 0)
    assert stats.used_bytes + stats.archived_bytes <= 4_000
    assert store.resend_lookup(1, 10).pruned  # the oldest archived rows made room
    store.close()


def test_responder_resends_archived_envelopes_and_reports_what_is_gone(tmp_path: Path) -> None:
    clock = FakeClock()
    store = _open(tmp_path / "o.db", clock)
    for n in range(5):
        store.append("telemetry" if n < 2 else "sale", {"n": n})
        store.delete(n + 1)
    clock.now_ms += (SENT_RETENTION_S[int(Lane.TELEMETRY)] + 1) * 1000
    store.append("sale", {"n": 5})  # seq 6
    for _ in range(300):  # enough archive moves to run an age prune
        store.append("sale", {"n": 0})
        store.delete(store.stats().last_seq)
    responder = ResendResponder(store, device_id="pos-1")

    bodies, stored = responder.handle(_resend(1, 4))
    again, stored_again = responder.handle(_resend(1, 4))

    assert [parse_envelope(body).seq for body in bodies] == [3, 4]
    assert stored and not stored_again  # the same range is reported once
    assert len(again) == 2
    reports = [row for row in store.pending(limit=1000) if row.type == "seq_unavailable"]
    (report,) = reports
    payload = parse_envelope(report.body).payload
    assert (payload["from_seq"], payload["to_seq"], payload["reason"]) == (1, 2, "pruned")
    assert responder.stats().unavailable == 2
    store.close()


def test_responder_ignores_other_commands_and_counts_bad_ones(tmp_path: Path) -> None:
    store = _open(tmp_path / "o.db", FakeClock())
    responder = ResendResponder(store, device_id="pos-1")
    assert responder.handle(b'{"id": "c", "command": "what_is_this"}') == ([], False)
    assert responder.handle(b"not json") == ([], False)
    assert responder.handle(b'{"id": "c", "command": "resend", "from_seq": 3}') == ([], False)
    assert responder.stats().bad_messages == 2
    store.close()
