"""Provides per-device sequence tracking: in-order events, gaps reported, late arrivals filled.

Devices number their events 1, 2, 3, ... without gaps. The hub never guesses what a missing
number held: it records the missing range as a gap and marks it filled when the late event
arrives (a gap can be filled piece by piece).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SeqOutcome = Literal["in_order", "gap", "late_fill", "regressed"]


@dataclass(frozen=True, slots=True)
class SeqGap:
    """A range of missing sequence numbers of one device, both ends included."""

    from_seq: int
    to_seq: int

    def __post_init__(self) -> None:
        if not 1 <= self.from_seq <= self.to_seq:
            raise ValueError(
                f"gap needs 1 <= from_seq <= to_seq, got {self.from_seq}..{self.to_seq}"
            )

    def __contains__(self, seq: object) -> bool:
        return isinstance(seq, int) and self.from_seq <= seq <= self.to_seq

    @property
    def size(self) -> int:
        """How many sequence numbers are missing."""
        return self.to_seq - self.from_seq + 1


@dataclass(frozen=True, slots=True)
class SeqDecision:
    """What one event's `seq` means for its device.

    Attributes:
        outcome: in_order (last + 1), gap (numbers were skipped), late_fill (fills a known gap),
            regressed (at or below the last seq and in no gap: the device restarted its count or
            replayed under a new id; the event is applied, the anomaly reported).
        last_seq: the device's highest seq after this event.
        opened: the gap this event revealed (outcome `gap`).
        filled: the open gap this event falls into (outcome `late_fill`).
        remaining: the parts of `filled` still missing after this event (0, 1 or 2 gaps).
    """

    outcome: SeqOutcome
    last_seq: int
    opened: SeqGap | None = None
    filled: SeqGap | None = None
    remaining: tuple[SeqGap, ...] = ()


def split_gap(gap: SeqGap, seq: int) -> tuple[SeqGap, ...]:
    """Returns what is still missing of `gap` once `seq` has arrived.

    Raises:
        ValueError: if `seq` is not inside `gap`.
    """
    if seq not in gap:
        raise ValueError(f"seq {seq} is outside gap {gap.from_seq}..{gap.to_seq}")
    pieces = []
    if seq > gap.from_seq:
        pieces.append(SeqGap(gap.from_seq, seq - 1))
    if seq < gap.to_seq:
        pieces.append(SeqGap(seq + 1, gap.to_seq))
    return tuple(pieces)


def track_seq(last_seq: int, open_gaps: Sequence[SeqGap], seq: int) -> SeqDecision:
    """Decides what an event's `seq` means, given the device's last seq and its open gaps.

    Args:
        last_seq: the highest seq seen from the device so far (0 before its first event).
        open_gaps: the device's gaps not yet filled.
        seq: the arriving event's seq (>= 1).

    Returns:
        The decision; the caller persists `last_seq`, `opened` and the `filled` -> `remaining`
        replacement.

    Raises:
        ValueError: if `seq` < 1 or `last_seq` < 0.
    """
    if seq < 1 or last_seq < 0:
        raise ValueError(f"expected seq >= 1 and last_seq >= 0, got seq={seq}, last={last_seq}")
    if seq == last_seq + 1:
        return SeqDecision("in_order", seq)
    if seq > last_seq + 1:
        return SeqDecision("gap", seq, opened=SeqGap(last_seq + 1, seq - 1))
    for gap in open_gaps:
        if seq in gap:
            return SeqDecision("late_fill", last_seq, filled=gap, remaining=split_gap(gap, seq))
    return SeqDecision("regressed", last_seq)
