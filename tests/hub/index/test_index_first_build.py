"""Tests the hub's first index build on start: it waits until the catalog has products (polling
with a deadline), then requests one build; with no products in time it gives up and says so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.index.builder import BuildConfig, IndexBuilder
from hub.index.photos import ReferencePhotos
from hub.index.service import IndexService
from hub.index.versions import IndexVersions
from hub.index.wiring import build_when_ready


def _service(tmp_path: Path, db: Database) -> IndexService:
    versions = IndexVersions(tmp_path / "index")
    photos = ReferencePhotos(tmp_path / "photos")
    builder = IndexBuilder(
        BuildConfig(store_id="s1", central_url="http://127.0.0.1:9"),
        db=db,
        versions=versions,
        photos=photos,
        clock=lambda: datetime.now(UTC),
    )
    return IndexService(
        versions=versions,
        photos=photos,
        builder=builder,
        publisher=None,
        clock=lambda: datetime.now(UTC),
    )


def test_no_catalog_in_time_means_no_build(tmp_path: Path, hub_db: Database) -> None:
    service = _service(tmp_path, hub_db)
    assert not build_when_ready(service, lambda: False, timeout_s=0.05, poll_s=0.01)
    assert service.status().started_at is None


@pytest.mark.allow_error_log  # the build itself fails: this catalog has no images
def test_the_first_build_starts_once_the_catalog_is_ready(tmp_path: Path, hub_db: Database) -> None:
    polls: list[int] = []

    def ready() -> bool:
        polls.append(1)
        return len(polls) >= 3

    service = _service(tmp_path, hub_db)
    assert build_when_ready(service, ready, timeout_s=5, poll_s=0.01)
    assert len(polls) == 3 and service.wait_idle(30)
    assert "no product has a catalog image" in str(service.status().last_error)
