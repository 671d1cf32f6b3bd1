"""Tests the hub's resend side on a real database: a device state's `delivered_seq` opens a gap,
the scheduler asks for open gaps with back-off (at once when the device is back online), stops
asking for a range the device reports unavailable, and records that range as a loss."""

from __future__ import annotations

import json

from hub_builders import make_envelope
from hub_harness import utc_now
from sqlite_utils import Database

from contracts.envelope import Envelope
from contracts.payloads import DeviceState, parse_command
from contracts.topics import cmd_topic, events_topic, state_topic
from hub.db import repo, seq_losses
from hub.domain.seq_resend import ask_delay_s, ask_ranges, track_delivered, uncovered
from hub.domain.sequence import SeqGap
from hub.ingest.processor import EventProcessor
from hub.ingest.resend import ResendScheduler

DEVICE = "pos-1"


class Clock:
    """Monotonic seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


class Outbox:
    """Collects what the scheduler publishes; can pretend the broker is away."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.away = False

    def __call__(self, topic: str, payload: bytes) -> None:
        if self.away:
            raise ConnectionError("broker away")
        self.sent.append((topic, payload))

    def ranges(self) -> list[tuple[int | None, int | None]]:
        commands = [parse_command(payload) for _, payload in self.sent]
        return [(c.from_seq, c.to_seq) for c in commands]


def _event(envelope: Envelope) -> tuple[str, bytes]:
    return events_topic(envelope.store, envelope.device), envelope.to_json_bytes()


def _state(store_id: str, delivered_seq: int | None, status: str = "online") -> tuple[str, bytes]:
    state = DeviceState.model_validate(
        {"device": DEVICE, "profile": "pos", "status": status, "delivered_seq": delivered_seq}
    )
    return state_topic(store_id, DEVICE), state.model_dump_json().encode()


def _unavailable(store_id: str, seq: int, from_seq: int, to_seq: int) -> tuple[str, bytes]:
    payload = {"from_seq": from_seq, "to_seq": to_seq, "reason": "pruned", "command_id": "c1"}
    envelope = make_envelope(store_id, DEVICE, seq, type="seq_unavailable", payload=payload)
    return _event(envelope)


def test_domain_rules() -> None:
    assert [ask_delay_s(n) for n in (0, 1, 2, 10)] == [1.0, 2.0, 4.0, 60.0]
    assert track_delivered(5, None) is None and track_delivered(5, 5) is None
    decision = track_delivered(5, 9)
    assert decision is not None and decision.opened == SeqGap(6, 9)
    assert uncovered(SeqGap(1, 10), [SeqGap(3, 4), SeqGap(9, 12)]) == [
        SeqGap(1, 2),
        SeqGap(5, 8),
    ]
    assert ask_ranges(SeqGap(1, 25_000)) == [
        SeqGap(1, 10_000),
        SeqGap(10_001, 20_000),
        SeqGap(20_001, 25_000),
    ]


def test_a_state_beyond_the_hubs_last_seq_opens_a_gap(hub_db: Database, store_id: str) -> None:
    processor = EventProcessor(hub_db, store_id=store_id, clock=utc_now)
    processor.handle_batch([_event(make_envelope(store_id, DEVICE, 1))])
    seen: list[tuple[str, str]] = []
    processor.state_listeners.append(lambda device, status: seen.append((device, status)))

    processor.handle_batch([_state(store_id, 4), _state(store_id, 4), _state(store_id, None)])

    (gap,) = repo.list_gaps(hub_db, device=DEVICE)
    assert (gap.from_seq, gap.to_seq, gap.filled) == (2, 4, False)
    assert seen == [(DEVICE, "online")] * 3
    assert processor.counters.gaps_opened == 1
    processor.handle_batch([_event(make_envelope(store_id, DEVICE, s)) for s in (2, 3, 4)])
    assert all(g.filled for g in repo.list_gaps(hub_db, device=DEVICE))


def test_scheduler_asks_with_backoff_and_at_once_when_the_device_is_back(
    hub_db: Database, store_id: str
) -> None:
    processor = EventProcessor(hub_db, store_id=store_id, clock=utc_now)
    clock, outbox = Clock(), Outbox()
    scheduler = ResendScheduler(processor, store_id=store_id, publish=outbox, clock_s=clock)
    processor.handle_batch([_event(make_envelope(store_id, DEVICE, s)) for s in (1, 2, 5)])

    assert scheduler.tick() == 0  # the first ask waits for late arrivals
    clock.now_s += 1.0
    assert scheduler.tick() == 1
    assert outbox.sent[0][0] == cmd_topic(store_id, DEVICE)
    assert outbox.ranges() == [(3, 4)]
    clock.now_s += 1.0
    assert scheduler.tick() == 0  # back-off: 2 s after the first ask
    clock.now_s += 1.0
    outbox.away = True
    assert scheduler.tick() == 0  # not sent: asked again at the next poll
    outbox.away = False
    clock.now_s += 0.5
    assert scheduler.tick() == 1
    processor.handle_batch([_state(store_id, 5)])  # the device came back online
    clock.now_s += 0.5
    assert scheduler.tick() == 1
    assert outbox.ranges() == [(3, 4)] * 3
    stats = scheduler.stats()
    assert (stats.commands, stats.seqs_asked, stats.open_ranges) == (3, 6, 1)
    json.loads(outbox.sent[-1][1])  # plain JSON on the wire


def test_a_range_reported_unavailable_is_a_recorded_loss_and_not_asked_again(
    hub_db: Database, store_id: str
) -> None:
    processor = EventProcessor(hub_db, store_id=store_id, clock=utc_now)
    clock, outbox = Clock(), Outbox()
    scheduler = ResendScheduler(processor, store_id=store_id, publish=outbox, clock_s=clock)
    processor.handle_batch([_event(make_envelope(store_id, DEVICE, s)) for s in (1, 6)])
    assert scheduler.tick() == 0
    clock.now_s += 1.0
    assert scheduler.tick() == 1
    # The device still holds 4..5 (resent) but no longer 2..3.
    reply = [_unavailable(store_id, 7, 2, 3)]
    reply += [_event(make_envelope(store_id, DEVICE, s)) for s in (4, 5)]
    processor.handle_batch(reply)
    processor.handle_batch([_unavailable(store_id, 8, 2, 3)])  # reported twice: kept once

    (loss,) = seq_losses.losses(hub_db, DEVICE)
    assert (loss.gap, loss.reason) == (SeqGap(2, 3), "pruned")
    open_gaps = [g for g in repo.list_gaps(hub_db, device=DEVICE) if not g.filled]
    assert [(g.from_seq, g.to_seq) for g in open_gaps] == [(2, 3)]  # still reported
    for _ in range(5):
        clock.now_s += 60.0
        assert scheduler.tick() == 0
    assert scheduler.stats().open_ranges == 0
