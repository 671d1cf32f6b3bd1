"""Provides `EdgeTryOn`: the kiosk's `TryOnPreview` port, run by edge's `TryOnSession` in-process.

Frames come from the agent's camera through the `LatestFrame` slot; composites and stills stay
numpy arrays in this process (converted to RGB for the terminal) and are dropped by `stop()`.
Nothing here publishes, logs or writes pixels: log lines name assets and sizes only.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from aisle.frame_tap import LatestFrame
from contracts.errors import ContractError
from contracts.tryon import AssetFile, ShippedAsset, SizeVariant, parse_tryon_asset
from edge.core.tryon import SIZE_SCALE
from edge.inference.face import FaceMeshModel
from edge.inference.pose import MoveNetModel
from edge.inference.runtime import RuntimeConfig, load_model
from edge.inference.segmentation import SelfieSegmenter
from edge.tryon.assets import AssetRefused, GarmentAsset
from edge.tryon.installed import ActiveAssets, Installed, InstalledAsset
from edge.tryon.session import (
    HINT_NO_FACE,
    HINT_NO_PERSON,
    TryOnModels,
    TryOnResult,
    TryOnSession,
    TryOnSettings,
)
from kiosk.ports import FeatureUnavailable, GarmentOption, PreviewFrame, Still, TryOnChoice

logger = logging.getLogger(__name__)

NOBODY_HINTS = frozenset({HINT_NO_PERSON, HINT_NO_FACE})


def load_tryon_models(manifest: Path, config: RuntimeConfig | None = None) -> TryOnModels:
    """Loads and verifies the try-on models named in `manifest` (body and face).

    Raises:
        ModelUnavailable, ManifestMismatch: a model is missing or not the one the manifest names.
    """
    return TryOnModels(
        movenet=MoveNetModel(load_model(manifest, "movenet_lightning", config=config)),
        segmenter=SelfieSegmenter(load_model(manifest, "selfie_segmentation", config=config)),
        face=FaceMeshModel(
            load_model(manifest, "face_detection_short_range", config=config),
            load_model(manifest, "face_landmark", config=config),
        ),
    )


def _file_ref(path: Path) -> AssetFile:
    data = path.read_bytes()
    return AssetFile(name=path.name, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))


def scan_assets(folder: Path) -> ActiveAssets:
    """Offers every `*.json` + `.png` asset of a local folder (tests, benchmarks, development).

    Kiosks get their assets from the hub instead (`edge/tryon/receiver.py`). The newest version
    per (product, colour) wins; a file that is not valid asset metadata is skipped with a warning.
    """
    found: Installed = {}
    for path in sorted(folder.glob("*.json")):
        try:
            meta = parse_tryon_asset(path.read_bytes())
            shipped = ShippedAsset(
                asset_id=meta.asset_id,
                product_id=meta.product_id,
                colour=meta.colour,
                label=meta.category,
                meta=_file_ref(path),
                image=_file_ref(path.with_suffix(".png")),
            )
        except (OSError, ContractError, ValidationError) as exc:
            logger.warning("try-on asset %s skipped: %s", path.name, exc)
            continue
        key = (meta.product_id, meta.colour)
        if key not in found or found[key].meta.version < meta.version:
            found[key] = InstalledAsset(shipped, meta, folder)
    return ActiveAssets(0, found)


def compositor_size(size: str, variants: tuple[SizeVariant, ...]) -> str:
    """The compositor's size for a catalog size: itself when the compositor knows it, else the
    compositor size at the same rank (e.g. jeans W30..W36 -> S..XL)."""
    if size in SIZE_SCALE:
        return size
    labels = [v.size for v in variants]
    scale = list(SIZE_SCALE)[1:]  # S, M, L, XL
    if size not in labels or len(labels) < 2:
        return "M"
    rank = labels.index(size) / (len(labels) - 1)
    return scale[round(rank * (len(scale) - 1))]


def _rgb(bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    return np.ascontiguousarray(bgr[:, :, ::-1])


class EdgeTryOn:
    """Implements `kiosk.ports.TryOnPreview` with a `TryOnSession` on the tapped camera."""

    def __init__(
        self,
        models: TryOnModels,
        assets: ActiveAssets,
        frames: LatestFrame,
        *,
        settings: TryOnSettings | None = None,
    ) -> None:
        """Creates the adapter; no session runs until `start`.

        Args:
            models: the verified try-on models.
            assets: the assets on offer (swapped by the receiver when the hub ships new ones;
                a running session keeps the garment it wears).
            frames: the slot the agent's frame tap fills.
            settings: session settings (One Euro filter, stills limit).
        """
        self._models = models
        self._assets = assets
        self._frames = frames
        self._settings = settings or TryOnSettings()
        self._lock = threading.Lock()
        self._session: TryOnSession | None = None
        self._choice: TryOnChoice | None = None
        self._frame_seq = 0
        self._preview_seq = 0

    def garments(self) -> tuple[GarmentOption, ...]:
        """Every (product, colour) with an asset now, sorted by product then colour."""
        return tuple(
            GarmentOption(
                product_id=p,
                colour=c,
                kind=a.meta.kind,
                label=a.shipped.label,
                sizes=tuple((v.size, v.gtin) for v in a.shipped.variants),
            )
            for (p, c), a in sorted(self._assets.assets().items())
        )

    def sizes(self) -> tuple[str, ...]:
        """The compositor's sizes, smallest first."""
        return tuple(SIZE_SCALE)

    @property
    def active(self) -> bool:
        """True while a session runs."""
        with self._lock:
            return self._session is not None

    @property
    def stills_held(self) -> int:
        """How many stills the running session keeps in memory (0 without a session)."""
        with self._lock:
            return 0 if self._session is None else len(self._session.stills)

    def start(self, choice: TryOnChoice) -> None:
        """Starts a session wearing `choice`, or switches the running one to it.

        Raises:
            FeatureUnavailable: no asset for that garment and colour, the asset is refused, or
                the size is unknown.
        """
        entry = self._assets.assets().get((choice.product_id, choice.colour))
        if entry is None:
            raise FeatureUnavailable(f"No try-on for {choice.product_id} in {choice.colour}.")
        variants = entry.shipped.variants
        if choice.size not in SIZE_SCALE and choice.size not in {v.size for v in variants}:
            raise FeatureUnavailable(f"Size {choice.size} is not available for try-on.")
        size = compositor_size(choice.size, variants)
        asset = self._load(entry)
        with self._lock:
            try:
                if self._session is None:
                    settings = self._settings.model_copy(update={"size": size})
                    self._session = TryOnSession(self._models, asset, settings)
                    self._frames.listen()
                else:
                    self._session.set_garment(asset)
                    self._session.set_size(size)
            except ValueError as exc:
                raise FeatureUnavailable("This item cannot be tried on here.") from exc
            self._choice = choice
        logger.info("try-on wearing %s %s size %s", choice.product_id, choice.colour, choice.size)

    def _load(self, entry: InstalledAsset) -> GarmentAsset:
        try:
            return entry.load()
        except AssetRefused as exc:
            logger.warning("try-on asset %s refused: %s", entry.shipped.asset_id, exc)
            raise FeatureUnavailable("This item cannot be tried on right now.") from exc

    def next_frame(self, timeout_s: float) -> PreviewFrame | None:
        """Dresses the newest camera frame; None when no newer frame came or no session runs."""
        tapped = self._frames.wait_newer(self._frame_seq, timeout_s)
        if tapped is None:
            return None
        with self._lock:
            if self._session is None or self._choice is None:
                return None
            self._frame_seq = tapped.seq
            result: TryOnResult = self._session.process(tapped.frame)
            self._preview_seq += 1
            return PreviewFrame(
                pixels_rgb=_rgb(result.image),
                hint=result.hint,
                person_in_view=result.hint not in NOBODY_HINTS,
                seq=self._preview_seq,
                wearing=self._choice,
            )

    def take_still(self) -> Still:
        """Keeps the latest composite in the session and returns it in RGB.

        Raises:
            FeatureUnavailable: no session, no frame yet, or the stills limit is reached.
        """
        with self._lock:
            if self._session is None or self._choice is None:
                raise FeatureUnavailable("Start trying something on first.")
            if len(self._session.stills) >= self._settings.max_stills:
                raise FeatureUnavailable(f"You can keep {self._settings.max_stills} pictures.")
            try:
                index = self._session.take_still()
            except ValueError as exc:  # no frame processed yet
                raise FeatureUnavailable("Wait until you see yourself on the screen.") from exc
            return Still(_rgb(self._session.stills[index]), self._choice)

    def stop(self) -> None:
        """Ends the session: its stills, last composite and tracking are forgotten."""
        with self._lock:
            if self._session is None:
                return
            self._session.close()
            self._session = None
            self._choice = None
            self._frames.release()
        logger.info("try-on session ended; its frames and stills are dropped")
