"""Provides barcode reads and their normalisation: check digits, GTIN-14, GS1 AIs, Digital Link.

A `BarcodeRead` is one decoded symbol in one frame, already validated: EAN/UPC check digits hold,
GS1 GTINs are correct, and `gtin` is the GTIN-14 used for lookups. `make_read` builds one from an
engine's raw output or raises `InvalidReadError`. `ScanConsensus` turns per-frame reads into
`ConfirmedScan`s (N of the last M frames, once per presence of an item).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, cast, get_args

from contracts.gtin import is_valid_gtin
from contracts.payloads import ScanPayload, Symbology
from edge.core.gs1 import (
    GS,
    Gs1Error,
    format_gs1,
    normalise_retail,
    parse_digital_link,
    parse_gs1_elements,
)

SYMBOLOGIES: Final[frozenset[str]] = frozenset(get_args(Symbology))
RETAIL_SYMBOLOGIES: Final[frozenset[str]] = frozenset({"ean13", "ean8", "upca", "upce"})
QuadXY = tuple[tuple[float, float], ...]


class InvalidReadError(ValueError):
    """An engine's output is not a valid code: wrong check digit, wrong length, empty text."""


@dataclass(frozen=True, slots=True)
class BarcodeRead:
    """One validated barcode read in one frame.

    Attributes:
        text: canonical text: digits for EAN/UPC (13, 8, 12 or 8 for UPC-E), `(01)...` form for GS1
            element strings, otherwise the decoded text.
        symbology: barcode format.
        engine: decoder that produced it (`zbar`, `zxing`).
        gtin: GTIN-14 with a valid check digit, when the code carries one.
        gs1: GS1 application identifiers, e.g. `{"01": "0950...", "17": "251231"}`.
        raw_text: the text exactly as the engine returned it (GS1 separators as GS, 0x1D).
        quad_xy: the symbol's four corners in frame pixels (x, y), or empty when unknown.
    """

    text: str
    symbology: Symbology
    engine: str
    gtin: str | None = None
    gs1: dict[str, str] = field(default_factory=dict, hash=False)
    raw_text: str = ""
    quad_xy: QuadXY = ()

    def __post_init__(self) -> None:
        if not self.text:
            raise ValueError("BarcodeRead.text must not be empty")
        if self.symbology not in SYMBOLOGIES:
            raise ValueError(
                f"symbology must be one of {sorted(SYMBOLOGIES)}, got {self.symbology!r}"
            )
        if self.gtin is not None and (len(self.gtin) != 14 or not is_valid_gtin(self.gtin)):
            raise ValueError(f"gtin must be a valid GTIN-14, got {self.gtin!r}")
        if len(self.quad_xy) not in (0, 4):
            raise ValueError(f"quad_xy must hold 0 or 4 points, got {len(self.quad_xy)}")

    @property
    def key(self) -> str:
        """Identity of the item for consensus: its GTIN-14 when known, else symbology and text."""
        if self.gtin is not None and self.symbology in RETAIL_SYMBOLOGIES:
            return f"gtin:{self.gtin}"
        return f"{self.symbology}:{self.text}"

    @property
    def bbox_xyxy(self) -> tuple[float, float, float, float] | None:
        """Axis-aligned box (x0, y0, x1, y1) around `quad_xy`, or None when the quad is unknown."""
        if not self.quad_xy:
            return None
        xs = [p[0] for p in self.quad_xy]
        ys = [p[1] for p in self.quad_xy]
        return (min(xs), min(ys), max(xs), max(ys))


