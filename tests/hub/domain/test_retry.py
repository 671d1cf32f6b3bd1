"""Tests the central-outbox retry rules (pure)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.retry import RetryDecision, RetryPolicy, backoff_delay_s, classify_status, decide

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_delay_s=1.0, max_delay_s=30.0)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, "delivered"),
        (201, "delivered"),
        (404, "permanent"),
        (409, "permanent"),
        (422, "permanent"),
        (408, "transient"),
        (429, "transient"),
        (500, "transient"),
        (503, "transient"),
    ],
)
def test_classify_status(status: int, expected: str) -> None:
    assert classify_status(status) == expected


@pytest.mark.parametrize(
    ("attempts", "expected_s"),
    [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (10_000, 30.0)],
)
def test_backoff_doubles_up_to_the_cap(attempts: int, expected_s: float) -> None:
    assert backoff_delay_s(attempts, POLICY) == expected_s


def test_decisions() -> None:
    assert decide("delivered", attempts=3, now=NOW, policy=POLICY) == RetryDecision("sent", None)
    assert decide("permanent", attempts=1, now=NOW, policy=POLICY).state == "failed_permanent"
    retry = decide("transient", attempts=3, now=NOW, policy=POLICY)
    assert retry == RetryDecision("pending", NOW + timedelta(seconds=4))


@pytest.mark.parametrize(
    ("base_s", "max_s", "factor", "outcome"),
    [
        (1.0, 30.0, 2.0, nullcontext()),
        (0.0, 30.0, 2.0, pytest.raises(ValueError, match="base_delay_s")),
        (5.0, 1.0, 2.0, pytest.raises(ValueError, match="max_delay_s")),
        (1.0, 30.0, 0.5, pytest.raises(ValueError, match="factor")),
    ],
)
def test_policy_checks(
    base_s: float, max_s: float, factor: float, outcome: AbstractContextManager[object]
) -> None:
    with outcome:
        RetryPolicy(base_s, max_s, factor)


def test_attempts_below_one_is_a_caller_bug() -> None:
    with pytest.raises(ValueError, match="attempts"):
        backoff_delay_s(0, POLICY)
