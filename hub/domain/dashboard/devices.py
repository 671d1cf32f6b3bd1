"""Provides how devices read on the dashboard: status tone, "last seen" ages and problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

STALE_AFTER_S = 300.0


def ago(now: datetime, then: datetime | None) -> str:
    """A short age like `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`, or `never`."""
    if then is None:
        return "never"
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} d ago"


@dataclass(frozen=True, slots=True)
class DeviceProblems:
    """What is wrong with a device, one line each (empty when healthy).

    Attributes:
        lines: reasons the device reported, open seq gaps, rejected messages, silence.
        tone: `ok`, `warn` or `bad`.
    """

    lines: tuple[str, ...]
    tone: str


def device_problems(
    *,
    status: str,
    reasons: Sequence[str],
    open_gaps: int,
    dead_letters: int,
    last_seen: datetime | None,
    now: datetime,
) -> DeviceProblems:
    """Collects a device's problems: its own reasons (config errors, lost camera, disabled
    models), missing events, rejected messages, and a silent device that claims to be online."""
    lines = list(reasons)
    if open_gaps:
        lines.append(f"{open_gaps} open seq gap(s): events missing")
    if dead_letters:
        lines.append(f"{dead_letters} message(s) rejected (dead letters)")
    silent = last_seen is None or (now - last_seen).total_seconds() > STALE_AFTER_S
    if status == "online" and silent:
        lines.append(f"online but silent since {ago(now, last_seen)}")
    if status in ("offline", "unknown"):
        tone = "bad"
    elif lines or status == "degraded":
        tone = "warn"
    else:
        tone = "ok"
    return DeviceProblems(tuple(lines), tone)
