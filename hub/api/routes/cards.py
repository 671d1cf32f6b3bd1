"""Provides `GET /api/v1/cards/{code}`: the product card for any GTIN form, or `UnknownCode`."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from contracts.cards import ProductCard, UnknownCode
from hub.api.deps import Db, Services
from hub.api.schemas import DemandOut
from hub.db import stock
from hub.db.cards import load_card_sources
from hub.db.connection import write_transaction
from hub.domain.cards import build_card, candidate_gtins

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["cards"])


@router.get(
    "/cards/{code}",
    response_model=ProductCard,
    responses={404: {"model": UnknownCode, "description": "not in the catalog"}},
)
async def get_card(
    code: str,
    services: Services,
    device: str = Query(default="api", max_length=64, description="who is asking"),
) -> ProductCard | JSONResponse:
    """Returns the card of a product by EAN-8/13, UPC-A/E or GTIN-14.

    A valid GTIN the catalog does not hold is recorded as a demand signal for staff.
    """
    candidates = candidate_gtins(code)
    for gtin in candidates:
        sources = load_card_sources(services.db, gtin, central_url=services.settings.central_url)
        if sources is not None:
            return build_card(sources)
    if not candidates:
        body = UnknownCode(
            code=code, message="not a GTIN with a valid check digit", demand_recorded=False
        )
        return JSONResponse(status_code=404, content=body.model_dump(mode="json"))
    with write_transaction(services.db):
        stock.record_demand(services.db, candidates[0], device=device, now=services.clock())
    logger.info("unknown code asked for code=%s device_id=%s", candidates[0], device)
    body = UnknownCode(code=candidates[0], message="not in our catalog", demand_recorded=True)
    return JSONResponse(status_code=404, content=body.model_dump(mode="json"))


@router.get("/demand", response_model=list[DemandOut])
async def list_demand(db: Db, limit: int = Query(default=50, ge=1, le=1000)) -> list[DemandOut]:
    """Codes shoppers asked for that the catalog does not hold, most requested first."""
    return [
        DemandOut(
            code=s.code,
            device=s.device,
            count=s.count,
            first_seen=s.first_seen,
            last_seen=s.last_seen,
        )
        for s in stock.list_demand(db, limit=limit)
    ]
