"""Provides the try-on asset endpoints: the catalog kiosks fetch (`GET /api/v1/tryon/catalog`),
its files (`GET /api/v1/tryon/files/{name}`, with HTTP Range so a kiosk resumes a cut download),
the staff report of refused photos and kiosk-refused assets (`GET /api/v1/tryon/refusals`), kiosks'
reports (`POST /api/v1/tryon/reports`) and a garment's photo upload
(`PUT /api/v1/products/{gtin}/tryon-photo`).

The routes use their own dependency, bound by `install_tryon_api` to one app's service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.tryon import TRYON_CATALOG_SCHEMA_VERSION, AssetReport, TryOnCatalog
from hub.api.api_auth import ServiceCaller
from hub.api.deps import Db
from hub.db.tryon import garment_products
from hub.errors import HubError, NotFound, UnknownProduct
from hub.index.photos import PhotoRefused
from hub.index.upload import MAX_BODY_BYTES, photo_from_body
from hub.tryon.garments import SUBCATEGORY_CATEGORIES
from hub.tryon.service import TryOnAssetService

router = APIRouter(prefix="/api/v1", tags=["tryon"])
Gtin = Annotated[str, Path(pattern=r"^\d{14}$", description="GTIN-14")]
FileName = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,128}\.(png|json)$")]


class RefusedPhotoOut(BaseModel):
    """A product photo the builder refused."""

    model_config = ConfigDict(frozen=True)

    gtin: str = Field(description="the garment's product (smallest size)")
    style: str = Field(description="the style whose photo it is")
    reason: str = Field(description="why no asset was built")


class RefusalsOut(BaseModel):
    """What staff should fix: refused photos, and assets kiosks refused."""

    model_config = ConfigDict(frozen=True)

    catalog_version: int = Field(description="the try-on catalog version kiosks are sent")
    assets: int = Field(description="assets in that version")
    photos: list[RefusedPhotoOut] = Field(description="photos refused by the last build")
    device_reports: list[AssetReport] = Field(description="assets kiosks refused, oldest first")


class PhotoAcceptedOut(BaseModel):
    """A stored garment photo (the build runs in the background)."""

    model_config = ConfigDict(frozen=True)

    style: str = Field(description="the style the photo is for (every size shares it)")
    changed: bool = Field(description="False when the same photo was already stored")


async def get_tryon_service() -> TryOnAssetService:
    """Placeholder provider; `install_tryon_api` binds it.

    Raises:
        HubError: always, when the router is used without `install_tryon_api`.
    """
    raise HubError("try-on API not wired: call install_tryon_api(app, service)")


Service = Annotated[TryOnAssetService, Depends(get_tryon_service)]


def install_tryon_api(app: FastAPI, service: TryOnAssetService) -> None:
    """Adds the try-on routes to `app`, served by `service`."""

    async def provide() -> TryOnAssetService:
        return service

    app.dependency_overrides[get_tryon_service] = provide
    app.include_router(router)


def _empty(store: str) -> TryOnCatalog:
    return TryOnCatalog(
        schema_version=TRYON_CATALOG_SCHEMA_VERSION, store=store, version=0, assets=()
    )


@router.get("/tryon/catalog", response_model=TryOnCatalog)
async def get_catalog(service: Service) -> TryOnCatalog:
    """The try-on assets kiosks should hold (version 0 with no assets before the first build)."""
    current = service.library.current()
    return current if current is not None else _empty(service.library.store_id)


@router.get("/tryon/files/{name}", response_class=FileResponse)
async def get_file(name: FileName, service: Service) -> FileResponse:
    """One asset file; honours `Range: bytes=N-` so a cut download resumes. 404 if unknown."""
    path = service.library.file_path(name)
    if path is None:
        raise NotFound(f"no try-on file {name}")
    media = "image/png" if name.endswith(".png") else "application/json"
    return FileResponse(path, media_type=media)


@router.get("/tryon/refusals", response_model=RefusalsOut)
async def get_refusals(service: Service) -> RefusalsOut:
    """Photos the last build refused and assets kiosks refused, for staff to fix."""
    current = service.library.current()
    photos = [
        RefusedPhotoOut(gtin=r.product_id, style=r.source, reason=r.reason)
        for r in service.library.refusals()
    ]
    return RefusalsOut(
        catalog_version=0 if current is None else current.version,
        assets=0 if current is None else len(current.assets),
        photos=photos,
        device_reports=service.device_reports(),
    )


@router.post("/tryon/reports", status_code=202)
async def post_report(report: AssetReport, service: Service) -> dict[str, bool]:
    """A kiosk reports an asset it refused (corrupt file, bad metadata)."""
    service.report(report)
    return {"accepted": True}


@router.put("/products/{gtin}/tryon-photo", response_model=PhotoAcceptedOut, status_code=202)
async def put_photo(
    gtin: Gtin, request: Request, db: Db, service: Service, _caller: ServiceCaller
) -> PhotoAcceptedOut:
    """Stores the try-on photo of a garment (any of its sizes) and starts a build.

    Staff sessions and service tokens only (403 for kiosk and device tokens). Answers 422 for a
    GTIN that is not a garment of the catalog or a body that holds no photo.
    """
    product = next(
        (p for p in garment_products(db, SUBCATEGORY_CATEGORIES) if p.gtin == gtin), None
    )
    if product is None:
        raise UnknownProduct(f"GTIN {gtin} is not a garment of the store's catalog")
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_BODY_BYTES:
        raise PhotoRefused(f"the upload has {declared} bytes; at most {MAX_BODY_BYTES}")
    data = photo_from_body(request.headers.get("content-type", ""), await request.body())
    style = str(product.attributes.get("style") or product.gtin)
    changed = service.photos.put(style, data)
    service.request_build()
    return PhotoAcceptedOut(style=style, changed=changed)
