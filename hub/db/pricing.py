"""Provides price proposals and approved store prices in the hub database (tables of migration
0010, see `hub.db.api_tokens`).

`run_pricing` gathers the facts of every product, asks `hub.domain.pricing.propose_price` and
keeps one open proposal per product. A manager approves (optionally with another price within
the bounds) or rejects with a reason; each decision is an `ai_audit` row naming who decided. An
approved price other than central's becomes the product's row in `store_prices`, which the card
shows; one equal to central's removes the row (the store sells at central's price again). Store
prices are the hub's own (ARCHITECTURE: store price rules): nothing is sent to central.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from hub.db import audit, stock
from hub.db.codec import from_db_time, from_json, to_db_time, to_json
from hub.db.connection import open_database, write_transaction
from hub.domain.pricing import (
    RULE_VERSION,
    PriceFacts,
    PriceProposal,
    PricingPolicy,
    ProposalKind,
    propose_price,
)
from hub.errors import InvalidTransition, NotFound

ProposalState = Literal["open", "approved", "rejected", "superseded"]
MODEL_NAME = "aisle-pricing-rules"


@dataclass(frozen=True, slots=True)
class StoredProposal:
    """A proposal as stored, with its decision."""

    id: int
    proposal: PriceProposal
    rule_version: str
    created_at: datetime
    state: ProposalState
    decided_by: str | None
    decided_at: datetime | None
    decided_cents: int | None
    decision_reason: str | None


@dataclass(frozen=True, slots=True)
class PricingRun:
    """What one run of the proposal job did."""

    products: int
    proposed: int
    kept: int
    superseded: int


_COLUMNS = (
    "id, gtin, kind, current_cents, proposed_cents, floor_cents, reason, inputs, rule_version,"
    " created_at, state, decided_by, decided_at, decided_cents, decision_reason"
)


def _stored(row: tuple[Any, ...]) -> StoredProposal:
    kind: ProposalKind = row[2]
    proposal = PriceProposal(
        gtin=str(row[1]),
        kind=kind,
        current_cents=int(row[3]),
        proposed_cents=int(row[4]),
        floor_cents=int(row[5]),
        reason=str(row[6]),
        inputs=from_json(str(row[7])),
    )
    return StoredProposal(
        id=int(row[0]),
        proposal=proposal,
        rule_version=str(row[8]),
        created_at=from_db_time(str(row[9])),
        state=row[10],
        decided_by=row[11],
        decided_at=None if row[12] is None else from_db_time(str(row[12])),
        decided_cents=row[13],
        decision_reason=row[14],
    )


def _window_counts(db: Database, sql: str, since: datetime) -> dict[str, int]:
    return {str(g): int(n) for g, n in db.execute(sql, [to_db_time(since)]).fetchall()}


def gather_facts(db: Database, *, now: datetime, policy: PricingPolicy) -> list[PriceFacts]:
    """The pricing facts of every product in the catalog."""
    since = now - timedelta(days=policy.window_days)
    sold = _window_counts(
        db,
        "SELECT gtin, -SUM(quantity) FROM stock_movements WHERE kind = 'sale'"
        " AND recorded_at >= ? GROUP BY gtin",
        since,
    )
    held = _window_counts(
        db, "SELECT gtin, COUNT(*) FROM reservations WHERE created_at >= ? GROUP BY gtin", since
    )
    searched = _window_counts(
        db,
        "SELECT gtin, COUNT(*) FROM search_signals WHERE kind = 'out_of_stock'"
        " AND recorded_at >= ? AND gtin IS NOT NULL GROUP BY gtin",
        since,
    )
    on_hand = stock.on_hand_all(db)
    rows = db.execute(
        "SELECT p.gtin, p.price_cents, s.price_cents, sh.price_cents FROM products p"
        " LEFT JOIN store_prices s ON s.gtin = p.gtin"
        " LEFT JOIN shelf_prices sh ON sh.gtin = p.gtin ORDER BY p.gtin"
    ).fetchall()
    return [
        PriceFacts(
            gtin=gtin,
            central_cents=int(central),
            store_cents=store,
            shelf_cents=shelf,
            on_hand=on_hand.get(gtin, 0),
            sold_units=sold.get(gtin, 0),
            demand_signals=held.get(gtin, 0) + searched.get(gtin, 0),
        )
        for gtin, central, store, shelf in rows
    ]


def _rejected_recently(db: Database, proposal: PriceProposal, since: datetime) -> bool:
    row = db.execute(
        "SELECT 1 FROM price_proposals WHERE gtin = ? AND kind = ? AND proposed_cents = ?"
        " AND state = 'rejected' AND decided_at >= ? LIMIT 1",
        [proposal.gtin, proposal.kind, proposal.proposed_cents, to_db_time(since)],
    ).fetchone()
    return row is not None


def _open_by_gtin(db: Database) -> dict[str, StoredProposal]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM price_proposals WHERE state = 'open'").fetchall()
    return {str(row[1]): _stored(row) for row in rows}


def _same(a: PriceProposal, b: PriceProposal) -> bool:
    return (a.kind, a.current_cents, a.proposed_cents) == (
        b.kind,
        b.current_cents,
        b.proposed_cents,
    )


def _insert(db: Database, proposal: PriceProposal, now: datetime) -> None:
    db.execute(
        "INSERT INTO price_proposals (gtin, kind, current_cents, proposed_cents, floor_cents,"
        " reason, inputs, rule_version, created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " 'open')",
        [
            proposal.gtin, proposal.kind, proposal.current_cents, proposal.proposed_cents,
            proposal.floor_cents, proposal.reason, to_json(dict(proposal.inputs)),
            RULE_VERSION, to_db_time(now),
        ],
    )  # fmt: skip


def _supersede(db: Database, proposal_id: int, now: datetime) -> None:
    db.execute(
        "UPDATE price_proposals SET state = 'superseded', decided_at = ?, decided_by = 'job'"
        " WHERE id = ? AND state = 'open'",
        [to_db_time(now), proposal_id],
    )


@dataclass(frozen=True, slots=True)
class PricingPlan:
    """What the rules propose now, per product (read, not yet stored)."""

    products: int
    proposals: Mapping[str, PriceProposal]


def plan_pricing(db: Database, *, now: datetime, policy: PricingPolicy) -> PricingPlan:
    """Gathers every product's facts and asks the rules (reads only)."""
    facts = gather_facts(db, now=now, policy=policy)
    proposals = {}
    for item in facts:
        proposal = propose_price(item, policy)
        if proposal is not None:
            proposals[item.gtin] = proposal
    return PricingPlan(len(facts), proposals)


