"""Provides `/dashboard/demand` (sortable) and `/dashboard/demand.csv` (the same rows as CSV):
unknown barcodes, searches without a good match, products wanted but out of stock here."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from hub.api.deps import Services
from hub.api.staff.auth import Staff
from hub.api.staff.pages import SECURITY_HEADERS, STAFF_PREFIX, page
from hub.db import demand_view
from hub.domain.dashboard.demand import (
    VIEWS,
    WINDOW_DAYS,
    DemandRow,
    DemandView,
    sort_rows,
    to_csv,
    view_for,
)

router = APIRouter(tags=["staff"], include_in_schema=False)
HTML_ROWS = 200  # the page shows the top rows; the CSV export has them all


def _rows(services: Services, view: DemandView, sort: str, direction: str) -> list[DemandRow]:
    since = services.clock() - timedelta(days=WINDOW_DAYS)
    if view.key == "no_match":
        rows = demand_view.weak_searches(services.db, since=since)
    elif view.key == "out_of_stock":
        rows = demand_view.wanted_out_of_stock(services.db, since=since)
    else:
        rows = demand_view.unknown_codes(services.db)
    return sort_rows(rows, key=sort, descending=direction != "asc")


@router.get(f"{STAFF_PREFIX}/demand", response_class=HTMLResponse)
async def demand_page(
    request: Request,
    services: Services,
    session: Staff,
    view: str = "unknown",
    sort: str = "count",
    direction: str = Query(default="desc", alias="dir"),
) -> HTMLResponse:
    """One demand view, sorted by a column (click a header to flip the order)."""
    chosen = view_for(view)
    rows = _rows(services, chosen, sort, direction)
    return page(
        services,
        request,
        "staff/demand.html",
        {
            "title": "Demand",
            "active": "demand",
            "views": VIEWS,
            "view": chosen,
            "rows": rows[:HTML_ROWS],
            "total": len(rows),
            "sort": sort,
            "direction": "asc" if direction == "asc" else "desc",
        },
        session=session,
    )


@router.get(f"{STAFF_PREFIX}/demand.csv", response_class=Response)
async def demand_csv(
    services: Services,
    session: Staff,
    view: str = "unknown",
    sort: str = "count",
    direction: str = Query(default="desc", alias="dir"),
) -> Response:
    """The rows of one demand view as a CSV download."""
    del session
    chosen = view_for(view)
    body = to_csv(_rows(services, chosen, sort, direction), detail_header=chosen.detail_header)
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="demand-{chosen.key}.csv"',
    }
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
