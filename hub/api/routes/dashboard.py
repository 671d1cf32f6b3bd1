"""Provides `GET /dashboard`, the staff page: health, devices, live events, dead letters, demand."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.api.deps import Services

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_class=HTMLResponse)
async def get_dashboard(request: Request, services: Services) -> HTMLResponse:
    """The dashboard page; its script reads the JSON API and the live event stream."""
    return services.templates.TemplateResponse(
        request, "dashboard.html", {"store_id": services.settings.store_id}
    )
