"""Provides the central-outbox retry rules: how a delivery attempt is judged and when to retry.

Pure: no I/O, no clock (the caller passes `now`). A transient failure (central unreachable,
timed out, 5xx, 408, 429) is retried forever with a capped exponential backoff, because an order
or an availability push must never be dropped while central is down. A permanent failure (any
other 4xx: the request itself is wrong or conflicts with central's state) is never retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

AttemptResult = Literal["delivered", "transient", "permanent"]
WriteMethod = Literal["POST", "PUT"]
OutboxState = Literal["pending", "sent", "failed_permanent"]
TRANSIENT_STATUSES: frozenset[int] = frozenset({408, 425, 429})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Capped exponential backoff.

    Attributes:
        base_delay_s: wait after the first failed attempt.
        max_delay_s: the cap; later waits never exceed it.
        factor: growth per further failed attempt.
    """

    base_delay_s: float
    max_delay_s: float
    factor: float = 2.0

    def __post_init__(self) -> None:
        if self.base_delay_s <= 0:
            raise ValueError(f"base_delay_s must be > 0, got {self.base_delay_s}")
        if self.max_delay_s < self.base_delay_s:
            raise ValueError(
                f"max_delay_s ({self.max_delay_s}) must be >= base_delay_s ({self.base_delay_s})"
            )
        if self.factor < 1:
            raise ValueError(f"factor must be >= 1, got {self.factor}")


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """What to do with an outbox row after one attempt.

    Attributes:
        state: the row's new state.
        next_attempt_at: when to try again (only for `pending`), else None.
    """

    state: OutboxState
    next_attempt_at: datetime | None

    def __post_init__(self) -> None:
        if (self.state == "pending") != (self.next_attempt_at is not None):
            raise ValueError("exactly the pending state carries a next attempt time")


def classify_status(status_code: int) -> AttemptResult:
    """Judges an HTTP answer of central.

    Args:
        status_code: the HTTP status central answered with.

    Returns:
        `delivered` for 2xx, `transient` for 5xx and 408/425/429, `permanent` otherwise.
    """
    if 200 <= status_code < 300:
        return "delivered"
    if status_code >= 500 or status_code in TRANSIENT_STATUSES:
        return "transient"
    return "permanent"


def backoff_delay_s(attempts: int, policy: RetryPolicy) -> float:
    """The wait after `attempts` failed attempts (1 -> base delay), capped at the policy's max.

    Raises:
        ValueError: if `attempts` < 1.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be >= 1, got {attempts}")
    # Exponent capped so huge attempt counts cannot overflow a float.
    exponent = min(attempts - 1, 64)
    return float(min(policy.max_delay_s, policy.base_delay_s * policy.factor**exponent))


def decide(
    result: AttemptResult, *, attempts: int, now: datetime, policy: RetryPolicy
) -> RetryDecision:
    """Decides a row's next state after an attempt.

    Args:
        result: how the attempt went (see `classify_status`).
        attempts: attempts made so far, this one included.
        now: the time of the attempt.
        policy: the backoff policy.
    """
    if result == "delivered":
        return RetryDecision("sent", None)
    if result == "permanent":
        return RetryDecision("failed_permanent", None)
    delay_s = backoff_delay_s(attempts, policy)
    return RetryDecision("pending", now + timedelta(seconds=delay_s))
