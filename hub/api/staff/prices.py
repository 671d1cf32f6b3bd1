"""Provides `/dashboard/prices`: stock-aware price proposals a manager approves (optionally at
another price within the bounds) or rejects with a reason; associates see them but cannot act.
Every decision is an AI-audit row naming who decided; an approved price is what cards show."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from hub.api.deps import Services
from hub.api.staff.auth import PriceStaff, Staff, StaffForm
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db import pricing
from hub.db.connection import write_transaction
from hub.db.pricing import ProposalState, StoredProposal
from hub.db.staff import StaffSession
from hub.domain.dashboard.forms import FormCheck
from hub.domain.dashboard.prices import (
    KIND_LABELS,
    TABS,
    ProposalRow,
    check_approval,
    check_rejection,
    euros,
)
from hub.domain.pricing import PricingPolicy
from hub.errors import InvalidTransition, NotFound

logger = logging.getLogger(__name__)
router = APIRouter(tags=["staff"], include_in_schema=False)
PATH = f"{STAFF_PREFIX}/prices"
LIST_LIMIT = 100


def _rows(services: Services, stored: list[StoredProposal]) -> list[ProposalRow]:
    names = pricing.product_names(services.db, [s.proposal.gtin for s in stored])
    rows = []
    for s in stored:
        p = s.proposal
        decided = ""
        if s.state != "open":
            at = s.decided_at.strftime("%Y-%m-%d %H:%M") if s.decided_at else ""
            price = f" at {euros(s.decided_cents)}" if s.decided_cents is not None else ""
            why = f": {s.decision_reason}" if s.decision_reason else ""
            decided = f"{s.state}{price} by {s.decided_by} {at}{why}"
        rows.append(
            ProposalRow(
                id=s.id, gtin=p.gtin, name=names.get(p.gtin, p.gtin),
                kind_label=KIND_LABELS.get(p.kind, p.kind), current=euros(p.current_cents),
                proposed=euros(p.proposed_cents), floor=euros(p.floor_cents), reason=p.reason,
                inputs=p.inputs, state=s.state, decided=decided,
            )
        )  # fmt: skip
    return rows


def _prices_page(
    services: Services,
    request: Request,
    session: StaffSession,
    *,
    tab: str,
    failed: tuple[int, FormCheck] | None = None,
    flash: str = "",
) -> HTMLResponse:
    states: tuple[ProposalState, ...] = ("approved", "rejected") if tab == "decided" else ("open",)
    stored = pricing.list_proposals(services.db, states=states, limit=LIST_LIMIT)
    return page(
        services,
        request,
        "staff/prices.html",
        {
            "title": "Prices",
            "active": "prices",
            "tab": "decided" if tab == "decided" else "open",
            "tabs": TABS,
            "proposals": _rows(services, stored),
            "counts": pricing.count_by_state(services.db),
            "limit": LIST_LIMIT,
            "failed_id": failed[0] if failed else None,
            "failed": failed[1] if failed else FormCheck({}),
            "flash": flash,
        },
        session=session,
        status_code=422 if failed else 200,
    )


@router.get(PATH, response_class=HTMLResponse)
async def prices_page(
    request: Request, services: Services, session: Staff, tab: str = "open", done: str = ""
) -> HTMLResponse:
    """Open proposals (or `?tab=decided`); managers see the approve and reject forms."""
    return _prices_page(services, request, session, tab=tab, flash=done)


def _proposal(services: Services, proposal_id: int) -> StoredProposal:
    try:
        return pricing.get_proposal(services.db, proposal_id)
    except NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


def _done(note: str) -> RedirectResponse:
    return RedirectResponse(f"{PATH}?{urlencode({'done': note})}", status_code=303)


@router.post(f"{PATH}/{{proposal_id}}/approve", response_class=HTMLResponse)
async def approve_proposal(
    request: Request, services: Services, session: PriceStaff, form: StaffForm, proposal_id: int
) -> Response:
    """Approves a proposal at its price or the manager's (field errors re-show the form)."""
    stored = _proposal(services, proposal_id)
    check = check_approval(form, stored.proposal)
    if not check.ok:
        return _prices_page(services, request, session, tab="open", failed=(proposal_id, check))
    cents, by = int(check.values["cents"]), session.user.username
    try:
        with write_transaction(services.db):
            pricing.approve(services.db, proposal_id, cents=cents, by=by, now=services.clock())
    except InvalidTransition as exc:
        return _done(str(exc))
    logger.info("price proposal %d approved at %d by=%s", proposal_id, cents, by)
    return _done(f"Approved: {stored.proposal.gtin} now sells at {euros(cents)}.")


@router.post(f"{PATH}/{{proposal_id}}/reject", response_class=HTMLResponse)
async def reject_proposal(
    request: Request, services: Services, session: PriceStaff, form: StaffForm, proposal_id: int
) -> Response:
    """Rejects a proposal with the manager's reason."""
    _proposal(services, proposal_id)
    check = check_rejection(form)
    if not check.ok:
        return _prices_page(services, request, session, tab="open", failed=(proposal_id, check))
    by = session.user.username
    try:
        with write_transaction(services.db):
            pricing.reject(
                services.db, proposal_id, reason=check.values["reason"], by=by,
                now=services.clock(),
            )  # fmt: skip
    except InvalidTransition as exc:
        return _done(str(exc))
    logger.info("price proposal %d rejected by=%s", proposal_id, by)
    return _done(f"Rejected proposal {proposal_id}.")


@router.post(f"{PATH}/run", response_class=HTMLResponse)
async def run_proposals(services: Services, session: PriceStaff, form: StaffForm) -> Response:
    """Runs the proposal job now, on its own connection in a worker thread (the page's event
    loop keeps serving; `aisle hub propose-prices` runs the same job)."""
    del form
    run = await run_in_threadpool(
        pricing.run_pricing_job,
        services.settings.db_path,
        now=services.clock(),
        policy=PricingPolicy(),
    )
    logger.info("pricing run by=%s: %s", session.user.username, run)
    return _done(
        f"Checked {run.products} products: {run.proposed} new, {run.kept} kept, "
        f"{run.superseded} superseded."
    )
