"""Provides the response bodies of the index and reference-photo endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class IndexApiModel(BaseModel):
    """Base of the index API bodies."""

    model_config = ConfigDict(frozen=True)


class ReferencePhotoOut(IndexApiModel):
    """One stored reference photo."""

    gtin: str = Field(description="the product")
    photo_id: str = Field(description="sha256 of the photo's bytes")
    size_bytes: int = Field(description="file size")
    added_at: datetime = Field(description="when it was stored")
    created: bool | None = Field(default=None, description="upload only: new (or already held)")


class IndexVersionOut(IndexApiModel):
    """The published index version."""

    version: str = Field(description="ULID of the version")
    built_at: datetime = Field(description="when the build finished")
    model_name: str = Field(description="embedding model")
    dims: int = Field(description="embedding dimensions")
    dtype: str = Field(description="row storage type")
    count: int = Field(description="rows")
    products: int = Field(description="products")
    total_bytes: int = Field(description="file size")
    chunk_count: int = Field(description="chunks")
    sha256: str = Field(description="sha256 of the file")


class IndexBuildOut(IndexApiModel):
    """The build side."""

    running: bool = Field(description="a build is under way")
    started_at: datetime | None = Field(description="last build start")
    finished_at: datetime | None = Field(description="last build end")
    last_error: str | None = Field(description="why the last build failed")
    catalog_images: int | None = Field(description="catalog images in the last good build")
    reference_photos: int | None = Field(description="staff photos in the last good build")
    missing_images: int | None = Field(description="products without a fetched catalog image")
    skipped: list[str] = Field(description="images the indexer could not read")
    texts: int | None = Field(
        default=None, description="text-search rows (one per product) in the last good build"
    )
    texts_embedded: int | None = Field(
        default=None, description="of those, texts embedded anew (the rest were unchanged)"
    )


class IndexDeviceOut(IndexApiModel):
    """One device's index, as it reports it."""

    device: str = Field(description="device id")
    status: str = Field(description="device status from its retained state")
    index_version: str | None = Field(description="version from the device's DeviceState")
    up_to_date: bool = Field(description="it runs the published version")
    fetching: str | None = Field(description="version it last asked chunks of")
    chunks_requested: int = Field(description="chunks it asked for since the hub started")
    corrupt_reported: int = Field(description="chunks it reported corrupt")


class IndexOut(IndexApiModel):
    """`GET /api/v1/index`."""

    current: IndexVersionOut | None = Field(description="the published version, if any")
    build: IndexBuildOut = Field(description="build status")
    publisher_connected: bool = Field(description="the index publisher holds a broker session")
    chunks_sent: int = Field(description="chunks published since the hub started")
    devices: list[IndexDeviceOut] = Field(description="every known device")


class BuildStartedOut(IndexApiModel):
    """`POST /api/v1/index/builds`."""

    started: bool = Field(description="a build started (False: one is already running)")
