"""Provides the index endpoints: `GET /api/v1/index`, `POST /api/v1/index/builds`, and the
reference photos of a product (`/api/v1/products/{gtin}/reference-photos`).

The routes use their own dependency, bound by `install_index_api` to one app's `IndexService`,
so an app without photo search has none of these routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response, status

from hub.api.api_auth import ServiceCaller
from hub.api.deps import Db
from hub.api.index_schemas import (
    BuildStartedOut,
    IndexBuildOut,
    IndexDeviceOut,
    IndexOut,
    IndexVersionOut,
    ReferencePhotoOut,
)
from hub.db import catalog, repo
from hub.errors import HubError, UnknownProduct
from hub.index.photos import PhotoRefused, ReferencePhoto
from hub.index.service import IndexService
from hub.index.upload import MAX_BODY_BYTES, photo_from_body

router = APIRouter(prefix="/api/v1", tags=["index"])
Gtin = Annotated[str, Path(pattern=r"^\d{14}$", description="GTIN-14")]


async def get_index_service() -> IndexService:
    """Placeholder provider; `install_index_api` binds it.

    Raises:
        HubError: always, when the router is used without `install_index_api`.
    """
    raise HubError("index API not wired: call install_index_api(app, service)")


Index = Annotated[IndexService, Depends(get_index_service)]


def install_index_api(app: FastAPI, service: IndexService) -> None:
    """Adds the index routes to `app`, served by `service`."""

    async def provide() -> IndexService:
        return service

    app.dependency_overrides[get_index_service] = provide
    app.include_router(router)


def _photo_out(photo: ReferencePhoto, created: bool | None = None) -> ReferencePhotoOut:
    return ReferencePhotoOut(
        gtin=photo.gtin,
        photo_id=photo.photo_id,
        size_bytes=photo.size_bytes,
        added_at=photo.added_at,
        created=created,
    )


def _known(db: Db, gtin: str) -> None:
    if not catalog.product_exists(db, gtin):
        raise UnknownProduct(f"GTIN {gtin} is not in the store's catalog")


@router.post(
    "/products/{gtin}/reference-photos",
    response_model=ReferencePhotoOut,
    status_code=status.HTTP_201_CREATED,
)
async def add_reference_photo(
    gtin: Gtin,
    request: Request,
    response: Response,
    db: Db,
    index: Index,
    _admin: ServiceCaller,
) -> ReferencePhotoOut:
    """Enrolls a staff photo of a product (multipart field `photo`, or an image body).

    Answers 201 for a new photo, 200 when the same photo was already enrolled, 422 for a GTIN
    not in the catalog or an upload that is not a usable image (with the reason).
    """
    _known(db, gtin)
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_BODY_BYTES:
        raise PhotoRefused(f"the upload has {declared} bytes; at most {MAX_BODY_BYTES}")
    data = photo_from_body(request.headers.get("content-type", ""), await request.body())
    photo, created = index.photos.add(gtin, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return _photo_out(photo, created)


@router.get("/products/{gtin}/reference-photos", response_model=list[ReferencePhotoOut])
async def list_reference_photos(gtin: Gtin, index: Index) -> list[ReferencePhotoOut]:
    """The reference photos of a product, oldest first."""
    return [_photo_out(photo) for photo in index.photos.photos_of(gtin)]


@router.delete(
    "/products/{gtin}/reference-photos/{photo_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_reference_photo(
    gtin: Gtin,
    photo_id: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    index: Index,
    _admin: ServiceCaller,
) -> Response:
    """Removes a reference photo (the next build leaves it out); 404 if unknown."""
    index.photos.delete(gtin, photo_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/index/builds", response_model=BuildStartedOut, status_code=202)
async def start_build(index: Index, _admin: ServiceCaller) -> BuildStartedOut:
    """Starts an index build in the background (see `GET /api/v1/index` for its outcome)."""
    return BuildStartedOut(started=index.request_build())


def _build_out(index: IndexService) -> IndexBuildOut:
    state = index.status()
    report = state.last_report
    return IndexBuildOut(
        running=state.running,
        started_at=state.started_at,
        finished_at=state.finished_at,
        last_error=state.last_error,
        catalog_images=None if report is None else report.catalog_images,
        reference_photos=None if report is None else report.reference_photos,
        missing_images=None if report is None else report.missing_images,
        skipped=[] if report is None else list(report.skipped),
        texts=None if report is None else report.texts,
        texts_embedded=None if report is None else report.texts_embedded,
    )


@router.get("/index", response_model=IndexOut)
async def get_index(db: Db, index: Index) -> IndexOut:
    """The published version, the build status, and the version each device reports."""
    manifest = index.current()
    current = None
    if manifest is not None:
        current = IndexVersionOut(**manifest.model_dump(include=set(IndexVersionOut.model_fields)))
    stats = index.publisher_stats()
    seen = {} if stats is None else stats.devices
    devices = []
    for device in repo.list_devices(db):
        transfer = seen.get(device.id)
        devices.append(
            IndexDeviceOut(
                device=device.id,
                status=device.status,
                index_version=device.index_version,
                up_to_date=current is not None and device.index_version == current.version,
                fetching=None if transfer is None else transfer.fetching,
                chunks_requested=0 if transfer is None else transfer.chunks_requested,
                corrupt_reported=0 if transfer is None else transfer.corrupt_reported,
            )
        )
    return IndexOut(
        current=current,
        build=_build_out(index),
        publisher_connected=stats is not None and stats.connected,
        chunks_sent=0 if stats is None else stats.chunks_sent,
        devices=devices,
    )
