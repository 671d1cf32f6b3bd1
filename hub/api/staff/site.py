"""Provides `install_staff_site`: adds the staff dashboard's routers and error pages to an app.

One router per resource; the composition is this explicit list (no discovery by import).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from hub.api.staff import (
    audit,
    demand,
    devices,
    discrepancies,
    live,
    login,
    overview,
    pickups,
    prices,
    stock,
    tryon,
    users,
)
from hub.api.staff.pages import install_error_pages

ROUTERS = (
    login.router,
    overview.router,
    live.router,
    stock.router,
    discrepancies.router,
    pickups.router,
    devices.router,
    demand.router,
    tryon.router,
    prices.router,
    audit.router,
    users.router,
)


def install_staff_site(app: FastAPI, templates: Jinja2Templates) -> None:
    """Adds every staff page and the handlers that render errors as pages.

    Args:
        app: the hub's FastAPI app.
        templates: the hub's Jinja2 templates.
    """
    for router in ROUTERS:
        app.include_router(router)
    install_error_pages(app, templates)
