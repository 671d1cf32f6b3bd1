"""Provides `GarmentPhotos`: the product photos try-on assets are built from, one per style.

Staff upload a photo for any size of a garment (`PUT /api/v1/products/{gtin}/tryon-photo`) and it
is kept as `<style>.img` (every size of the style shares it); a seed folder of `<style>.jpg|png`
files can be imported at start (the demo store's garments).
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

logger = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
MAX_PHOTO_BYTES = 10 * 1024 * 1024
SEED_SUFFIXES = (".jpg", ".jpeg", ".png")


class GarmentPhotos:
    """A folder of garment photos keyed by style (any thread: writes are atomic renames)."""

    def __init__(self, folder: Path) -> None:
        """Opens (and creates) `folder`."""
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key):
            raise ValueError(f"style key must match {KEY_PATTERN.pattern}, got {key!r}")
        return self.folder / f"{key}.img"

    def put(self, key: str, data: bytes) -> bool:
        """Stores the photo of style `key`; False when the same photo was already there.

        Raises:
            ValueError: a bad key, an empty photo or one over `MAX_PHOTO_BYTES`.
        """
        if not 0 < len(data) <= MAX_PHOTO_BYTES:
            raise ValueError(f"a photo has 1..{MAX_PHOTO_BYTES} bytes, got {len(data)}")
        path = self._path(key)
        if path.is_file() and path.read_bytes() == data:
            return False
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        temporary.replace(path)
        logger.info("try-on photo for %s stored (%d bytes)", key, len(data))
        return True

    def get(self, key: str) -> bytes | None:
        """The photo of style `key`, or None."""
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def digest(self) -> str:
        """A sha256 over every photo's name and size and mtime: changes when any photo does."""
        h = hashlib.sha256()
        for path in sorted(self.folder.glob("*.img")):
            stat = path.stat()
            h.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        return h.hexdigest()

    def import_seed(self, seed: Path) -> int:
        """Imports `<style>.jpg|.jpeg|.png` files from `seed`; returns how many were new."""
        added = 0
        for path in sorted(seed.iterdir()):
            if path.suffix.lower() in SEED_SUFFIXES and self.put(path.stem, path.read_bytes()):
                added += 1
        return added