def make_read(
    raw_text: str,
    symbology: Symbology,
    *,
    engine: str,
    quad_xy: QuadXY = (),
    gs1_flag: bool = False,
) -> BarcodeRead:
    """Validates and normalises one engine result.

    Args:
        raw_text: the text as decoded.
        symbology: format as reported by the engine (`ean13` for a UPC-A is fine).
        engine: engine name.
        quad_xy: four corners in frame pixels, or empty.
        gs1_flag: the engine says the symbol starts with FNC1 (GS1-128, GS1 QR/DataMatrix).

    Returns:
        The normalised read.

    Raises:
        InvalidReadError: on a wrong check digit, a bad length or an empty or malformed text.
    """
    if not raw_text or not raw_text.strip(GS + " "):
        raise InvalidReadError(f"{engine} returned an empty {symbology} text")
    if symbology in RETAIL_SYMBOLOGIES:
        try:
            retail, text, gtin = normalise_retail(raw_text, symbology)
        except Gs1Error as exc:
            raise InvalidReadError(str(exc)) from exc
        symbology = cast(Symbology, retail)
        return BarcodeRead(text, symbology, engine, gtin, {}, raw_text, quad_xy)
    if symbology in ("code128", "gs1_128"):
        return _make_code128(raw_text, engine=engine, quad_xy=quad_xy, gs1_flag=gs1_flag)
    elements = _matrix_elements(raw_text, gs1_flag=gs1_flag)
    return BarcodeRead(raw_text, symbology, engine, elements.get("01"), elements, raw_text, quad_xy)


def _make_code128(raw_text: str, *, engine: str, quad_xy: QuadXY, gs1_flag: bool) -> BarcodeRead:
    looks_gs1 = gs1_flag or raw_text.startswith(("(", GS, "]C1"))
    if looks_gs1:
        try:
            elements = parse_gs1_elements(raw_text)
        except Gs1Error as exc:
            if "check digit" in str(exc):
                raise InvalidReadError(str(exc)) from exc
        else:
            text = format_gs1(elements)
            return BarcodeRead(
                text, "gs1_128", engine, elements.get("01"), elements, raw_text, quad_xy
            )
    return BarcodeRead(raw_text, "code128", engine, None, {}, raw_text, quad_xy)


def _matrix_elements(raw_text: str, *, gs1_flag: bool) -> dict[str, str]:
    if raw_text.lower().startswith(("http://", "https://")):
        try:
            return parse_digital_link(raw_text)
        except Gs1Error:
            return {}
    if gs1_flag:
        try:
            return parse_gs1_elements(raw_text)
        except Gs1Error as exc:
            raise InvalidReadError(str(exc)) from exc
    return {}


def comparable_value(read: BarcodeRead) -> str:
    """The value a benchmark compares: GTIN-14 for EAN/UPC, the text otherwise."""
    if read.symbology in RETAIL_SYMBOLOGIES and read.gtin is not None:
        return read.gtin
    return read.text


@dataclass(frozen=True, slots=True)
class ConsensusConfig:
    """How many frames must agree before a code counts.

    Attributes:
        min_frames: N, reads of the same code needed within the window.
        window_frames: M, the window of most recent frames (by frame index).
        rearm_absent_frames: frames a confirmed code must be absent before it can be scanned again.
    """

    min_frames: int = 2
    window_frames: int = 5
    rearm_absent_frames: int = 15

    def __post_init__(self) -> None:
        if not 1 <= self.min_frames <= self.window_frames:
            raise ValueError(
                f"need 1 <= min_frames <= window_frames, got {self.min_frames}/{self.window_frames}"
            )
        if self.rearm_absent_frames < 1:
            raise ValueError(f"rearm_absent_frames must be >= 1, got {self.rearm_absent_frames}")


@dataclass(frozen=True, slots=True)
class ConfirmedScan:
    """A code confirmed by consensus: one per presence of an item in view.

    Attributes:
        read: the most recent read of the code (its engine, text, GTIN and position).
        frames_confirmed: reads of the code inside the window when it was confirmed.
        first_seen_ms: timestamp of the first frame that read it in this presence.
        confirmed_ms: timestamp of the confirming frame.
        frame_index: index of the confirming frame.
    """

    read: BarcodeRead
    frames_confirmed: int
    first_seen_ms: float
    confirmed_ms: float
    frame_index: int

    @property
    def time_to_scan_ms(self) -> float:
        """Milliseconds from the code's first sighting to its confirmation."""
        return self.confirmed_ms - self.first_seen_ms

    def to_payload(self) -> ScanPayload:
        """Builds the wire payload of the `scan` event."""
        return ScanPayload(
            text=self.read.text,
            symbology=self.read.symbology,
            gtin=self.read.gtin,
            gs1=dict(self.read.gs1),
            engine=self.read.engine,
            frames_confirmed=self.frames_confirmed,
            time_to_scan_ms=max(0.0, self.time_to_scan_ms),
        )


