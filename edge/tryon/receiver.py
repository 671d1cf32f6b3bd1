"""Provides `AssetReceiver`: the kiosk fetches the hub's try-on catalog and installs it.

Over the hub's HTTP API (the kiosk's own connection, with its bearer token when it has one):
`GET /api/v1/tryon/catalog`, then every file it does not hold yet (`edge/tryon/download.py`:
resumed with HTTP Range, checked against the catalog's size and sha256). An asset whose file stays
corrupt, or whose pixels do not verify against its metadata (`edge/tryon/assets.py`), is left out
and reported to the hub (`POST /api/v1/tryon/reports`); the others are installed: `current.json`
replaced atomically, then the in-memory swap in `ActiveAssets`. One worker thread polls; an
unreachable hub is logged and tried again at the next poll, keeping the installed version.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

from contracts.errors import ContractError
from contracts.tryon import AssetReport, ShippedAsset, TryOnCatalog, parse_tryon_catalog
from edge.tryon.assets import AssetRefused
from edge.tryon.download import FetchResult, fetch_file
from edge.tryon.installed import (
    FILES_DIR,
    ActiveAssets,
    installed_asset,
    installed_assets,
    write_current,
)

logger = logging.getLogger(__name__)

CATALOG_PATH = "/api/v1/tryon/catalog"
FILES_PATH = "/api/v1/tryon/files/"
REPORTS_PATH = "/api/v1/tryon/reports"
STOP_JOIN_S = 10.0


@dataclass(frozen=True, slots=True)
class ReceiverSettings:
    """How the kiosk fetches try-on assets.

    Attributes:
        hub_url: the hub's HTTP API, http://host:port.
        store_id: the kiosk's store (a catalog of another store is refused).
        device_id: the kiosk, named in its reports.
        folder: where installed files and `current.json` live.
        token: bearer token for the hub API, or None.
        poll_interval_s: pause between two catalog checks.
        timeout_s: timeout of one HTTP request.
        max_attempts: downloads of one file before it is refused as corrupt.
    """

    hub_url: str
    store_id: str
    device_id: str
    folder: Path
    token: str | None = None
    poll_interval_s: float = 15.0
    timeout_s: float = 10.0
    max_attempts: int = 3

    def __post_init__(self) -> None:
        if self.poll_interval_s <= 0 or self.timeout_s <= 0 or self.max_attempts < 1:
            raise ValueError("need poll_interval_s > 0, timeout_s > 0 and max_attempts >= 1")


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What one sync did.

    Attributes:
        version: the installed catalog version after it.
        changed: a new version was installed.
        fetched: files downloaded.
        refused: `asset_id: reason` of each asset left out.
    """

    version: int | None
    changed: bool
    fetched: int
    refused: tuple[str, ...]


class AssetReceiver:
    """Keeps a kiosk's try-on assets in step with the hub; `sync_once`, or `start` and `stop`."""

    def __init__(
        self,
        settings: ReceiverSettings,
        active: ActiveAssets,
        *,
        client: httpx.Client | None = None,
    ) -> None:
        """Wires the receiver; `client` (tests) replaces the HTTP client it would build."""
        self._settings = settings
        self._active = active
        headers = {} if settings.token is None else {"Authorization": f"Bearer {settings.token}"}
        self._client = client or httpx.Client(
            base_url=settings.hub_url, timeout=settings.timeout_s, headers=headers
        )
        self._files = settings.folder / FILES_DIR
        self._files.mkdir(parents=True, exist_ok=True)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.synced = threading.Event()  # set after each sync that reached the hub

    def start(self) -> None:
        """Starts polling the hub in a background thread (the first check at once)."""
        self._thread = threading.Thread(target=self._run, name="tryon-receiver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops polling and closes the HTTP client."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_JOIN_S)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync_once()
                self.synced.set()
            except (httpx.HTTPError, ContractError) as exc:
                logger.warning("try-on assets not synced from %s: %s", self._settings.hub_url, exc)
            except Exception:  # top of the thread: keep the installed version, try again later
                logger.exception("try-on asset sync failed")
            self._stop.wait(self._settings.poll_interval_s)

    def sync_once(self) -> SyncOutcome:
        """Fetches the hub's catalog and installs it when it is a new version.

        Raises:
            httpx.HTTPError: the hub is unreachable or answered with an error.
            ContractError: the catalog does not parse or is for another store.
        """
        response = self._client.get(CATALOG_PATH)
        response.raise_for_status()
        catalog = parse_tryon_catalog(response.content)
        if catalog.store != self._settings.store_id:
            raise ContractError(f"try-on catalog is for store {catalog.store!r}")
        if catalog.version == self._active.version:
            return SyncOutcome(catalog.version, False, 0, ())
        return self._install(catalog)

    def _install(self, catalog: TryOnCatalog) -> SyncOutcome:
        fetched, kept, refused = 0, [], []
        for shipped in catalog.assets:
            count, reason = self._fetch_asset(shipped)
            fetched += count
            if reason is None:
                kept.append(shipped)
            else:
                refused.append(f"{shipped.asset_id}: {reason}")
                self._report(catalog.version, shipped.asset_id, reason)
        accepted = catalog.model_copy(update={"assets": tuple(kept)})
        write_current(self._settings.folder, accepted)
        self._active.swap(catalog.version, installed_assets(accepted, self._files))
        self._remove_unused(accepted)
        logger.info(
            "try-on catalog v%d installed: %d assets, %d files fetched, %d refused",
            catalog.version,
            len(kept),
            fetched,
            len(refused),
        )
        return SyncOutcome(catalog.version, True, fetched, tuple(refused))

    def _fetch_asset(self, shipped: ShippedAsset) -> tuple[int, str | None]:
        """(files downloaded, why the asset is refused or None)."""
        fetched = 0
        for wanted in (shipped.meta, shipped.image):
            url = FILES_PATH + wanted.name
            result = fetch_file(
                self._client, url, self._files, wanted, max_attempts=self._settings.max_attempts
            )
            if result is FetchResult.CORRUPT:
                return fetched, f"{wanted.name} arrived corrupt {self._settings.max_attempts} times"
            fetched += result is FetchResult.FETCHED
        installed = installed_asset(shipped, self._files)
        try:
            if installed is None:
                raise AssetRefused(f"{shipped.meta.name} is not valid asset metadata")
            installed.load()
        except AssetRefused as exc:
            return fetched, str(exc)
        return fetched, None

    def _report(self, version: int, asset_id: str, reason: str) -> None:
        logger.warning("try-on asset %s refused: %s", asset_id, reason)
        report = AssetReport(
            device=self._settings.device_id, version=version, asset_id=asset_id, reason=reason[:500]
        )
        try:
            self._client.post(REPORTS_PATH, json=report.model_dump()).raise_for_status()
        except httpx.HTTPError as exc:
            logger.warning("try-on refusal of %s not reported to the hub: %s", asset_id, exc)

    def _remove_unused(self, catalog: TryOnCatalog) -> None:
        keep = {f.name for a in catalog.assets for f in (a.meta, a.image)}
        for path in self._files.iterdir():
            if path.name not in keep and not path.name.endswith(".part"):
                path.unlink(missing_ok=True)
