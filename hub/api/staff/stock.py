"""Provides `/dashboard/stock` (search by name, GTIN, category, aisle) and
`/dashboard/stock/{gtin}` (one product: store vs central, ledger history with sources, holds)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from hub.api.deps import Services
from hub.api.staff.auth import Staff
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db import catalog, stock, stock_view
from hub.domain.dashboard.stock import gtin_label, money, movement_source, parse_filters

router = APIRouter(tags=["staff"], include_in_schema=False)
LEDGER_ROWS = 100


@router.get(f"{STAFF_PREFIX}/stock", response_class=HTMLResponse)
async def stock_list(
    request: Request,
    services: Services,
    session: Staff,
    q: str = "",
    category: str = "",
    aisle: str = "",
    page_no: str = Query(default="", alias="page"),
) -> HTMLResponse:
    """Products with store on-hand, held units and online stock; filters keep their values."""
    filters, errors = parse_filters(q=q, category=category, aisle=aisle, page=page_no)
    rows, more = stock_view.search_stock(services.db, filters)
    return page(
        services,
        request,
        "staff/stock.html",
        {
            "title": "Stock",
            "active": "stock",
            "rows": rows,
            "more": more,
            "filters": filters,
            "values": {"q": q, "category": category, "aisle": aisle},
            "errors": errors,
            "categories": stock_view.categories(services.db),
            "money": money,
            "gtin_label": gtin_label,
        },
        session=session,
    )


@router.get(f"{STAFF_PREFIX}/stock/{{gtin}}", response_class=HTMLResponse)
async def product_page(
    request: Request,
    services: Services,
    session: Staff,
    gtin: str,
    before: int | None = Query(default=None, ge=1, description="ledger page: movements before"),
) -> HTMLResponse:
    """One product: store vs central, its ledger with the source of each movement, its holds.

    Raises:
        HTTPException: 404 when the hub knows neither the product nor any movement of it.
    """
    db = services.db
    record = catalog.get_product(db, gtin) if gtin.isdigit() and len(gtin) == 14 else None
    count = stock_view.movement_count(db, gtin) if record is None and len(gtin) == 14 else 0
    if record is None and count == 0:
        raise HTTPException(status_code=404, detail=f"no product with GTIN {gtin!r} in this hub")
    movements = stock_view.ledger(db, gtin, before_id=before, limit=LEDGER_ROWS)
    return page(
        services,
        request,
        "staff/product.html",
        {
            "title": record.product.name if record else gtin,
            "active": "stock",
            "gtin": gtin,
            "record": record,
            "on_hand": stock.on_hand(db, gtin),
            "location": stock.shelf_location(db, gtin),
            "online": catalog.online_stock(db, gtin),
            "holds": stock_view.holds(db, gtin),
            "movements": [(m, movement_source(m.source_event)) for m in movements],
            "next_before": movements[-1].id if len(movements) == LEDGER_ROWS else None,
            "money": money,
            "gtin_label": gtin_label,
        },
        session=session,
    )