@dataclass(slots=True)
class _Track:
    first_seen_ms: float
    last_seen_frame: int
    hits: deque[int]
    read: BarcodeRead
    confirmed: bool = False


class ScanConsensus:
    """Turns per-frame reads into scan events: N of the last M frames, once per presence.

    A code (keyed by GTIN, else symbology + text) is confirmed when it was read in at least
    `min_frames` of the last `window_frames` frames. It is then not reported again until it has
    been absent for `rearm_absent_frames` frames. Different codes are tracked independently, so
    two items in view give two scans. Pure: frame indices and timestamps are passed in.
    """

    def __init__(self, config: ConsensusConfig | None = None) -> None:
        """Creates an empty tracker.

        Args:
            config: thresholds; defaults to 2 of 5 frames, re-armed after 15 absent frames.
        """
        self._config = config or ConsensusConfig()
        self._tracks: dict[str, _Track] = {}
        self._last_frame: int | None = None

    @property
    def config(self) -> ConsensusConfig:
        """The thresholds in use."""
        return self._config

    def update(
        self, reads: Sequence[BarcodeRead], *, frame_index: int, ts_ms: float
    ) -> list[ConfirmedScan]:
        """Feeds one frame's reads and returns the codes confirmed by this frame.

        Args:
            reads: the reads of this frame (duplicates of one code count once).
            frame_index: the frame's index; must increase from call to call (gaps are fine).
            ts_ms: the frame's timestamp in milliseconds.

        Raises:
            ValueError: if `frame_index` does not increase.
        """
        if self._last_frame is not None and frame_index <= self._last_frame:
            raise ValueError(f"frame_index must increase: {frame_index} after {self._last_frame}")
        self._last_frame = frame_index
        seen: dict[str, BarcodeRead] = {}
        for read in reads:
            seen.setdefault(read.key, read)
        confirmed = [
            scan
            for key, read in seen.items()
            if (scan := self._observe(key, read, frame_index, ts_ms)) is not None
        ]
        self._expire(frame_index)
        return confirmed

    def reset(self) -> None:
        """Forgets every tracked code (e.g. when the camera restarts)."""
        self._tracks.clear()
        self._last_frame = None

    def _observe(
        self, key: str, read: BarcodeRead, frame_index: int, ts_ms: float
    ) -> ConfirmedScan | None:
        track = self._tracks.get(key)
        if track is None:
            track = _Track(
                first_seen_ms=ts_ms, last_seen_frame=frame_index, hits=deque(), read=read
            )
            self._tracks[key] = track
        track.hits.append(frame_index)
        track.last_seen_frame = frame_index
        track.read = read
        oldest = frame_index - self._config.window_frames + 1
        while track.hits and track.hits[0] < oldest:
            track.hits.popleft()
        if track.confirmed or len(track.hits) < self._config.min_frames:
            return None
        track.confirmed = True
        return ConfirmedScan(read, len(track.hits), track.first_seen_ms, ts_ms, frame_index)

    def _expire(self, frame_index: int) -> None:
        # A confirmed code re-arms after a long absence; an unconfirmed one is forgotten once it
        # has no reads left in the window, so its time-to-scan starts again at its next sighting.
        config = self._config
        for key in list(self._tracks):
            track = self._tracks[key]
            absent = frame_index - track.last_seen_frame
            limit = config.rearm_absent_frames if track.confirmed else config.window_frames
            if absent >= limit:
                del self._tracks[key]
