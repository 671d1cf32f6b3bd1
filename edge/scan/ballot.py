"""Provides the per-frame ballot that decides which reads of one frame are trusted.

Codes with strong error detection (QR and DataMatrix with Reed-Solomon, Code 128 with its mod-103
checksum) count on one read. EAN/UPC carry a single mod-10 check digit, which a misread passes one
time in ten, and decoders misread the same way at the same sampling grid (moire, blur), so an
EAN/UPC value counts only when zxing-cpp read it in at least `min_votes` different views and no
other value at the same place got a comparable number of votes. ZBar's EAN/UPC reads are hints:
they make the scanner look harder but never vote, because in photos ZBar repeats the same misread
at every scale (measured on the zxing-cpp sample corpus).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.core.barcode import RETAIL_SYMBOLOGIES, BarcodeRead

STRONG_SYMBOLOGIES = frozenset({"qr", "datamatrix", "code128", "gs1_128"})
VOTING_ENGINES = frozenset({"zxing"})


@dataclass(frozen=True, slots=True)
class BallotConfig:
    """Thresholds of the ballot.

    Attributes:
        min_votes: views in which zxing-cpp must read an EAN/UPC value before it counts.
        rival_ratio: a value is refused while a different value at the same place has more than
            its votes divided by this ratio.
    """

    min_votes: int = 2
    rival_ratio: float = 2.0

    def __post_init__(self) -> None:
        if self.min_votes < 1 or self.rival_ratio < 1.0:
            raise ValueError(
                "need min_votes >= 1 and rival_ratio >= 1, "
                f"got {self.min_votes}, {self.rival_ratio}"
            )


@dataclass(slots=True)
class _Tally:
    read: BarcodeRead
    views: set[str] = field(default_factory=set)


class Ballot:
    """Collects the reads of one frame across views and engines."""

    def __init__(self, config: BallotConfig | None = None) -> None:
        """Creates an empty ballot."""
        self._config = config or BallotConfig()
        self._strong: dict[str, BarcodeRead] = {}
        self._retail: dict[str, _Tally] = {}
        self._hints: dict[str, BarcodeRead] = {}

    def add(self, reads: list[BarcodeRead], *, view: str) -> None:
        """Records the reads an engine made in one view (quads already in frame pixels)."""
        for read in reads:
            if read.symbology in STRONG_SYMBOLOGIES:
                self._strong.setdefault(read.key, read)
            elif read.symbology in RETAIL_SYMBOLOGIES and read.engine in VOTING_ENGINES:
                tally = self._retail.setdefault(read.key, _Tally(read))
                tally.views.add(view)
            elif read.symbology in RETAIL_SYMBOLOGIES:
                self._hints.setdefault(read.key, read)

    def accepted(self) -> list[BarcodeRead]:
        """The reads that count, strong codes first."""
        retail = [t.read for t in self._retail.values() if self._wins(t)]
        return list(self._strong.values()) + retail

    def pending(self) -> list[BarcodeRead]:
        """EAN/UPC values seen (by either engine) but not accepted: where to look harder."""
        won = {read.key for read in self.accepted()}
        seen = [t.read for t in self._retail.values()] + list(self._hints.values())
        return [read for read in seen if read.key not in won]

    def has_strong(self) -> bool:
        """Whether a strongly checked code was read."""
        return bool(self._strong)

    def _wins(self, tally: _Tally) -> bool:
        votes = len(tally.views)
        if votes < self._config.min_votes:
            return False
        for other in self._retail.values():
            if other is tally or not _overlap(other.read, tally.read):
                continue
            if len(other.views) * self._config.rival_ratio > votes:
                return False
        return True


def _overlap(a: BarcodeRead, b: BarcodeRead) -> bool:
    box_a, box_b = a.bbox_xyxy, b.bbox_xyxy
    if box_a is None or box_b is None:
        return True
    return not (
        box_a[2] < box_b[0] or box_b[2] < box_a[0] or box_a[3] < box_b[1] or box_b[3] < box_a[1]
    )
