"""Provides the ownership rules of ARCHITECTURE.md ("Who owns what") as code, in this one place.

Every piece of data the hub and central share has one source of truth. When the hub's copy and
central's disagree, `decide` says what to do, and `may_write` says who may change the data at
all. Reconciliation acts only through `decide`; nothing else in the hub hard-codes who wins.

| data | owner | when they differ |
|---|---|---|
| product master, base price | central | apply central's (the hub caches with `as_of`) |
| online stock, reviews | central | apply central's (read-only downstream, shown with `as_of`) |
| store on-hand | hub ledger | push the ledger to central (movements only; never overwritten) |
| pickup reservations | hub | keep the hub's (first committed wins) |
| delivery orders | central | mirror central's state onto the hub's order |
| store (shelf) price | hub + staff | propose relabel or a price rule; never auto-applied |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Owner = Literal["central", "hub"]
DataKind = Literal[
    "product_master",
    "online_stock",
    "reviews",
    "store_on_hand",
    "pickup_reservation",
    "delivery_order",
    "store_price",
]
Resolution = Literal["apply_central", "push_hub", "keep_hub", "mirror_central", "propose"]
Action = Literal["none", "apply_central", "push_hub", "keep_hub", "mirror_central", "propose"]


@dataclass(frozen=True, slots=True)
class OwnershipRule:
    """Who owns one kind of data and what happens when the copies differ.

    Attributes:
        owner: the source of truth.
        hub_writes: the hub may change the data (as owner, or by caching the owner's copy).
        central_writes: central may change the data.
        on_conflict: what reconciliation does when the copies differ.
        rule: the rule in words, as ARCHITECTURE.md states it.
    """

    owner: Owner
    hub_writes: bool
    central_writes: bool
    on_conflict: Resolution
    rule: str


RULES: Mapping[DataKind, OwnershipRule] = {
    "product_master": OwnershipRule(
        "central", True, True, "apply_central", "hub caches with an as_of; devices get an index"
    ),
    "online_stock": OwnershipRule(
        "central", True, True, "apply_central", "read-only downstream; shown with its as_of"
    ),
    "reviews": OwnershipRule(
        "central", True, True, "apply_central", "read-only downstream; shown with its as_of"
    ),
    "store_on_hand": OwnershipRule(
        "hub", True, False, "push_hub", "movements only; never overwritten; hub publishes it"
    ),
    "pickup_reservation": OwnershipRule(
        "hub", True, False, "keep_hub", "first committed wins; safety buffer while offline"
    ),
    "delivery_order": OwnershipRule(
        "central", False, True, "mirror_central", "kiosk -> hub outbox -> central, idempotent"
    ),
    "store_price": OwnershipRule(
        "hub", True, False, "propose", "never applied without staff approval or a policy"
    ),
}


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do about one value seen at the hub and at central.

    Attributes:
        action: none (they agree), or the owner's resolution.
        owner: who owns the data.
        reason: one line for the reconciliation report.
    """

    action: Action
    owner: Owner
    reason: str


def may_write(kind: DataKind, writer: Owner) -> bool:
    """Whether `writer` may change data of this kind (the owner, or the hub caching it)."""
    rule = RULES[kind]
    return rule.hub_writes if writer == "hub" else rule.central_writes


def decide(kind: DataKind, hub_value: object, central_value: object) -> Decision:
    """Decides what reconciliation does about one value of `kind`.

    Args:
        kind: the kind of data.
        hub_value: the hub's value (None when the hub has none).
        central_value: central's value (None when central has none).

    Returns:
        `none` when the values agree, else the owner's resolution with its reason.
    """
    rule = RULES[kind]
    if hub_value == central_value:
        return Decision("none", rule.owner, "hub and central agree")
    return Decision(
        rule.on_conflict,
        rule.owner,
        f"{rule.owner} owns {kind.replace('_', ' ')} ({rule.rule}): hub has {hub_value!r}, "
        f"central has {central_value!r}",
    )
