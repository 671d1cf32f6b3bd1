"""Provides the product card widget, which renders a `CardView` (and the unknown-code card).

The widget only lays out lines that `kiosk.card_view` computed and does no I/O; the app hands
the product image down once it has fetched it (`ProductImage.show`).
Text from the catalog is never parsed as markup, so a name like "[Sale]" shows as written.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from kiosk.card_view import CardView, UnknownView
from kiosk.thumbnail import THUMBNAIL_HEIGHT_PX, THUMBNAIL_WIDTH_PX, Thumbnail


def half_block_text(thumbnail: Thumbnail) -> Text:
    """The thumbnail as rows of "▀": upper pixel in the foreground, lower in the background."""
    text = Text(no_wrap=True, overflow="crop")
    for index, row in enumerate(thumbnail.cell_rows()):
        if index:
            text.append("\n")
        for top, bottom in row:
            style = Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
            text.append("▀", style=style)
    return text


class ProductImage(Static):
    """The product picture: a placeholder until `show` gets its thumbnail."""

    PLACEHOLDER = "\n".join(["▒" * THUMBNAIL_WIDTH_PX] * (THUMBNAIL_HEIGHT_PX // 2))

    def __init__(self, *, id: str | None = None) -> None:
        """Creates the placeholder."""
        super().__init__(self.PLACEHOLDER, id=id, markup=False)
        self.thumbnail: Thumbnail | None = None

    def show(self, thumbnail: Thumbnail) -> None:
        """Replaces the placeholder with the thumbnail."""
        self.thumbnail = thumbnail
        self.update(half_block_text(thumbnail))


def _lines(texts: Iterable[str], *, classes: str) -> list[Static]:
    return [Static(text, markup=False, classes=classes) for text in texts]


class ProductCardWidget(Vertical):
    """Everything about one product: prices, stock here and online, reviews, complements."""

    def __init__(self, view: CardView, *, id: str | None = None) -> None:
        """Creates the card.

        Args:
            view: the lines to show.
            id: the widget id.
        """
        super().__init__(id=id)
        self.view = view

    def compose(self) -> ComposeResult:
        """Lays out the card: freshness banner, header, then prices/stock beside reviews."""
        view = self.view
        if view.freshness is not None:
            yield Static(view.freshness, id="freshness", markup=False)
        with Horizontal(id="card-header"):
            yield ProductImage(id="product-image")
            with Vertical(id="card-titles"):
                yield Static(view.title, id="product-name", markup=False)
                yield Static(view.subtitle, id="product-brand", markup=False)
                yield Static(f"Code {view.code}", id="product-code", markup=False)
        with Horizontal(id="card-body"):
            with Vertical(id="card-left"):
                yield from self._prices()
                yield from self._stock()
            with Vertical(id="card-right"):
                yield from self._reviews()
                yield from self._complements()
        if view.description:
            yield Static(view.description, id="description", markup=False)

    def _prices(self) -> ComposeResult:
        view = self.view
        yield Static(f"Here {view.store_price}", id="store-price", markup=False)
        yield Static(f"Online {view.online_price}", id="online-price", markup=False)
        yield Static(view.comparison, id="comparison", markup=False, classes=view.comparison_kind)

    def _stock(self) -> ComposeResult:
        view = self.view
        yield Static(view.store_stock, id="store-stock", markup=False)
        yield Static(view.shelf, id="shelf", markup=False)
        if view.online_stock:
            yield Static("Online stock", classes="section-title")
            with Vertical(id="online-stock"):
                yield from _lines(view.online_stock, classes="line")

    def _reviews(self) -> ComposeResult:
        yield Static(self.view.rating, id="rating", markup=False)
        if self.view.reviews:
            with Vertical(id="reviews"):
                yield from _lines(self.view.reviews, classes="line review")

    def _complements(self) -> ComposeResult:
        if not self.view.complements:
            return
        yield Static("Goes well with (in stock here)", classes="section-title")
        with Vertical(id="complements"):
            yield from _lines(self.view.complements, classes="line")


class UnknownCodeWidget(Vertical):
    """The clear "not in our catalog" card."""

    def __init__(self, view: UnknownView, *, id: str | None = None) -> None:
        """Creates the card.

        Args:
            view: the lines to show.
            id: the widget id.
        """
        super().__init__(id=id)
        self.view = view

    def compose(self) -> ComposeResult:
        """Lays out title, code, the hub's message and the note about staff."""
        yield Static(self.view.title, id="unknown-title", markup=False)
        yield Static(f"Code {self.view.code}", id="unknown-code", markup=False)
        if self.view.message:
            yield Static(self.view.message, id="unknown-message", markup=False)
        yield Static(self.view.staff_note, id="unknown-staff", markup=False)
