"""Provides `/dashboard/tryon`: the try-on photos staff should fix, the product photos the asset
builder refused (with its reason) and the assets kiosks refused, next to the catalog kiosks get.

The page reads the same service `install_tryon_api` binds for `GET /api/v1/tryon/refusals`; a hub
without try-on shows a note instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.api.deps import Services
from hub.api.routes.tryon import get_tryon_service
from hub.api.staff.auth import Staff
from hub.api.staff.pages import STAFF_PREFIX, page
from hub.db.pricing import product_names
from hub.tryon.service import TryOnAssetService

router = APIRouter(tags=["staff"], include_in_schema=False)
PATH = f"{STAFF_PREFIX}/tryon"


async def bound_tryon_service(request: Request) -> TryOnAssetService | None:
    """The try-on service `install_tryon_api` bound to this app, or None on a hub without it."""
    provide = request.app.dependency_overrides.get(get_tryon_service)
    if provide is None:
        return None
    service = await provide()
    return service if isinstance(service, TryOnAssetService) else None


@router.get(PATH, response_class=HTMLResponse)
async def tryon_page(request: Request, services: Services, session: Staff) -> HTMLResponse:
    """Refused product photos (newest build) and kiosk-refused assets (newest first)."""
    context: dict[str, object] = {"title": "Try-on photos", "active": "tryon"}
    service = await bound_tryon_service(request)
    if service is None:
        return page(services, request, "staff/tryon.html", context, session=session)
    current = service.library.current()
    refused = service.library.refusals()
    names = product_names(services.db, (r.product_id for r in refused))
    context |= {
        "enabled": True,
        "catalog_version": 0 if current is None else current.version,
        "assets": 0 if current is None else len(current.assets),
        "last_build": service.last_build(),
        "photos": [(r, names.get(r.product_id, "")) for r in refused],
        "reports": list(reversed(service.device_reports())),
    }
    return page(services, request, "staff/tryon.html", context, session=session)
