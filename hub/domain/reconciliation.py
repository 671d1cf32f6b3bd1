"""Provides the discrepancy checks of a reconciliation run: plain data in, findings out.

Each finding names what differs, its cause as far as the hub can tell, and the action taken
(the owner's resolution, per `hub.domain.ownership`) or proposed to staff. Nothing here reads a
database or a clock: the runner gathers the inputs and stores the findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from hub.domain.ownership import decide

FindingKind = Literal[
    "unknown_gtin",
    "availability_mismatch",
    "price_mismatch",
    "seq_gap",
    "order_stuck",
    "reservation_stuck",
    "negative_stock",
    "shelf_without_stock",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """One discrepancy of a run.

    Attributes:
        kind: what kind of discrepancy.
        key: what it is about, unique per kind in a run (a GTIN, `device:from-to`, an order id).
        cause: why it differs, as far as the hub can tell.
        action: what was done about it, or what staff should do.
        action_taken: True when the hub acted on its own (per the ownership rules).
        gtin: the product, if any.
        device: the device, if any.
        detail: the values compared.
    """

    kind: FindingKind
    key: str
    cause: str
    action: str
    action_taken: bool
    gtin: str | None = None
    device: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.key or not self.cause or not self.action:
            raise ValueError("a finding needs a key, a cause and an action")

    @property
    def id(self) -> str:
        """Stable id across runs: `<kind>:<key>`."""
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True, slots=True)
class AvailabilityInput:
    """What the availability check compares.

    Attributes:
        ledger: on-hand per GTIN from the hub ledger (may be negative: flagged).
        central: on-hand per GTIN as central holds it for this store.
        push_key: idempotency key of the availability push queued by this run, if any.
        last_push_state: state of the newest earlier push (`pending`, `sent`, ...), if any.
        ledger_moved: the ledger has movements the earlier pushes did not carry.
    """

    ledger: Mapping[str, int]
    central: Mapping[str, int]
    push_key: str | None
    last_push_state: str | None
    ledger_moved: bool = False


def availability_findings(data: AvailabilityInput) -> list[Finding]:
    """Central's view of store stock against the ledger (the hub owns store on-hand)."""
    findings = []
    for gtin in sorted(set(data.ledger) | set(data.central)):
        hub_units = max(0, data.ledger.get(gtin, 0))
        central_units = data.central.get(gtin)
        decision = decide("store_on_hand", hub_units, central_units)
        if decision.action == "none":
            continue
        if central_units is None:
            cause = "central holds no availability for this product from this store yet"
        elif data.ledger_moved:
            cause = "the ledger moved since the last push (new movements)"
        elif data.last_push_state == "pending":
            cause = "the last push has not reached central yet"
        else:
            cause = "central's copy differs from the ledger (changed at central, or a push failed)"
        if data.push_key is not None:
            action, taken = f"queued ledger on-hand {hub_units} for central ({data.push_key})", True
        else:
            action, taken = "push the ledger when central is reachable", False
        findings.append(
            Finding(
                "availability_mismatch",
                gtin,
                f"{cause}; {decision.reason}",
                action,
                taken,
                gtin=gtin,
                detail={"ledger": data.ledger.get(gtin, 0), "central": central_units},
            )
        )
    return findings


def price_findings(
    shelf: Iterable[tuple[str, int, str, str]],
    central: Mapping[str, int],
    store: Mapping[str, int] | None = None,
) -> list[Finding]:
    """Shelf (or till) prices against the price the store charges: an approved store price
    (`store_prices`, from a price proposal a manager approved) or else central's base price.

    Args:
        shelf: `(gtin, price_cents, source, source_event)` of the latest price seen per product.
        central: central's base price per GTIN (products central does not know are left out).
        store: approved store prices per GTIN (those without one sell at central's price).
    """
    findings = []
    for gtin, price, source, event in shelf:
        central_price = central.get(gtin)
        if central_price is None:
            continue
        approved = (store or {}).get(gtin)
        expected = central_price if approved is None else approved
        decision = decide("store_price", price, expected)
        if decision.action == "none":
            continue
        seen = "on the shelf label" if source == "sighting" else "at the till"
        what = "central's base price" if approved is None else "the approved store price"
        findings.append(
            Finding(
                "price_mismatch",
                gtin,
                f"{price} cents seen {seen} (event {event}), {what} is {expected}; "
                f"{decision.reason}",
                f"staff: relabel to {expected} cents, or approve a store price rule "
                "(never applied without approval)",
                False,
                gtin=gtin,
                detail={
                    "shelf": price,
                    "central": central_price,
                    "store": approved,
                    "source": source,
                },
            )
        )
    return findings


def unknown_gtin_findings(
    scanned: Iterable[tuple[str, int, str]], sold: Mapping[str, int], *, cursor: int
) -> list[Finding]:
    """Codes scanned or sold that the local catalog copy does not hold.

    Args:
        scanned: `(code, scans, devices)` of demand signals for codes not in the catalog.
        sold: units booked in the ledger for GTINs not in the catalog.
        cursor: the change-feed cursor the catalog copy is at.
    """
    counts = {code: (scans, devices) for code, scans, devices in scanned}
    findings = []
    for code in sorted(set(counts) | set(sold)):
        scans, devices = counts.get(code, (0, ""))
        units = sold.get(code, 0)
        cause = f"not in central's catalog as of feed cursor {cursor}"
        if units:
            cause += f"; the ledger holds {units} units of it"
        findings.append(
            Finding(
                "unknown_gtin",
                code,
                cause,
                "staff: ask central to list the product, or check the label (demand signal kept)",
                False,
                gtin=code,
                detail={"scans": scans, "devices": devices, "ledger_units": units},
            )
        )
    return findings


def gap_findings(gaps: Iterable[tuple[str, int, int, datetime]]) -> list[Finding]:
    """Open device seq gaps: events the hub never received (never guessed)."""
    return [
        Finding(
            "seq_gap",
            f"{device}:{first}-{last}",
            f"events {first}..{last} of {device} never arrived (detected {detected:%Y-%m-%d %H:%M}"
            " UTC): dropped from a full device outbox, or still on their way",
            "staff: check the device's outbox and state; the gap closes if they arrive",
            False,
            device=device,
            detail={"from_seq": first, "to_seq": last, "missing": last - first + 1},
        )
        for device, first, last, detected in gaps
    ]
