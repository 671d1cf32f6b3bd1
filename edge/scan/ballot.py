"""Provides the per-frame ballot that decides which reads of one frame are trusted.

Codes with strong error detection (QR and DataMatrix with Reed-Solomon, Code 128 with its mod-103
checksum) count on one read. EAN/UPC carry a single mod-10 check digit, which a misread passes one
time in ten, and decoders repeat a misread across views (moire, blur), so an EAN/UPC value counts
only when either
- zxing-cpp read it in at least `min_votes` different views and no other value at the same place
  got more than 1/`rival_ratio` of its votes, or
- the reads are unanimous: at least `unanimous_votes` views (either engine) at two or more
  sampling grids (scales or rotations) and no other value read at that place at all.
ZBar alone never decides against a rival: in photos it repeats the same EAN/UPC misread at every
scale (measured on the zxing-cpp sample corpus), so its reads only vote when nothing disagrees.
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
        unanimous_votes: views (either engine, two sampling grids or more) that make an EAN/UPC
            value count when no other value was read at its place.
    """

    min_votes: int = 2
    rival_ratio: float = 2.0
    unanimous_votes: int = 3

    def __post_init__(self) -> None:
        if min(self.min_votes, self.unanimous_votes) < 1 or self.rival_ratio < 1.0:
            raise ValueError(
                "need min_votes >= 1 and rival_ratio >= 1, "
                f"got {self.min_votes}, {self.rival_ratio}"
            )


@dataclass(slots=True)
class _Tally:
    read: BarcodeRead
    views: set[str] = field(default_factory=set)
    grids: set[str] = field(default_factory=set)
    voting_views: set[str] = field(default_factory=set)


class Ballot:
    """Collects the reads of one frame across views and engines."""

    def __init__(self, config: BallotConfig | None = None) -> None:
        """Creates an empty ballot."""
        self._config = config or BallotConfig()
        self._strong: dict[str, BarcodeRead] = {}
        self._retail: dict[str, _Tally] = {}

    def add(self, reads: list[BarcodeRead], *, view: str, grid: str) -> None:
        """Records the reads an engine made in one view.

        Args:
            reads: the engine's reads, quads already in frame pixels.
            view: a name unique to this engine and image (e.g. `zxing:crop0@2+clahe`).
            grid: the view's sampling grid (scale and rotation); photometric variants share it.
        """
        for read in reads:
            if read.symbology in STRONG_SYMBOLOGIES:
                self._strong.setdefault(read.key, read)
            elif read.symbology in RETAIL_SYMBOLOGIES:
                tally = self._retail.setdefault(read.key, _Tally(read))
                tally.views.add(view)
                tally.grids.add(grid)
                if read.engine in VOTING_ENGINES:
                    tally.voting_views.add(view)

    def accepted(self) -> list[BarcodeRead]:
        """The reads that count, strong codes first."""
        retail = [t.read for t in self._retail.values() if self._wins(t)]
        return list(self._strong.values()) + retail

    def pending(self) -> list[BarcodeRead]:
        """EAN/UPC values seen (by either engine) but not accepted: where to look harder."""
        return [t.read for t in self._retail.values() if not self._wins(t)]

    def size(self) -> int:
        """How many distinct values were read so far (trusted or not)."""
        return len(self._strong) + len(self._retail)

    def has_strong(self) -> bool:
        """Whether a strongly checked code was read."""
        return bool(self._strong)

    def _wins(self, tally: _Tally) -> bool:
        config = self._config
        rivals = [
            other
            for other in self._retail.values()
            if other is not tally and _overlap(other.read, tally.read)
        ]
        if not rivals and len(tally.views) >= config.unanimous_votes and len(tally.grids) >= 2:
            return True
        if len(tally.voting_views) < config.min_votes:
            return False
        votes = len(tally.views)
        return all(len(other.views) * config.rival_ratio <= votes for other in rivals)


def _overlap(a: BarcodeRead, b: BarcodeRead) -> bool:
    # Linear reads are often reported as the scan line across the bars (a box of no height), so
    # each box is grown by half its larger side before testing whether they meet.
    box_a, box_b = _grown(a), _grown(b)
    if box_a is None or box_b is None:
        return True
    return not (
        box_a[2] < box_b[0] or box_b[2] < box_a[0] or box_a[3] < box_b[1] or box_b[3] < box_a[1]
    )


def _grown(read: BarcodeRead) -> tuple[float, float, float, float] | None:
    box = read.bbox_xyxy
    if box is None:
        return None
    margin = 0.5 * max(box[2] - box[0], box[3] - box[1])
    return (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)
