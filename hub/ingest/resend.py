"""Provides `ResendScheduler`: asks devices to resend the seqs of their open gaps.

A broker may acknowledge an event to the device and then lose it (amqtt forgets its queues
across a restart); the device keeps what it sent in its sent archive (`edge/outbox/archive.py`).
The scheduler runs on the ingest writer thread between batches (`tick`), reads the open seq gaps
and the ranges devices reported as gone for good (`seq_losses`), and publishes a `resend`
command on the device's cmd topic for what is still worth asking: first `FIRST_ASK_S` after the
gap was seen (late arrivals usually fill it first), then with doubling back-off up to
`MAX_BACKOFF_S`, and at once when the device's state shows it (back) online. Resent events fill
the gaps like any late arrival (the hub dedupes what it already has). Gaps the device reports as
unavailable stay open in `seq_gaps` (the reconciliation report shows them) but are not asked for
again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from contracts.ids import new_ulid
from contracts.payloads import DeviceCommand
from contracts.topics import cmd_topic
from hub.db import seq_losses
from hub.domain.seq_resend import FIRST_ASK_S, ask_delay_s, ask_ranges, uncovered
from hub.domain.sequence import SeqGap
from hub.ingest.processor import EventProcessor

logger = logging.getLogger(__name__)

POLL_S = 0.5  # how often the open gaps are read
Publish = Callable[[str, bytes], None]  # (topic, payload) at QoS 1, not retained


@dataclass(slots=True)
class _Plan:
    """When to ask next for one range, and how often it was asked."""

    due_s: float
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class ResendStats:
    """Counters of the scheduler.

    Attributes:
        commands: resend commands published.
        seqs_asked: seqs those commands asked for (a seq asked twice counts twice).
        open_ranges: ranges currently waited for.
    """

    commands: int
    seqs_asked: int
    open_ranges: int


class ResendScheduler:
    """Publishes resend commands for open seq gaps (`tick` on the writer thread)."""

    def __init__(
        self,
        processor: EventProcessor,
        *,
        store_id: str,
        publish: Publish,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        """Binds the scheduler to the processor's database and a publisher.

        Args:
            processor: its connection is read (writer thread only); its state listeners tell
                the scheduler when a device comes online.
            store_id: this hub's store (the cmd topics).
            publish: sends one command; may raise when the broker is away (asked again later).
            clock_s: monotonic seconds.
        """
        self._processor = processor
        self._store_id = store_id
        self._publish = publish
        self._clock_s = clock_s
        self._plans: dict[tuple[str, int, int], _Plan] = {}
        self._online: set[str] = set()
        self._lock = threading.Lock()
        self._next_poll_s = 0.0
        self._commands = 0
        self._seqs_asked = 0
        processor.state_listeners.append(self.device_seen)

    def stats(self) -> ResendStats:
        """Current counters (any thread)."""
        with self._lock:
            return ResendStats(self._commands, self._seqs_asked, len(self._plans))

    def device_seen(self, device: str, status: str) -> None:
        """A device state arrived: online or degraded makes the device's asks due now."""
        if status != "offline":
            with self._lock:
                self._online.add(device)
            self._next_poll_s = 0.0

    def tick(self) -> int:
        """Asks for what is due (at most every `POLL_S`); returns the commands published."""
        now_s = self._clock_s()
        if now_s < self._next_poll_s:
            return 0
        self._next_poll_s = now_s + POLL_S
        with self._lock:
            online, self._online = self._online, set()
        wanted = self._wanted()
        for key in list(self._plans):
            if key not in wanted:
                del self._plans[key]  # filled, or reported lost
        sent = 0
        for key in sorted(wanted):
            plan = self._plans.setdefault(key, _Plan(now_s + FIRST_ASK_S))
            if key[0] in online and plan.attempts:
                plan.due_s = now_s  # back online: ask again at once
            if now_s >= plan.due_s and self._ask(key[0], SeqGap(key[1], key[2])):
                plan.attempts += 1
                plan.due_s = now_s + ask_delay_s(plan.attempts)
                sent += 1
        return sent

    def _wanted(self) -> set[tuple[str, int, int]]:
        db = self._processor.db
        lost: dict[str, list[SeqGap]] = {}
        for loss in seq_losses.losses(db):
            lost.setdefault(loss.device, []).append(loss.gap)
        wanted: set[tuple[str, int, int]] = set()
        for device, gap in seq_losses.open_gaps(db):
            for piece in uncovered(gap, lost.get(device, [])):
                wanted.update((device, r.from_seq, r.to_seq) for r in ask_ranges(piece))
        return wanted

    def _ask(self, device: str, gap: SeqGap) -> bool:
        command = DeviceCommand(
            id=new_ulid(time.time_ns() // 1_000_000),
            command="resend",
            from_seq=gap.from_seq,
            to_seq=gap.to_seq,
        )
        try:
            self._publish(cmd_topic(self._store_id, device), command.model_dump_json().encode())
        except Exception as exc:  # the broker is away: asked again at the next due time
            logger.warning(
                "resend to %s %d..%d not sent: %s", device, gap.from_seq, gap.to_seq, exc
            )
            return False
        with self._lock:
            self._commands += 1
            self._seqs_asked += gap.size
        logger.info(
            "asked device_id=%s to resend %d..%d id=%s",
            device,
            gap.from_seq,
            gap.to_seq,
            command.id,
        )
        return True
