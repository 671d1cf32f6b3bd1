"""Provides how a discrepancy reads for staff: its cause, the proposed action, and which
actions apply (accept a count, push a correction to central, dismiss with a reason)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.gtin import display_gtin
from hub.domain.dashboard.forms import DiscrepancyAction

ACTION_LABELS: dict[str, str] = {
    "accept_count": "Accept a count",
    "push_correction": "Push correction to central",
    "dismiss": "Dismiss",
}
_ALLOWED: dict[str, tuple[DiscrepancyAction, ...]] = {
    "unknown_gtin": ("accept_count", "dismiss"),
    "seq_gap": ("dismiss",),
    "price_mismatch": ("dismiss",),
    "order_stuck": ("dismiss",),
    "reservation_stuck": ("dismiss",),
}
_DEFAULT_ALLOWED: tuple[DiscrepancyAction, ...] = ("accept_count", "push_correction", "dismiss")


@dataclass(frozen=True, slots=True)
class FindingFacts:
    """What is known about a finding (from the database), before it is explained.

    Attributes:
        id: stable id, `<kind>:<key>`.
        kind: e.g. `unknown_gtin` or `seq_gap`.
        gtin: the product it is about, if any.
        device: the device it came from, if any.
        count: how often it was seen (scans of an unknown code; missing events of a gap).
        devices: the devices involved (comma-separated).
        cause: the reconciliation report's explanation (None: derived here from the kind).
        proposed: the report's proposed or taken action (None: derived here from the kind).
        reported_at: start of the reconciliation run that last reported it (None for findings
            read live from the ledger, devices and demand before any run).
    """

    id: str
    kind: str
    gtin: str | None
    device: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    devices: str
    cause: str | None = None
    proposed: str | None = None
    reported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActionFacts:
    """One recorded staff action on a finding."""

    id: int
    finding_id: str
    action: str
    gtin: str | None
    counted_units: int | None
    reason: str | None
    movement_id: int | None
    outbox_key: str | None
    actor: str
    acted_at: datetime


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding as the discrepancies page shows it.

    Attributes:
        anchor: a DOM-safe id for the finding's card.
        allowed: the actions staff may take on it, in form order.
        history: what staff did, oldest first.
        resolved: no person needs to look at it (see `is_open`).
    """

    id: str
    anchor: str
    title: str
    cause: str
    proposed: str
    gtin: str | None
    allowed: tuple[DiscrepancyAction, ...]
    last_seen: datetime
    history: tuple[str, ...]
    resolved: bool


def allowed_actions(kind: str) -> tuple[DiscrepancyAction, ...]:
    """The actions that apply to a kind of finding."""
    return _ALLOWED.get(kind, _DEFAULT_ALLOWED)


def is_open(facts: FindingFacts, actions: Sequence[ActionFacts]) -> bool:
    """Whether a finding still needs a person.

    Any action closes a finding read live. A reported finding stays closed once dismissed;
    after a count or a correction it opens again if a later run still reports it (the action
    did not fix it).
    """
    if not actions:
        return True
    if facts.reported_at is None:
        return False
    last = actions[-1]
    return last.action != "dismiss" and last.acted_at < facts.reported_at


def _title(f: FindingFacts) -> str:
    subject = display_gtin(f.gtin) if f.gtin else (f.device or "")
    return f"{f.kind.replace('_', ' ').capitalize()} {subject}".strip()


def _explain(f: FindingFacts) -> tuple[str, str, str]:
    if f.cause is not None:
        return _title(f), f.cause, f.proposed or "Review it."
    if f.kind == "unknown_gtin" and f.gtin:
        return (
            f"Unknown GTIN {display_gtin(f.gtin)}",
            f"Scanned or asked for {f.count} time(s) by {f.devices}, but central's catalog "
            "has no such product.",
            "Check the shelf label. If the product is ours, count it so the ledger holds it "
            "and ask central to list it; dismiss if the code is not a product of this store.",
        )
    if f.kind == "seq_gap":
        return (
            f"Events missing from {f.device}",
            f"The device's sequence skipped {f.count} event(s) ({f.devices}): they were lost "
            "or are still waiting in the device outbox.",
            "Check the device's connection and outbox depth on the Devices page; the gap "
            "closes by itself if the events arrive late. Dismiss once explained.",
        )
    return (f.kind.replace("_", " ").capitalize(), f"Seen {f.count} time(s).", "Review it.")


def describe_action(a: ActionFacts) -> str:
    """One line of a finding's history, e.g. "accepted a count of 12 (movement 88) · ana"."""
    when = a.acted_at.strftime("%Y-%m-%d %H:%M")
    if a.action == "accept_count":
        moved = f", ledger movement {a.movement_id}" if a.movement_id else ", ledger agreed"
        what = f"accepted a count of {a.counted_units}{moved}"
    elif a.action == "push_correction":
        what = f"pushed the ledger's count to central (outbox {a.outbox_key})"
    else:
        what = f"dismissed: {a.reason}"
    return f"{when} UTC · {a.actor} {what}"


def finding_view(f: FindingFacts, actions: Sequence[ActionFacts]) -> FindingView:
    """Explains a finding and its recorded actions (`resolved` when it no longer needs a person)."""
    title, cause, proposed = _explain(f)
    anchor = "f-" + "".join(c if c.isalnum() else "-" for c in f.id)
    return FindingView(
        id=f.id,
        anchor=anchor,
        title=title,
        cause=cause,
        proposed=proposed,
        gtin=f.gtin,
        allowed=allowed_actions(f.kind),
        last_seen=f.last_seen,
        history=tuple(describe_action(a) for a in actions),
        resolved=not is_open(f, actions),
    )
