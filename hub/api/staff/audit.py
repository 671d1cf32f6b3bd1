"""Provides `/dashboard/audit`: every AI output that drove an action, newest first, with
model name, version and sha256, input hash, score, threshold and who approved it."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from hub.api.deps import Services
from hub.api.staff.auth import Staff
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db import audit

router = APIRouter(tags=["staff"], include_in_schema=False)
PAGE_ROWS = 100


@router.get(f"{STAFF_PREFIX}/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    services: Services,
    session: Staff,
    kind: str = Query(default="", max_length=40),
    model: str = Query(default="", max_length=200),
    before: int | None = Query(default=None, ge=1),
) -> HTMLResponse:
    """One page of the audit log (filter by kind and model; older entries page by id)."""
    rows = audit.list_decisions(
        services.db, kind=kind, model=model, before_id=before, limit=PAGE_ROWS
    )
    kinds, models = audit.audit_facets(services.db)
    return page(
        services,
        request,
        "staff/audit.html",
        {
            "title": "AI audit",
            "active": "audit",
            "rows": rows,
            "kinds": kinds,
            "models": models,
            "kind": kind,
            "model": model,
            "next_before": rows[-1].id if len(rows) == PAGE_ROWS else None,
        },
        session=session,
    )
