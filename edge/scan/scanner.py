"""Provides `BarcodeScanner`: one frame in, validated barcode reads out.

The pipeline, cheapest first, stopping as soon as what it found is trusted:
1. zxing-cpp on the whole frame (it tries 90-degree rotations, downscaling and inversion itself).
2. Candidate regions: around codes already seen but not yet trusted, the whole frame when it is
   small (a crop already), and where the image looks like parallel bars
   (`regions.find_linear_regions`). Each region is cut out deskewed with a quiet zone and tried
   by zxing-cpp and ZBar through `_LADDER` (scales, contrast normalisation, sharpening,
   binarisation, small rotations) until the ballot is satisfied or the pixel budget is spent.
   A localised region where the first few attempts read nothing is abandoned, which keeps frames
   without a code cheap.
3. When nothing was trusted and zxing-cpp located a QR code it could not decode, the QR rescue
   resamples it (`qr_rescue`).
The `Ballot` decides what is trusted: see `edge.scan.ballot`. The budget is counted in pixels
handed to the engines, so the work per frame is bounded and the same on every machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from edge.core.barcode import BarcodeRead
from edge.scan import views as v
from edge.scan.ballot import Ballot, BallotConfig
from edge.scan.engines import BarcodeEngine, ZbarEngine, ZxingEngine
from edge.scan.qr_rescue import RescueConfig, rescue_qr
from edge.scan.regions import Region, find_linear_regions

Variant = Callable[[v.View], v.View]


@dataclass(frozen=True, slots=True)
class ScannerConfig:
    """Tuning of the decoding pipeline.

    Attributes:
        max_regions: candidate regions tried per frame.
        budget_px: pixels the engines may process per frame after the first full-frame pass;
            a ZBar pass costs `zbar_cost` times its pixels. This bounds the time a frame without
            a readable code costs (about 1 ms per 250k zxing-cpp pixels on one core).
        region_budget_px: the same budget for one region.
        view_max_px: crops are resized to at most this many pixels; smaller ones are enlarged
            up to it (at most `max_upscale` times).
        max_upscale: largest enlargement of a crop.
        whole_frame_max_px: frames up to this size are also tried whole (they are crops already).
        zbar_cost: ZBar's cost per pixel relative to zxing-cpp's (measured ~6 on textured photos).
        qr_rescue: effort spent resampling a QR code zxing-cpp located but could not decode
            (None turns the rescue off).
        max_qr_rescues: such QR codes tried per frame.
        probe_attempts: a region found by the localiser where this many attempts read nothing at
            all is abandoned (regions around reads, and small whole frames, get every attempt).
        ballot: when a read is trusted.
    """

    max_regions: int = 3
    budget_px: int = 3_000_000
    region_budget_px: int = 2_000_000
    view_max_px: int = 200_000
    max_upscale: float = 2.0
    whole_frame_max_px: int = 160_000
    zbar_cost: float = 6.0
    probe_attempts: int = 4
    qr_rescue: RescueConfig | None = field(default_factory=RescueConfig)
    max_qr_rescues: int = 2
    ballot: BallotConfig = field(default_factory=BallotConfig)

    def __post_init__(self) -> None:
        if min(self.max_regions, self.budget_px, self.region_budget_px, self.view_max_px) < 0:
            raise ValueError("ScannerConfig counts and budgets must be >= 0")
        if self.max_upscale < 1.0 or self.zbar_cost <= 0:
            raise ValueError("ScannerConfig needs max_upscale >= 1 and zbar_cost > 0")


class BarcodeScanner:
    """Decodes barcodes in camera frames with zxing-cpp and ZBar.

    Args:
        config: pipeline tuning; the defaults suit kiosk and glasses cameras.
    """

    def __init__(self, config: ScannerConfig | None = None) -> None:
        self._config = config or ScannerConfig()
        self._zxing_full = ZxingEngine(try_harder=True)
        self._zxing = ZxingEngine(try_harder=False)
        self._zxing_global = ZxingEngine(try_harder=False, binarizer="global")
        self._zbar = ZbarEngine()

    def scan(self, image: npt.NDArray[np.uint8]) -> list[BarcodeRead]:
        """Finds and decodes the barcodes in one frame.

        Args:
            image: HxW grayscale or HxWx3 BGR (HxWx4 BGRA) uint8 frame.

        Returns:
            One read per distinct trusted code, positions in frame pixels.

        Raises:
            ValueError: if the image is not a non-empty uint8 grayscale or BGR array.
        """
        gray = to_gray(image)
        ballot = Ballot(self._config.ballot)
        _attempt(ballot, self._zxing_full, v.frame_view(gray))
        if _settled(ballot):
            return ballot.accepted()
        budget = float(self._config.budget_px)
        for candidate, gated in self._candidates(gray, ballot):
            budget -= self._try_region(ballot, candidate, budget, gated=gated)
            if budget <= 0 or _settled(ballot):
                break
        if not ballot.accepted() and self._config.qr_rescue is not None:
            self._rescue_qr(ballot, gray)
        return ballot.accepted()

    def _rescue_qr(self, ballot: Ballot, gray: npt.NDArray[np.uint8]) -> None:
        for quad in self._zxing_full.find_undecoded_qr(gray)[: self._config.max_qr_rescues]:
            read = rescue_qr(gray, quad, self._zxing.decode_pure_qr, self._config.qr_rescue)
            if read is not None:
                located = BarcodeRead(
                    read.text, read.symbology, read.engine, read.gtin, read.gs1, read.raw_text, quad
                )
                ballot.add([located], view="zxing:qr-rescue", grid="rescue")
                return

    def _candidates(
        self, gray: npt.NDArray[np.uint8], ballot: Ballot
    ) -> Iterator[tuple[v.View, bool]]:
        """Yields (view, gated): gated views are abandoned early when nothing reads in them."""
        seen = [_region_of(read) for read in ballot.pending()]
        if gray.size <= self._config.whole_frame_max_px:
            # A frame this small is a crop already: try it whole and unpadded (padding a code
            # that sits on a dark background with replicated edges hides it from ZBar).
            yield v.frame_view(gray), False
        found = find_linear_regions(gray, max_regions=self._config.max_regions)
        regions = _distinct(seen + found)[: self._config.max_regions]
        for index, region in enumerate(regions):
            width, height = region.size_wh
            quiet = 0.1 * width + 8
            crop = v.crop_rotated(
                gray,
                center_xy=region.center_xy,
                size_wh=(width + 2 * quiet, height * 1.1 + 8),
                angle_deg=region.angle_deg,
                label=f"crop{index}",
            )
            yield crop, region.score != float("inf")

    def _try_region(self, ballot: Ballot, crop: v.View, budget: float, *, gated: bool) -> float:
        spent = 0.0
        limit = min(budget, float(self._config.region_budget_px))
        seen_before = ballot.size()
        for index, (engine, view) in enumerate(self._attempts(crop)):
            if spent >= limit:
                break
            if gated and index == self._config.probe_attempts and ballot.size() == seen_before:
                break  # nothing in this region even looks like a code: stop spending on it
            _attempt(ballot, engine, view)
            spent += view.gray.size * (self._config.zbar_cost if engine is self._zbar else 1.0)
            if _settled(ballot):
                break
        return spent

    def _attempts(self, crop: v.View) -> Iterator[tuple[BarcodeEngine, v.View]]:
        config = self._config
        area = float(crop.gray.size)
        native = crop
        if area > config.view_max_px:
            native = v.scaled(crop, (config.view_max_px / area) ** 0.5)
        up = min(config.max_upscale, (config.view_max_px / native.gray.size) ** 0.5)
        bases = {"native": native}
        if up >= 1.25:
            bases["big"] = v.scaled(native, up)
        bases["mid"] = v.scaled(native, (1 + up) / 2) if up >= 1.6 else v.scaled(native, 0.6)
        engines: dict[str, BarcodeEngine] = {
            "zx": self._zxing,
            "zg": self._zxing_global,
            "zb": self._zbar,
        }
        for engine_key, base_key, variant in _LADDER:
            base = bases.get(base_key)
            if base is not None:
                yield engines[engine_key], variant(base)


def _same(view: v.View) -> v.View:
    return view


def _turned(angle_deg: float) -> Variant:
    return lambda view: v.rotated(view, angle_deg)


# The attempts tried on each candidate region, in order: first the views that most often give a
# read (found on photos of the zxing-cpp sample corpus), then rarer rescues.
_LADDER: tuple[tuple[str, str, Variant], ...] = (
    ("zx", "native", _same),
    ("zx", "big", _same),
    ("zx", "mid", _same),
    ("zx", "native", v.clahe),
    ("zb", "native", _same),
    ("zx", "big", v.sharpened),
    ("zx", "native", v.sharpened),
    ("zx", "native", v.otsu_binarised),
    ("zx", "native", _turned(-6.0)),
    ("zx", "native", _turned(6.0)),
    ("zg", "big", _same),
    ("zg", "native", v.clahe),
    ("zx", "native", v.adaptive_binarised),
    ("zx", "native", v.smoothed),
    ("zg", "native", v.smoothed),
    ("zb", "big", _same),
    ("zx", "native", _turned(12.0)),
    ("zx", "native", _turned(-12.0)),
)


def _attempt(ballot: Ballot, engine: BarcodeEngine, view: v.View) -> None:
    reads = engine.decode(view.gray)
    mapped = [_in_frame(read, view) for read in reads]
    label = getattr(engine, "label", engine.name)
    # A vote is identified by engine, sampling grid and photometric steps, not by which crop it
    # came from: a crop at native scale holds the same pixels as the frame and is not a new look.
    grid = view.group.partition("@")[2]
    steps = view.name.partition("+")[2]
    ballot.add(mapped, view=f"{label}:{grid}+{steps}", grid=grid)


def _in_frame(read: BarcodeRead, view: v.View) -> BarcodeRead:
    return BarcodeRead(
        read.text,
        read.symbology,
        read.engine,
        read.gtin,
        read.gs1,
        read.raw_text,
        view.map_quad(read.quad_xy),
    )


def _settled(ballot: Ballot) -> bool:
    return bool(ballot.accepted()) and not ballot.pending()


def _region_of(read: BarcodeRead) -> Region:
    """The region around a read, its width along the read's longer side (across the bars)."""
    if len(read.quad_xy) != 4:
        return Region((0.0, 0.0), (0.0, 0.0), 0.0, 0.0)
    points = np.array(read.quad_xy, dtype=np.float32)
    (cx, cy), (side_a, side_b), angle = cv2.minAreaRect(points)
    if side_b > side_a:
        side_a, side_b, angle = side_b, side_a, angle + 90.0
    width = max(side_a, 8.0)
    # Linear reads are often a thin line across the bars: give the crop some bar height.
    height = max(side_b, 0.4 * width)
    # minAreaRect's angle is clockwise in image coordinates; regions turn counter-clockwise.
    return Region(
        (float(cx), float(cy)), (float(width), float(height)), -float(angle), float("inf")
    )


