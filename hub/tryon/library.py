"""Provides `AssetLibrary`: the hub's shipped try-on assets, one versioned catalog at a time.

Layout of its folder: `files/<asset_id>.png|.json` (the asset files, served to kiosks as they
are), `catalog.json` (the current `TryOnCatalog`, replaced atomically), `refusals.json` (the last
build's refused photos, for staff). A publish writes the files first and the catalog last, so a
kiosk never sees a catalog naming a file that is not there; files of the previous version are
kept one version longer so a kiosk downloading it can finish.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from contracts.errors import ContractError
from contracts.tryon import (
    TRYON_CATALOG_SCHEMA_VERSION,
    AssetFile,
    ShippedAsset,
    SizeVariant,
    TryOnCatalog,
    parse_tryon_catalog,
)
from hub.tryon.assets import BuiltAsset, Refusal

logger = logging.getLogger(__name__)

CATALOG_FILE = "catalog.json"
REFUSALS_FILE = "refusals.json"


@dataclass(frozen=True, slots=True)
class Entry:
    """An asset to ship: its built files, shopper label and sizes."""

    asset: BuiltAsset
    label: str
    variants: tuple[SizeVariant, ...]


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def _file_ref(name: str, data: bytes) -> AssetFile:
    return AssetFile(name=name, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))


class AssetLibrary:
    """The hub's asset folder (any thread; publishes are serialised)."""

    def __init__(self, folder: Path, *, store_id: str) -> None:
        """Opens (and creates) `folder`."""
        self.folder = folder
        self.files = folder / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.store_id = store_id
        self._lock = threading.Lock()

    def current(self) -> TryOnCatalog | None:
        """The catalog kiosks are sent, or None before the first publish."""
        path = self.folder / CATALOG_FILE
        if not path.is_file():
            return None
        try:
            return parse_tryon_catalog(path.read_bytes())
        except (OSError, ContractError) as exc:
            logger.warning("try-on catalog %s unreadable: %s", path, exc)
            return None

    def refusals(self) -> list[Refusal]:
        """The photos the last build refused, with their reasons."""
        path = self.folder / REFUSALS_FILE
        if not path.is_file():
            return []
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [Refusal(r["product_id"], r["source"], r["reason"]) for r in rows]

    def file_path(self, name: str) -> Path | None:
        """The path of a file the current or previous catalog names, else None."""
        path = self.files / name
        if path.parent != self.files or not path.is_file():
            return None
        return path

    def read_meta(self, name: str) -> bytes | None:
        """The bytes of a shipped JSON metadata file, or None."""
        path = self.file_path(name)
        return None if path is None else path.read_bytes()

    def publish(self, entries: list[Entry], refusals: list[Refusal]) -> TryOnCatalog:
        """Writes the entries' files, then a new catalog version if anything changed.

        Returns:
            The catalog now current (the old one when nothing changed).
        """
        with self._lock:
            rows = [_refusal_row(r) for r in refusals]
            _write_atomic(self.folder / REFUSALS_FILE, json.dumps(rows, indent=1).encode())
            shipped = tuple(self._write_entry(entry) for entry in entries)
            old = self.current()
            if old is not None and old.assets == shipped:
                return old
            catalog = TryOnCatalog(
                schema_version=TRYON_CATALOG_SCHEMA_VERSION,
                store=self.store_id,
                version=1 if old is None else old.version + 1,
                assets=shipped,
            )
            _write_atomic(self.folder / CATALOG_FILE, catalog.model_dump_json(indent=1).encode())
            self._remove_unused(catalog, old)
            logger.info("try-on catalog v%d: %d assets", catalog.version, len(shipped))
            return catalog

    def _write_entry(self, entry: Entry) -> ShippedAsset:
        meta = entry.asset.meta
        meta_bytes = (meta.model_dump_json(indent=2) + "\n").encode()
        files = ((f"{meta.asset_id}.json", meta_bytes), (f"{meta.asset_id}.png", entry.asset.png))
        for name, data in files:
            path = self.files / name
            if not path.is_file() or path.read_bytes() != data:
                _write_atomic(path, data)
        return ShippedAsset(
            asset_id=meta.asset_id,
            product_id=meta.product_id,
            colour=meta.colour,
            label=entry.label,
            variants=entry.variants,
            meta=_file_ref(files[0][0], meta_bytes),
            image=_file_ref(files[1][0], entry.asset.png),
        )

    def _remove_unused(self, new: TryOnCatalog, old: TryOnCatalog | None) -> None:
        keep = {
            f.name for c in (new, old) if c is not None for a in c.assets for f in (a.meta, a.image)
        }
        for path in self.files.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)


def _refusal_row(refusal: Refusal) -> dict[str, str]:
    return {"product_id": refusal.product_id, "source": refusal.source, "reason": refusal.reason}
