"""Provides the rules of asking devices to resend: which part of an open seq gap to ask for,
when to ask again (back-off), and how a device's `delivered_seq` opens a gap.

Pure functions, no I/O: `hub/ingest/resend.py` applies them to the database and the broker.
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.payloads import MAX_RESEND_SPAN
from hub.domain.sequence import SeqDecision, SeqGap

FIRST_ASK_S = 1.0  # wait this long after a gap opens: late arrivals usually fill it first
MAX_BACKOFF_S = 60.0  # the longest wait between two asks for the same gap


def ask_delay_s(attempts: int) -> float:
    """Seconds until the next ask, after `attempts` asks (1 s, 2 s, 4 s, ... capped at 60 s)."""
    if attempts < 0:
        raise ValueError(f"attempts must be >= 0, got {attempts}")
    return min(FIRST_ASK_S * 2.0 ** min(attempts, 16), MAX_BACKOFF_S)


def track_delivered(last_seq: int, delivered_seq: int | None) -> SeqDecision | None:
    """What a device state's `delivered_seq` means: a gap when the device says the broker has
    acknowledged seqs the hub never received (a broker that forgot them).

    Args:
        last_seq: the hub's highest seq of the device.
        delivered_seq: the device's claim (None: an older device that does not say).

    Returns:
        A `gap` decision up to `delivered_seq`, or None when there is nothing missing.
    """
    if delivered_seq is None or delivered_seq <= last_seq:
        return None
    return SeqDecision("gap", delivered_seq, opened=SeqGap(last_seq + 1, delivered_seq))


def uncovered(gap: SeqGap, known_lost: Sequence[SeqGap]) -> list[SeqGap]:
    """The parts of `gap` not inside any range the device already reported it cannot resend."""
    pieces = [gap]
    for lost in sorted(known_lost, key=lambda g: g.from_seq):
        rest: list[SeqGap] = []
        for piece in pieces:
            if lost.to_seq < piece.from_seq or lost.from_seq > piece.to_seq:
                rest.append(piece)
                continue
            if piece.from_seq < lost.from_seq:
                rest.append(SeqGap(piece.from_seq, lost.from_seq - 1))
            if lost.to_seq < piece.to_seq:
                rest.append(SeqGap(lost.to_seq + 1, piece.to_seq))
        pieces = rest
    return pieces


def ask_ranges(gap: SeqGap) -> list[SeqGap]:
    """`gap` cut into resend requests of at most `MAX_RESEND_SPAN` seqs."""
    return [
        SeqGap(start, min(start + MAX_RESEND_SPAN - 1, gap.to_seq))
        for start in range(gap.from_seq, gap.to_seq + 1, MAX_RESEND_SPAN)
    ]
