"""Provides the price-proposal page's view model and form checks (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.domain.dashboard.forms import REASON_MAX_CHARS, REASON_MIN_CHARS, FormCheck
from hub.domain.pricing import PriceProposal, check_decided_price

KIND_LABELS: Mapping[str, str] = {
    "markdown": "Markdown (overstock)",
    "restore": "Back to central's price",
    "match_central": "Shelf label differs",
}
TABS: tuple[tuple[str, str], ...] = (("open", "To decide"), ("decided", "Decided"))


@dataclass(frozen=True, slots=True)
class ProposalRow:
    """One proposal as the page shows it."""

    id: int
    gtin: str
    name: str
    kind_label: str
    current: str
    proposed: str
    floor: str
    reason: str
    inputs: Mapping[str, object]
    state: str
    decided: str


def euros(cents: int | None) -> str:
    """A price in cents as `2.49` (an em dash for None)."""
    return "—" if cents is None else f"{cents / 100:.2f}"


def check_approval(form: dict[str, str], proposal: PriceProposal) -> FormCheck:
    """Checks an approval: the price field is optional (blank approves the proposed price)."""
    text = form.get("price", "").strip()
    check = FormCheck({"price": text})
    if not text:
        check.values["cents"] = str(proposal.proposed_cents)
        return check
    cents, problem = check_decided_price(text, proposal)
    if problem is not None:
        check.errors["price"] = problem
    else:
        check.values["cents"] = str(cents)
    return check


def check_rejection(form: dict[str, str]) -> FormCheck:
    """Checks a rejection: a reason is required."""
    reason = form.get("reason", "").strip()
    check = FormCheck({"reason": reason})
    if len(reason) < REASON_MIN_CHARS:
        check.errors["reason"] = f"say why (at least {REASON_MIN_CHARS} characters)"
    elif len(reason) > REASON_MAX_CHARS:
        check.errors["reason"] = f"at most {REASON_MAX_CHARS} characters"
    return check
