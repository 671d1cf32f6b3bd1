"""Provides the try-on screen's pure view-model: the garment, colour and size chosen, the stills.

Same rules as `kiosk/state.py` (kept apart so the two screens' models can change independently):
no Textual import and no clock; the screen passes monotonic seconds in. Every change returns a
new `TryOnState`. Stills live here only while the screen does: the state is dropped with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from kiosk.ports import GarmentOption, PreviewFrame, Still, TryOnChoice

DEFAULT_SIZE: Final = "M"
COMPARE_STILLS: Final = 2


@dataclass(frozen=True, slots=True)
class TryOnState:
    """What the try-on screen shows for one shopper.

    Attributes:
        garments: every (product, colour) on offer, grouped by product.
        sizes: the sizes on offer, smallest first.
        product_id: the garment worn now.
        colour: its colour.
        size: the size chosen.
        stills: the pictures kept this session, oldest first.
        hint: what the shopper should do (None while the garment is drawn).
        frames_seen: live frames shown so far.
        drawn: what the last frame shown was drawn with (the choice may be newer).
        last_seen_s: monotonic time the shopper was last in view (or the session began).
        message: a notice for the shopper (a refused garment, the stills limit), or None.
    """

    garments: tuple[GarmentOption, ...]
    sizes: tuple[str, ...]
    product_id: str
    colour: str
    size: str
    last_seen_s: float
    stills: tuple[Still, ...] = ()
    hint: str | None = None
    frames_seen: int = 0
    drawn: TryOnChoice | None = None
    message: str | None = None

    @classmethod
    def begin(
        cls,
        garments: tuple[GarmentOption, ...],
        sizes: tuple[str, ...],
        now_s: float,
        *,
        product_id: str | None = None,
    ) -> TryOnState:
        """The state at the start of a session, wearing `product_id` (else the first garment).

        Raises:
            ValueError: no garments or no sizes, or `product_id` has no garment.
        """
        if not garments or not sizes:
            raise ValueError(f"need garments and sizes, got {len(garments)} and {len(sizes)}")
        wanted = garments[0].product_id if product_id is None else product_id
        first = next((g for g in garments if wanted in _products_of(g)), None)
        if first is None:
            raise ValueError(f"no try-on garment for product {wanted!r}")
        size = next((s for s, gtin in first.sizes if gtin == product_id), None)
        if size is None:
            size = _default_size(_size_labels(first, sizes))
        return cls(garments, sizes, first.product_id, first.colour, size, last_seen_s=now_s)

    @property
    def products(self) -> tuple[str, ...]:
        """Product ids in offer order, each once."""
        return tuple(dict.fromkeys(g.product_id for g in self.garments))

    @property
    def colours(self) -> tuple[str, ...]:
        """The colours of the garment worn now."""
        return tuple(g.colour for g in self.garments if g.product_id == self.product_id)

    @property
    def garment(self) -> GarmentOption:
        """The garment and colour worn now."""
        return next(
            g for g in self.garments if (g.product_id, g.colour) == (self.product_id, self.colour)
        )

    @property
    def size_options(self) -> tuple[str, ...]:
        """The sizes of the garment worn now (its sibling products), else the compositor's."""
        return _size_labels(self.garment, self.sizes)

    @property
    def size_gtin(self) -> str | None:
        """The GTIN of the chosen size (its own stock and price), or None without siblings."""
        return dict(self.garment.sizes).get(self.size)

    @property
    def choice(self) -> TryOnChoice:
        """What the try-on should draw now."""
        return TryOnChoice(self.product_id, self.colour, self.size)

    @property
    def reserve_choice(self) -> TryOnChoice:
        """What "reserve" should reserve: the chosen size's own GTIN when it has one."""
        return TryOnChoice(self.size_gtin or self.product_id, self.colour, self.size)

    @property
    def compare(self) -> tuple[Still, ...]:
        """The stills shown side by side: the last `COMPARE_STILLS` taken."""
        return self.stills[-COMPARE_STILLS:]

    def next_garment(self, step: int = 1) -> TryOnState:
        """Wears the next (or previous, `step=-1`) product, in its first colour."""
        products = self.products
        product = products[(products.index(self.product_id) + step) % len(products)]
        colour = next(g.colour for g in self.garments if g.product_id == product)
        return replace(self, product_id=product, colour=colour, message=None)._keep_size()

    def next_colour(self, step: int = 1) -> TryOnState:
        """Wears the same garment in its next colour."""
        colours = self.colours
        colour = colours[(colours.index(self.colour) + step) % len(colours)]
        return replace(self, colour=colour, message=None)._keep_size()

    def _keep_size(self) -> TryOnState:
        """Keeps the size when the garment worn now has it, else takes its default size."""
        options = self.size_options
        return self if self.size in options else replace(self, size=_default_size(options))

    def next_size(self, step: int = 1) -> TryOnState:
        """Chooses the next size up (or down, `step=-1`), stopping at the ends."""
        options = self.size_options
        index = min(max(options.index(self.size) + step, 0), len(options) - 1)
        return replace(self, size=options[index], message=None)

    def with_frame(self, frame: PreviewFrame, now_s: float) -> TryOnState:
        """Takes a live frame's hint and notes whether the shopper is still in view."""
        seen = now_s if frame.person_in_view else self.last_seen_s
        return replace(
            self,
            hint=frame.hint,
            frames_seen=self.frames_seen + 1,
            last_seen_s=seen,
            drawn=frame.wearing,
        )

    def with_still(self, still: Still) -> TryOnState:
        """Keeps a still to compare."""
        return replace(self, stills=(*self.stills, still), message=None)

    def with_message(self, message: str) -> TryOnState:
        """Shows a notice (a garment that cannot be shown, the stills limit)."""
        return replace(self, message=message)

    def walked_away(self, now_s: float, after_s: float) -> bool:
        """True when nobody has been in view for `after_s` seconds."""
        return now_s - self.last_seen_s >= after_s


def _products_of(garment: GarmentOption) -> set[str]:
    """The garment's product id and every size's GTIN."""
    return {garment.product_id, *(gtin for _, gtin in garment.sizes)}


def _size_labels(garment: GarmentOption, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(size for size, _ in garment.sizes) or default


def _default_size(options: tuple[str, ...]) -> str:
    return DEFAULT_SIZE if DEFAULT_SIZE in options else options[len(options) // 2]
