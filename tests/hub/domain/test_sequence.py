"""Tests the pure per-device seq tracking: in order, gaps, late fills, regressions."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest

from hub.domain.sequence import SeqDecision, SeqGap, split_gap, track_seq


@pytest.mark.parametrize(
    ("last", "gaps", "seq", "expected"),
    [
        (0, [], 1, SeqDecision("in_order", 1)),
        (4, [], 5, SeqDecision("in_order", 5)),
        (1, [], 3, SeqDecision("gap", 3, opened=SeqGap(2, 2))),
        (0, [], 5, SeqDecision("gap", 5, opened=SeqGap(1, 4))),
        (3, [SeqGap(2, 2)], 2, SeqDecision("late_fill", 3, filled=SeqGap(2, 2))),
        (
            9,
            [SeqGap(2, 8)],
            5,
            SeqDecision(
                "late_fill", 9, filled=SeqGap(2, 8), remaining=(SeqGap(2, 4), SeqGap(6, 8))
            ),
        ),
        (
            9,
            [SeqGap(2, 8)],
            2,
            SeqDecision("late_fill", 9, filled=SeqGap(2, 8), remaining=(SeqGap(3, 8),)),
        ),
        (5, [], 3, SeqDecision("regressed", 5)),
        (5, [SeqGap(2, 2)], 5, SeqDecision("regressed", 5)),
    ],
)
def test_track_seq(last: int, gaps: list[SeqGap], seq: int, expected: SeqDecision) -> None:
    assert track_seq(last, gaps, seq) == expected


@pytest.mark.parametrize(
    ("last", "seq", "expectation"),
    [
        (0, 0, pytest.raises(ValueError, match="seq >= 1")),
        (-1, 1, pytest.raises(ValueError, match="last_seq >= 0")),
        (0, 1, nullcontext()),
    ],
)
def test_track_seq_refuses_impossible_numbers(
    last: int, seq: int, expectation: AbstractContextManager[object]
) -> None:
    with expectation:
        track_seq(last, [], seq)


@pytest.mark.parametrize(
    ("gap", "seq", "expectation", "pieces"),
    [
        (SeqGap(3, 3), 3, nullcontext(), ()),
        (SeqGap(3, 6), 6, nullcontext(), (SeqGap(3, 5),)),
        (SeqGap(3, 6), 9, pytest.raises(ValueError, match="outside gap"), ()),
    ],
)
def test_split_gap(
    gap: SeqGap, seq: int, expectation: AbstractContextManager[object], pieces: tuple[SeqGap, ...]
) -> None:
    with expectation:
        assert split_gap(gap, seq) == pieces


def test_gap_refuses_an_empty_range() -> None:
    with pytest.raises(ValueError, match="from_seq <= to_seq"):
        SeqGap(5, 4)
