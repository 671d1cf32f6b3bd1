"""Provides `/dashboard/discrepancies`: findings with cause and proposed action, and the
manager's actions on them (accept a count, push a correction, dismiss with a reason), each
recorded with who did it."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from hub.api.deps import Services
from hub.api.staff.auth import DiscrepancyStaff, Staff, StaffForm
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db import corrections, findings
from hub.db.connection import write_transaction
from hub.db.staff import StaffSession
from hub.domain.dashboard.discrepancies import (
    ACTION_LABELS,
    FindingFacts,
    FindingView,
    allowed_actions,
    finding_view,
)
from hub.domain.dashboard.forms import FormCheck, check_discrepancy_action

logger = logging.getLogger(__name__)
router = APIRouter(tags=["staff"], include_in_schema=False)
PATH = f"{STAFF_PREFIX}/discrepancies"
LIST_LIMIT = 200


def _views(services: Services, facts: list[FindingFacts]) -> list[FindingView]:
    history = findings.actions_for(services.db, [f.id for f in facts])
    return [finding_view(f, history.get(f.id, [])) for f in facts]


def _discrepancies_page(
    services: Services,
    request: Request,
    session: StaffSession,
    *,
    show: str,
    failed: tuple[str, FormCheck] | None = None,
    flash: str = "",
) -> HTMLResponse:
    resolved = show == "resolved"
    if resolved:
        facts = findings.list_handled_findings(services.db, limit=LIST_LIMIT)
    else:
        facts = findings.list_open_findings(services.db, limit=LIST_LIMIT)
    return page(
        services,
        request,
        "staff/discrepancies.html",
        {
            "title": "Discrepancies",
            "active": "discrepancies",
            "show": "resolved" if resolved else "open",
            "findings": _views(services, facts),
            "labels": ACTION_LABELS,
            "failed_id": failed[0] if failed else None,
            "failed": failed[1] if failed else FormCheck({}),
            "flash": flash,
        },
        session=session,
        status_code=422 if failed else 200,
    )


@router.get(PATH, response_class=HTMLResponse)
async def list_discrepancies(
    request: Request, services: Services, session: Staff, show: str = "open", done: str = ""
) -> HTMLResponse:
    """Open findings (or `?show=resolved` with their history); managers see the action forms."""
    flash = f"Recorded: {ACTION_LABELS.get(done, done)}." if done else ""
    return _discrepancies_page(services, request, session, show=show, flash=flash)


def _apply(services: Services, finding: FindingFacts, check: FormCheck, actor: str) -> int:
    db, now, values = services.db, services.clock(), check.values
    with write_transaction(db):
        if values["action"] == "accept_count":
            assert finding.gtin is not None
            return corrections.accept_count(
                db, finding.id, gtin=finding.gtin, counted_units=int(values["counted_units"]),
                actor=actor, now=now,
            )  # fmt: skip
        if values["action"] == "push_correction":
            assert finding.gtin is not None
            return corrections.push_correction(
                db, finding.id, store_id=services.settings.store_id, gtin=finding.gtin,
                reason=values["reason"], actor=actor, now=now,
            )  # fmt: skip
        return corrections.dismiss(db, finding.id, reason=values["reason"], actor=actor, now=now)


@router.post(f"{PATH}/{{finding_id}}/actions", response_class=HTMLResponse)
async def act_on_finding(
    request: Request,
    services: Services,
    session: DiscrepancyStaff,
    form: StaffForm,
    finding_id: str,
) -> Response:
    """Records a manager's action on a finding (field errors re-show the form).

    Raises:
        HTTPException: 404 for an unknown finding.
    """
    finding = findings.get_finding(services.db, finding_id)
    if finding is None:
        raise HTTPException(status_code=404, detail=f"no finding {finding_id!r}")
    check = check_discrepancy_action(form, has_gtin=finding.gtin is not None)
    allowed = allowed_actions(finding.kind)
    if check.ok and check.values["action"] not in allowed:
        check.errors["action"] = "this action does not apply to this finding"
    if not check.ok:
        return _discrepancies_page(
            services, request, session, show="open", failed=(finding_id, check)
        )
    action_id = _apply(services, finding, check, session.user.username)
    services.outbox_wake()
    logger.info(
        "discrepancy action id=%d finding=%s action=%s by=%s",
        action_id,
        finding_id,
        check.values["action"],
        session.user.username,
    )
    return RedirectResponse(f"{PATH}?done={quote(check.values['action'])}", status_code=303)