def apply_pricing(
    db: Database, plan: PricingPlan, *, now: datetime, policy: PricingPolicy
) -> PricingRun:
    """Stores a plan (call inside one write transaction).

    An open proposal the rules still make is kept; one they no longer make, or make with other
    prices, is superseded. A proposal a manager rejected within the window is not made again.
    """
    open_now = _open_by_gtin(db)
    since = now - timedelta(days=policy.window_days)
    proposed = kept = superseded = 0
    for gtin, proposal in plan.proposals.items():
        existing = open_now.pop(gtin, None)
        if existing is not None and _same(existing.proposal, proposal):
            kept += 1
            continue
        if existing is not None:
            _supersede(db, existing.id, now)
            superseded += 1
        if not _rejected_recently(db, proposal, since):
            _insert(db, proposal, now)
            proposed += 1
    for stale in open_now.values():  # no longer proposed, or the product left the catalog
        _supersede(db, stale.id, now)
        superseded += 1
    return PricingRun(plan.products, proposed, kept, superseded)


def run_pricing(db: Database, *, now: datetime, policy: PricingPolicy) -> PricingRun:
    """Plans and stores in one go (call inside one write transaction)."""
    return apply_pricing(db, plan_pricing(db, now=now, policy=policy), now=now, policy=policy)


def run_pricing_job(db_path: Path, *, now: datetime, policy: PricingPolicy) -> PricingRun:
    """The job on its own connection: plans in a read snapshot (writers go on; at 100k
    products and 1M movements the reads take seconds), then stores in a short write
    transaction. Safe to call from a worker thread."""
    db = open_database(db_path, run_migrations=False)
    try:
        db.execute("BEGIN")
        try:
            plan = plan_pricing(db, now=now, policy=policy)
        finally:
            db.execute("ROLLBACK")
        with write_transaction(db):
            return apply_pricing(db, plan, now=now, policy=policy)
    finally:
        db.close()


def get_proposal(db: Database, proposal_id: int) -> StoredProposal:
    """One proposal.

    Raises:
        NotFound: if there is no such proposal.
    """
    row = db.execute(f"SELECT {_COLUMNS} FROM price_proposals WHERE id = ?", [proposal_id])
    found = row.fetchone()
    if found is None:
        raise NotFound(f"no price proposal {proposal_id}")
    return _stored(found)


