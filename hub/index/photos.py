"""Provides `ReferencePhotos`: staff photos of products, stored by content hash, for index builds.

Layout: `<folder>/<gtin>/<sha256>.<jpg|png|webp>`; the same photo sent twice is stored once.
A photo is accepted only if it decodes as an image of a usable size, so a corrupt upload is
refused with its reason and never reaches an index build.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from hub.errors import RequestRefused

MAX_PHOTO_BYTES = 20 * 1024 * 1024
MIN_SIDE_PX = 32
_KINDS = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"RIFF": "webp"}
_PHOTO_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp)$")


class PhotoRefused(RequestRefused):
    """An uploaded reference photo is not a usable image."""

    code = "photo_refused"
    status = 422


class PhotoNotFound(RequestRefused):
    """No reference photo of this product has this id."""

    code = "not_found"
    status = 404


@dataclass(frozen=True, slots=True)
class ReferencePhoto:
    """One stored reference photo.

    Attributes:
        gtin: the product.
        photo_id: sha256 of the file's bytes.
        path: where it is stored.
        size_bytes: file size.
        added_at: when it was stored (file time, UTC).
    """

    gtin: str
    photo_id: str
    path: Path
    size_bytes: int
    added_at: datetime


def _kind(data: bytes) -> str:
    for magic, kind in _KINDS.items():
        if data.startswith(magic) and (kind != "webp" or data[8:12] == b"WEBP"):
            return kind
    raise PhotoRefused("not a JPEG, PNG or WebP file (unknown signature)")


def check_photo(data: bytes) -> tuple[str, int, int]:
    """Checks that `data` is a decodable photo; returns (kind, width_px, height_px).

    Raises:
        PhotoRefused: naming the reason (empty, too large, unknown type, corrupt, too small).
    """
    if not data:
        raise PhotoRefused("the photo is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused(f"the photo has {len(data)} bytes; at most {MAX_PHOTO_BYTES}")
    kind = _kind(data)
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None or decoded.size == 0:
        raise PhotoRefused(f"the {kind} file is corrupt: it does not decode")
    height, width = decoded.shape[:2]
    if min(height, width) < MIN_SIDE_PX:
        raise PhotoRefused(f"the photo is {width}x{height}; each side must be >= {MIN_SIDE_PX} px")
    return kind, int(width), int(height)


class ReferencePhotos:
    """Reference photos on disk (API thread and index builds; files are written atomically)."""

    def __init__(self, folder: Path) -> None:
        """Uses (and creates) `folder`."""
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, gtin: str, data: bytes) -> tuple[ReferencePhoto, bool]:
        """Stores a photo of `gtin`; returns it and whether it is new.

        Raises:
            PhotoRefused: if the bytes are not a usable image.
        """
        kind, _, _ = check_photo(data)
        photo_id = hashlib.sha256(data).hexdigest()
        target = self.folder / gtin / f"{photo_id}.{kind}"
        created = not target.exists()
        if created:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".tmp")
            temporary.write_bytes(data)
            temporary.replace(target)
        return self._describe(gtin, target), created

    def photos_of(self, gtin: str) -> list[ReferencePhoto]:
        """Photos of one product, oldest first."""
        folder = self.folder / gtin
        if not folder.is_dir():
            return []
        files = [f for f in folder.iterdir() if _PHOTO_NAME.match(f.name)]
        photos = [self._describe(gtin, f) for f in files]
        return sorted(photos, key=lambda photo: (photo.added_at, photo.photo_id))

    def all_paths(self) -> dict[str, list[Path]]:
        """Every product with photos -> its photo files."""
        out: dict[str, list[Path]] = {}
        for folder in sorted(p for p in self.folder.iterdir() if p.is_dir()):
            paths = sorted(f for f in folder.iterdir() if _PHOTO_NAME.match(f.name))
            if paths:
                out[folder.name] = paths
        return out

    def delete(self, gtin: str, photo_id: str) -> None:
        """Removes one photo.

        Raises:
            PhotoNotFound: if the product has no photo with this id.
        """
        for photo in self.photos_of(gtin):
            if photo.photo_id == photo_id:
                photo.path.unlink(missing_ok=True)
                return
        raise PhotoNotFound(f"product {gtin} has no reference photo {photo_id}")

    @staticmethod
    def _describe(gtin: str, path: Path) -> ReferencePhoto:
        stat = path.stat()
        return ReferencePhoto(
            gtin=gtin,
            photo_id=path.stem,
            path=path,
            size_bytes=stat.st_size,
            added_at=datetime.fromtimestamp(stat.st_mtime, UTC),
        )
