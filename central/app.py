"""Provides `create_app`, central's FastAPI application over a `CentralRepository`.

Errors become JSON bodies `{"code", "message"}` (`contracts.catalog.ErrorBody`); validation
failures are 422 with one readable line per bad field plus pydantic's detail list.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from central.errors import CentralError
from central.repository import CentralRepository
from central.routes import admin, catalog, orders, stores
from contracts.catalog import ErrorBody


def create_app(source: CentralRepository | Path | str) -> FastAPI:
    """Builds central's app.

    Args:
        source: the repository to serve, or the path of a SQLite file to open (created and
            migrated when needed).

    Returns:
        The FastAPI application (routes under `/v1`).
    """
    repository = source if isinstance(source, CentralRepository) else _open(source)
    app = FastAPI(
        title="aisle central catalog",
        version="1",
        description="Reference central catalog of the chain: products, prices, online stock, "
        "reviews, change feed, delivery orders, store availability.",
    )
    for module in (catalog, orders, stores, admin):
        app.include_router(module.build_router(repository))
    app.add_exception_handler(CentralError, _central_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    return app


def _open(path: Path | str) -> CentralRepository:
    return CentralRepository.from_path(Path(path))


async def _central_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, CentralError):  # pragma: no cover - registered for CentralError only
        raise exc
    body = ErrorBody(code=exc.code, message=exc.message)
    return JSONResponse(status_code=exc.status, content=body.model_dump())


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover - registered for it only
        raise exc
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ())) or "(request)"
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    content = {
        "code": "invalid_request",
        "message": "; ".join(parts),
        "errors": jsonable_encoder(exc.errors(), exclude={"ctx", "url"}),
    }
    return JSONResponse(status_code=422, content=content)