def list_proposals(
    db: Database, *, states: Iterable[ProposalState] = ("open",), limit: int = 200
) -> list[StoredProposal]:
    """Proposals in `states`, newest first."""
    wanted = list(states)
    marks = ", ".join("?" for _ in wanted)
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM price_proposals WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
        [*wanted, limit],
    ).fetchall()
    return [_stored(row) for row in rows]


def count_by_state(db: Database) -> dict[str, int]:
    """Proposals per state."""
    rows = db.execute("SELECT state, COUNT(*) FROM price_proposals GROUP BY state").fetchall()
    return {str(state): int(n) for state, n in rows}


def product_names(db: Database, gtins: Iterable[str]) -> dict[str, str]:
    """Product names of `gtins` (one query; the page shows names, not whole products)."""
    wanted = list(dict.fromkeys(gtins))
    if not wanted:
        return {}
    marks = ", ".join("?" for _ in wanted)
    rows = db.execute(f"SELECT gtin, name FROM products WHERE gtin IN ({marks})", wanted)
    return {str(g): str(n) for g, n in rows.fetchall()}


def store_prices_of(db: Database, gtins: Iterable[str]) -> dict[str, int]:
    """The approved store prices of `gtins` that have one."""
    wanted = list(dict.fromkeys(gtins))
    if not wanted:
        return {}
    marks = ", ".join("?" for _ in wanted)
    rows = db.execute(
        f"SELECT gtin, price_cents FROM store_prices WHERE gtin IN ({marks})", wanted
    ).fetchall()
    return {str(g): int(c) for g, c in rows}


def _decision(
    stored: StoredProposal, *, action: str, by: str, output: Mapping[str, Any]
) -> audit.AiDecision:
    proposal = stored.proposal
    return audit.AiDecision(
        kind="price_proposal",
        action=action,
        model_name=MODEL_NAME,
        model_version=stored.rule_version,
        input_sha256=audit.sha256_hex(to_json(dict(proposal.inputs))),
        approved_by=by,
        subject=proposal.gtin,
        output={
            "proposal_id": stored.id,
            "kind": proposal.kind,
            "current_cents": proposal.current_cents,
            "proposed_cents": proposal.proposed_cents,
            "reason": proposal.reason,
            **output,
        },
    )


def _open(db: Database, proposal_id: int) -> StoredProposal:
    stored = get_proposal(db, proposal_id)
    if stored.state != "open":
        raise InvalidTransition(f"price proposal {proposal_id} is already {stored.state}")
    return stored


def approve(db: Database, proposal_id: int, *, cents: int, by: str, now: datetime) -> None:
    """Applies a proposal at `cents` (checked by the caller against its bounds).

    Raises:
        NotFound: no such proposal.
        InvalidTransition: it is not open.
    """
    stored = _open(db, proposal_id)
    gtin, stamp = stored.proposal.gtin, to_db_time(now)
    db.execute(
        "UPDATE price_proposals SET state = 'approved', decided_by = ?, decided_at = ?,"
        " decided_cents = ? WHERE id = ?",
        [by, stamp, cents, proposal_id],
    )
    central = db.execute("SELECT price_cents FROM products WHERE gtin = ?", [gtin]).fetchone()
    if central is not None and int(central[0]) == cents:
        db.execute("DELETE FROM store_prices WHERE gtin = ?", [gtin])
    else:
        db.execute(
            "INSERT INTO store_prices (gtin, price_cents, proposal_id, approved_by, approved_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (gtin) DO UPDATE SET"
            " price_cents = excluded.price_cents, proposal_id = excluded.proposal_id,"
            " approved_by = excluded.approved_by, approved_at = excluded.approved_at",
            [gtin, cents, proposal_id, by, stamp],
        )
    decision = _decision(stored, action="price_change", by=by, output={"approved_cents": cents})
    audit.record_ai_decision(db, decision, now=now)


def reject(db: Database, proposal_id: int, *, reason: str, by: str, now: datetime) -> None:
    """Rejects a proposal with the manager's reason (recorded in the audit too).

    Raises:
        NotFound: no such proposal.
        InvalidTransition: it is not open.
    """
    stored = _open(db, proposal_id)
    db.execute(
        "UPDATE price_proposals SET state = 'rejected', decided_by = ?, decided_at = ?,"
        " decision_reason = ? WHERE id = ?",
        [by, to_db_time(now), reason, proposal_id],
    )
    decision = _decision(stored, action="price_rejected", by=by, output={"rejected": reason})
    audit.record_ai_decision(db, decision, now=now)