def _distinct(regions: list[Region]) -> list[Region]:
    kept: list[Region] = []
    for region in regions:
        if region.size_wh[0] <= 0:
            continue
        if any(_same_place(region, other) for other in kept):
            continue
        kept.append(region)
    return kept


def _same_place(a: Region, b: Region) -> bool:
    dx = abs(a.center_xy[0] - b.center_xy[0])
    dy = abs(a.center_xy[1] - b.center_xy[1])
    return dx < 0.25 * max(a.size_wh[0], b.size_wh[0]) and dy < 0.25 * max(
        a.size_wh[1], b.size_wh[1]
    )


def to_gray(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Converts a uint8 grayscale, BGR or BGRA frame to a contiguous grayscale image.

    Raises:
        ValueError: if the frame is not uint8, empty, or not HxW / HxWx1 / HxWx3 / HxWx4.
    """
    if not isinstance(image, np.ndarray):
        raise ValueError(f"expected a numpy uint8 image, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected dtype uint8, got {image.dtype}")
    if image.size == 0 or image.ndim not in (2, 3):
        raise ValueError(f"expected a non-empty HxW or HxWxC image, got shape {image.shape}")
    if image.ndim == 2:
        return np.ascontiguousarray(image)
    channels = image.shape[2]
    if channels == 1:
        return np.ascontiguousarray(image[:, :, 0])
    if channels == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    if channels == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY), dtype=np.uint8)
    raise ValueError(f"expected 1, 3 or 4 channels, got shape {image.shape}")
