"""Provides `TryOnAssetService`: the hub job that builds try-on assets when the catalog or the
garment photos change, and publishes them as a new `TryOnCatalog` version for kiosks.

One worker thread polls a cheap fingerprint (garment products' count, highest version, latest
update; the photos folder's names, sizes and times) and builds when it changes, or at once when
asked (`request_build`, e.g. after a photo upload). An asset whose photo and builder are unchanged
is reused as shipped, so kiosks download only what changed. A photo the builder refuses (no
garment, several items, cut off) is listed for staff and not shipped.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from dataclasses import dataclass

from sqlite_utils import Database

from contracts.errors import ContractError
from contracts.tryon import AssetReport, ShippedAsset, TryOnAsset, TryOnCatalog, parse_tryon_asset
from hub.db.tryon import garment_fingerprint, garment_products
from hub.tryon.assets import BUILDER_VERSION, BuiltAsset, Refusal, build_asset
from hub.tryon.cutout import PhotoRejected
from hub.tryon.garments import SUBCATEGORY_CATEGORIES, Garment, group_garments
from hub.tryon.library import AssetLibrary, Entry
from hub.tryon.photos import GarmentPhotos

logger = logging.getLogger(__name__)

STOP_JOIN_S = 30.0
REPORTS_KEPT = 200


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What one build did.

    Attributes:
        version: the catalog version current after it.
        built: assets built from a photo this time.
        reused: assets shipped unchanged from the previous version.
        refused: photos refused (see `AssetLibrary.refusals`).
        without_photo: garments with no photo yet (nothing to build).
    """

    version: int
    built: int
    reused: int
    refused: int
    without_photo: int


class TryOnAssetService:
    """Builds and publishes try-on assets; `start`, then `stop`."""

    def __init__(
        self,
        *,
        db: Database,
        library: AssetLibrary,
        photos: GarmentPhotos,
        poll_interval_s: float = 5.0,
    ) -> None:
        """Wires the job; `db` is a connection for this job's thread alone."""
        self.library = library
        self.photos = photos
        self._db = db
        self._poll_interval_s = poll_interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._built = threading.Condition()
        self._builds = 0
        self._last: BuildOutcome | None = None
        self._thread: threading.Thread | None = None
        self._reports: deque[AssetReport] = deque(maxlen=REPORTS_KEPT)

    def start(self) -> None:
        """Starts the worker; its first look at the catalog builds what is missing."""
        self._thread = threading.Thread(target=self._run, name="tryon-assets", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the worker (a build under way finishes first)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(STOP_JOIN_S)

    def request_build(self) -> None:
        """Asks the worker to build now (after a photo upload)."""
        self._wake.set()

    def report(self, report: AssetReport) -> None:
        """Keeps a kiosk's report of an asset it refused (the latest `REPORTS_KEPT`)."""
        logger.warning(
            "device %s refused try-on asset %s of catalog v%d: %s",
            report.device,
            report.asset_id,
            report.version,
            report.reason,
        )
        with self._built:
            self._reports.append(report)

    def device_reports(self) -> list[AssetReport]:
        """Kiosks' reports of refused assets, oldest first."""
        with self._built:
            return list(self._reports)

    def last_build(self) -> BuildOutcome | None:
        """The outcome of the latest build, or None before the first."""
        with self._built:
            return self._last

    @property
    def builds(self) -> int:
        """How many builds have finished."""
        with self._built:
            return self._builds

    def wait_builds(self, count: int, timeout_s: float) -> bool:
        """Waits until at least `count` builds have finished; False on timeout."""
        with self._built:
            return self._built.wait_for(lambda: self._builds >= count, timeout_s)

    def _run(self) -> None:
        seen: tuple[object, ...] | None = None
        while not self._stop.is_set():
            forced = self._wake.is_set()
            self._wake.clear()
            try:
                now = (*garment_fingerprint(self._db, SUBCATEGORY_CATEGORIES), self.photos.digest())
                if forced or now != seen:
                    self._finish(self.build())
                    seen = now
            except Exception:  # top of the job's loop: report, try again next time
                logger.exception("try-on asset build failed")
            self._wake.wait(self._poll_interval_s)

    def _finish(self, outcome: BuildOutcome) -> None:
        with self._built:
            self._last = outcome
            self._builds += 1
            self._built.notify_all()

    def build(self) -> BuildOutcome:
        """Builds every garment with a photo and publishes the result (worker thread)."""
        garments = group_garments(garment_products(self._db, SUBCATEGORY_CATEGORIES))
        previous = _previous_assets(self.library)
        entries: list[Entry] = []
        refusals: list[Refusal] = []
        counts = {"built": 0, "reused": 0, "without_photo": 0}
        for garment in garments:
            photo = self.photos.get(garment.style)
            if photo is None:
                counts["without_photo"] += 1
                continue
            old = previous.get((garment.product_id, garment.colour))
            try:
                asset, kind = self._asset_for(garment, photo, old)
            except PhotoRejected as exc:
                refusals.append(Refusal(garment.product_id, garment.style, str(exc)))
                continue
            counts[kind] += 1
            entries.append(Entry(asset, garment.label, garment.variants))
        catalog = self.library.publish(entries, refusals)
        if refusals:
            logger.warning(
                "try-on: %d product photos refused (see the staff report)", len(refusals)
            )
        return BuildOutcome(catalog.version, refused=len(refusals), **counts)

    def _asset_for(
        self, garment: Garment, photo: bytes, old: tuple[TryOnAsset, bytes] | None
    ) -> tuple[BuiltAsset, str]:
        source = hashlib.sha256(photo).hexdigest()
        if old is not None:
            meta, png = old
            if meta.source_sha256 == source and meta.builder_version == BUILDER_VERSION:
                return BuiltAsset(png=png, meta=meta), "reused"
        version = 1 if old is None else old[0].version + 1
        built = build_asset(
            photo,
            product_id=garment.product_id,
            colour=garment.colour,
            category=garment.category,
            version=version,
        )
        return built, "built"


def _previous_assets(library: AssetLibrary) -> dict[tuple[str, str], tuple[TryOnAsset, bytes]]:
    """(product, colour) -> (metadata, PNG bytes) of the current catalog's assets."""
    catalog: TryOnCatalog | None = library.current()
    found: dict[tuple[str, str], tuple[TryOnAsset, bytes]] = {}
    for shipped in () if catalog is None else catalog.assets:
        loaded = _load_shipped(library, shipped)
        if loaded is not None:
            found[(shipped.product_id, shipped.colour)] = loaded
    return found


def _load_shipped(library: AssetLibrary, shipped: ShippedAsset) -> tuple[TryOnAsset, bytes] | None:
    meta_path = library.file_path(shipped.meta.name)
    png_path = library.file_path(shipped.image.name)
    if meta_path is None or png_path is None:
        return None
    try:
        return parse_tryon_asset(meta_path.read_bytes()), png_path.read_bytes()
    except (OSError, ContractError) as exc:
        logger.warning("try-on asset %s is rebuilt: %s", shipped.asset_id, exc)
        return None
