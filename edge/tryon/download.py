"""Provides `fetch_file`: one try-on asset file from the hub, resumed and verified.

A download goes to `<name>.part`; when a `.part` is there already (a cut download, even from an
earlier run) it asks for the rest with `Range: bytes=N-`. The finished file must have the size and
sha256 the catalog names, else it is deleted and fetched again from scratch, up to
`max_attempts` times; only a verified file is renamed into place.
"""

from __future__ import annotations

import hashlib
import logging
from enum import Enum
from pathlib import Path

import httpx

from contracts.tryon import AssetFile

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024


class FetchResult(Enum):
    """How getting one file ended."""

    HELD = "held"  # already on disk and verified
    FETCHED = "fetched"
    CORRUPT = "corrupt"  # every attempt arrived with the wrong size or sha256


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK_BYTES), b""):
            h.update(block)
    return h.hexdigest()


def _matches(path: Path, wanted: AssetFile) -> bool:
    return (
        path.is_file()
        and path.stat().st_size == wanted.size_bytes
        and file_sha256(path) == wanted.sha256
    )


def _download(client: httpx.Client, url: str, part: Path, wanted: AssetFile) -> int:
    """Fetches the rest of `part`; returns how many bytes came. Raises httpx errors."""
    offset = part.stat().st_size if part.is_file() else 0
    if offset >= wanted.size_bytes:
        part.unlink()
        offset = 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    received = 0
    with client.stream("GET", url, headers=headers) as response:
        response.raise_for_status()
        mode = "ab" if response.status_code == 206 else "wb"
        with part.open(mode) as handle:
            for block in response.iter_bytes(CHUNK_BYTES):
                handle.write(block)
                received += len(block)
    return received


def fetch_file(
    client: httpx.Client, url: str, folder: Path, wanted: AssetFile, *, max_attempts: int = 3
) -> FetchResult:
    """Makes `folder/<name>` hold exactly `wanted`, downloading (or resuming) as needed.

    Raises:
        httpx.HTTPError: the hub is unreachable or answered with an error (the `.part` stays,
            so the next try resumes).
    """
    path = folder / wanted.name
    if _matches(path, wanted):
        return FetchResult.HELD
    part = folder / f"{wanted.name}.part"
    for attempt in range(1, max_attempts + 1):
        received = _download(client, url, part, wanted)
        if _matches(part, wanted):
            part.replace(path)
            logger.info("try-on file %s fetched (%d bytes this time)", wanted.name, received)
            return FetchResult.FETCHED
        logger.warning(
            "try-on file %s arrived corrupt (attempt %d of %d): not the size/sha256 named",
            wanted.name,
            attempt,
            max_attempts,
        )
        part.unlink(missing_ok=True)
    return FetchResult.CORRUPT
