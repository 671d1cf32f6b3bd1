"""Provides the ports the kiosk UI runs its camera features through: try-on, photo and text search.

The UI takes implementations as constructor collaborators (`KioskFeatures`); None means the
feature is off, and the kiosk says so. `aisle/kiosk_features.py` implements them with the
kiosk's own edge code in the same process: camera frames, composites and stills cross these
ports as in-memory arrays only, never as files or messages. Implementations may block (they run
models), so the UI calls them from worker threads; they raise `FeatureUnavailable` with a
message a shopper may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kiosk.errors import KioskError


class FeatureUnavailable(KioskError):
    """A camera feature cannot do what was asked (no camera frame, a garment refused, ...)."""


def _check_rgb(pixels: npt.NDArray[np.uint8]) -> None:
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"pixels_rgb must be (h, w, 3) uint8, got {pixels.shape} {pixels.dtype}")
    if pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise ValueError(f"pixels_rgb must not be empty, got {pixels.shape}")


@dataclass(frozen=True, slots=True)
class GarmentOption:
    """One garment in one colour that can be tried on.

    Attributes:
        product_id: the product (a GTIN-14 for catalog products).
        colour: the colour name of this variant.
        kind: how it is worn: top, dress, bottom, hat or glasses.
        label: a short name for the shopper, e.g. "t-shirt".
        sizes: (size, GTIN) of each size sold, smallest first; each size is its own product
            (stock, price), the one reserved. Empty: the compositor's sizes, no sibling GTINs.
    """

    product_id: str
    colour: str
    kind: str
    label: str
    sizes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class TryOnChoice:
    """What the shopper wants to see on themselves: a garment, its colour and a size."""

    product_id: str
    colour: str
    size: str


@dataclass(frozen=True, slots=True)
class PreviewFrame:
    """One live try-on frame.

    Attributes:
        pixels_rgb: (H, W, 3) uint8 RGB composite (the plain frame when nothing was drawn).
        hint: what the shopper should do, or None when the garment is drawn.
        person_in_view: False when nobody (no body, or no face for hats and glasses) is seen.
        seq: increases with every frame of a session.
        wearing: the garment, colour and size this frame was drawn with.
    """

    pixels_rgb: npt.NDArray[np.uint8]
    hint: str | None
    person_in_view: bool
    seq: int
    wearing: TryOnChoice

    def __post_init__(self) -> None:
        _check_rgb(self.pixels_rgb)


@dataclass(frozen=True, slots=True)
class Still:
    """A composite the shopper kept to compare garments (memory only, gone with the session).

    Attributes:
        pixels_rgb: (H, W, 3) uint8 RGB.
        choice: the garment, colour and size it shows.
    """

    pixels_rgb: npt.NDArray[np.uint8]
    choice: TryOnChoice

    def __post_init__(self) -> None:
        _check_rgb(self.pixels_rgb)


class TryOnPreview(Protocol):
    """Live try-on on the kiosk's camera; one session at a time."""

    def garments(self) -> tuple[GarmentOption, ...]:
        """Every garment and colour this kiosk can put on a shopper."""
        ...

    def sizes(self) -> tuple[str, ...]:
        """The sizes a shopper can choose, smallest first."""
        ...

    def start(self, choice: TryOnChoice) -> None:
        """Starts a session (or switches garment, colour or size of the running one)."""
        ...

    def next_frame(self, timeout_s: float) -> PreviewFrame | None:
        """Waits up to `timeout_s` for a newer camera frame and dresses it; None if none came."""
        ...

    def take_still(self) -> Still:
        """Keeps the latest composite; raises `FeatureUnavailable` before the first frame."""
        ...

    def stop(self) -> None:
        """Ends the session and forgets its frames, composites and stills; idempotent."""
        ...


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One product a search found.

    Attributes:
        gtin: GTIN-14 of the product.
        score: similarity, higher is closer (cosine for the embedding searches).
    """

    gtin: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """What a photo or text search returned.

    Attributes:
        hits: best first.
        abstained: True when even the best hit is below the search's threshold ("not sure"):
            the hits are then candidates, not an answer.
    """

    hits: tuple[SearchHit, ...]
    abstained: bool


@dataclass(frozen=True, slots=True)
class TextQuery:
    """A shopper's typed request, split into filters and the words to match.

    Attributes:
        text: the words left to match against product text (may be empty).
        max_price_cents: at most this store price, or None.
        min_price_cents: at least this store price, or None.
        age_months: the child's age the product must suit, or None.
    """

    text: str
    max_price_cents: int | None = None
    min_price_cents: int | None = None
    age_months: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_price_cents", "min_price_cents", "age_months"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")


class PhotoSearch(Protocol):
    """Finds the product in front of the kiosk's camera."""

    def search_frame(self, timeout_s: float) -> SearchOutcome:
        """Searches the next camera frame; raises `FeatureUnavailable` if none comes in time."""
        ...


class TextSearch(Protocol):
    """Finds products from a shopper's typed request."""

    def search(self, query: TextQuery) -> SearchOutcome:
        """Searches product text; filters in `query` are applied to the hits."""
        ...


@dataclass(frozen=True, slots=True)
class KioskFeatures:
    """The camera features this kiosk offers; None turns one off (the UI says so)."""

    tryon: TryOnPreview | None = None
    photo_search: PhotoSearch | None = None
    text_search: TextSearch | None = None
