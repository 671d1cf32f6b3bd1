"""Provides `ActiveAssets`: the try-on assets a kiosk offers, swapped atomically to a new version.

The installed version lives in a folder: `files/<name>` (verified asset files) and `current.json`
(the `TryOnCatalog` of the assets that passed every check, replaced atomically after the files
are in place). A try-on session loads its garment's pixels once and keeps them, so a swap never
interrupts it; the next garment chosen comes from the new version.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from contracts.errors import ContractError
from contracts.tryon import ShippedAsset, TryOnAsset, TryOnCatalog, parse_tryon_asset
from contracts.tryon import parse_tryon_catalog as parse_catalog_bytes
from edge.tryon.assets import AssetRefused, GarmentAsset, load_asset

logger = logging.getLogger(__name__)

CURRENT_FILE = "current.json"
FILES_DIR = "files"


@dataclass(frozen=True, slots=True)
class InstalledAsset:
    """An asset on the kiosk's disk, checked when it was installed.

    Attributes:
        shipped: its catalog entry (label, sizes, file digests).
        meta: its metadata (kind, anchors).
        folder: the folder holding its files.
    """

    shipped: ShippedAsset
    meta: TryOnAsset
    folder: Path

    def load(self) -> GarmentAsset:
        """Reads and verifies the asset's pixels.

        Raises:
            AssetRefused: a file is missing or does not verify (changed since it was installed).
        """
        try:
            meta_json = (self.folder / self.shipped.meta.name).read_bytes()
            png = (self.folder / self.shipped.image.name).read_bytes()
        except OSError as exc:
            raise AssetRefused(f"try-on asset {self.shipped.asset_id} unreadable: {exc}") from exc
        return load_asset(png, meta_json)


Installed = dict[tuple[str, str], InstalledAsset]


class ActiveAssets:
    """The assets on offer now (any thread)."""

    def __init__(self, version: int | None = None, assets: Installed | None = None) -> None:
        """Starts with `assets` of catalog `version` (None: nothing installed yet)."""
        self._lock = threading.Lock()
        self._version = version
        self._assets: Installed = dict(assets or {})
        self._swaps = 0

    @property
    def version(self) -> int | None:
        """The installed catalog version, or None."""
        with self._lock:
            return self._version

    @property
    def swaps(self) -> int:
        """How many times a new version replaced the installed one."""
        with self._lock:
            return self._swaps

    def assets(self) -> Installed:
        """(product id, colour) -> asset, as installed now (a snapshot)."""
        with self._lock:
            return dict(self._assets)

    def swap(self, version: int, assets: Installed) -> None:
        """Makes `assets` of catalog `version` the ones on offer."""
        with self._lock:
            self._version, self._assets = version, dict(assets)
            self._swaps += 1


def installed_asset(shipped: ShippedAsset, files: Path) -> InstalledAsset | None:
    """The shipped asset as installed in `files`, or None (logged) when its metadata is unusable."""
    try:
        meta = parse_tryon_asset((files / shipped.meta.name).read_bytes())
    except (OSError, ContractError) as exc:
        logger.warning("try-on asset %s skipped: %s", shipped.asset_id, exc)
        return None
    return InstalledAsset(shipped, meta, files)


def installed_assets(catalog: TryOnCatalog, files: Path) -> Installed:
    """The catalog's assets whose metadata file in `files` parses, keyed by (product, colour)."""
    found: Installed = {}
    for shipped in catalog.assets:
        asset = installed_asset(shipped, files)
        if asset is not None:
            found[(shipped.product_id, shipped.colour)] = asset
    return found


def load_installed(folder: Path) -> ActiveAssets:
    """The version `current.json` names, or an empty `ActiveAssets` when none is usable."""
    current = folder / CURRENT_FILE
    if not current.is_file():
        return ActiveAssets()
    try:
        catalog = parse_catalog_bytes(current.read_bytes())
    except (OSError, ContractError) as exc:
        logger.warning("installed try-on catalog unusable (%s); waiting for the hub", exc)
        return ActiveAssets()
    return ActiveAssets(catalog.version, installed_assets(catalog, folder / FILES_DIR))


def write_current(folder: Path, catalog: TryOnCatalog) -> None:
    """Replaces `current.json` atomically with `catalog`."""
    current = folder / CURRENT_FILE
    temporary = current.with_suffix(".tmp")
    temporary.write_bytes(catalog.model_dump_json(indent=1).encode())
    temporary.replace(current)
