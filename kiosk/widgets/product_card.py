"""Provides the product card widget, which renders a `CardView` (and the unknown-code card).

The card is built once and updated in place for every scan: one `Static` per section (titles,
prices and stock, reviews and complements, description), each holding styled `Content`, so a
new card costs a few text updates and one layout pass instead of composing a widget per line.
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
from textual.content import Content
from textual.widgets import Static

from kiosk.card_view import CardView, UnknownView
from kiosk.thumbnail import THUMBNAIL_HEIGHT_PX, THUMBNAIL_WIDTH_PX, Thumbnail

Piece = tuple[str, str] | str
"""A run of text with a Textual style (e.g. `("Here", "bold")`), or plain text."""

COMPARISON_STYLES = {"cheaper_online": "$warning", "cheaper_here": "$success"}
TITLE_STYLE = "bold underline"


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

    def show(self, thumbnail: Thumbnail, rendered: Text | None = None) -> None:
        """Replaces the placeholder with the thumbnail.

        Args:
            thumbnail: the picture.
            rendered: `half_block_text(thumbnail)` when the caller cached it.
        """
        if thumbnail is self.thumbnail:
            return
        self.thumbnail = thumbnail
        self.update(rendered if rendered is not None else half_block_text(thumbnail))

    def clear(self) -> None:
        """Shows the placeholder again (the next product has no picture yet)."""
        if self.thumbnail is not None:
            self.thumbnail = None
            self.update(self.PLACEHOLDER)


def lines_content(pieces: Iterable[Piece | None]) -> Content:
    """One `Content` with a line per piece; None pieces leave an empty line (a gap)."""
    parts: list[Piece] = []
    for index, piece in enumerate(pieces):
        if index:
            parts.append("\n")
        if piece is not None:
            parts.append(piece)
    return Content.assemble(*parts)


def titles_content(view: CardView) -> Content:
    """Name, brand and category, code."""
    return lines_content(
        [
            (view.title, "bold $accent"),
            (view.subtitle, "$text-muted"),
            (f"Code {view.code}", "$text-muted"),
        ]
    )


def left_content(view: CardView) -> Content:
    """Prices with the comparison line, stock here and shelf, online stock per warehouse."""
    comparison = (view.comparison, COMPARISON_STYLES.get(view.comparison_kind, ""))
    pieces: list[Piece | None] = [
        (f"Here {view.store_price}", "bold"),
        f"Online {view.online_price}",
        comparison,
        None,
        (view.store_stock, "bold"),
        view.shelf,
    ]
    if view.online_stock:
        pieces += [None, ("Online stock", TITLE_STYLE), *view.online_stock]
    return lines_content(pieces)


def right_content(view: CardView) -> Content:
    """Rating, the most helpful reviews, complementary items in stock here."""
    pieces: list[Piece | None] = [(view.rating, "bold"), *view.reviews]
    if view.complements:
        pieces += [None, ("Goes well with (in stock here)", TITLE_STYLE), *view.complements]
    return lines_content(pieces)


class ProductCardWidget(Vertical):
    """Everything about one product: prices, stock here and online, reviews, complements.

    Composed once from lines made in `__init__`, so `show` can put another product in them at
    any time (before the card is mounted, or while the app is closing) without a query.
    """

    def __init__(self, *, id: str | None = None) -> None:
        """Creates the empty card.

        Args:
            id: the widget id.
        """
        super().__init__(id=id)
        self.view: CardView | None = None
        self.freshness = Static("", id="freshness", markup=False)
        self.picture = ProductImage(id="product-image")
        self.titles = Static("", id="card-titles", markup=False)
        self.left = Static("", id="card-left", markup=False)
        self.right = Static("", id="card-right", markup=False)
        self.description = Static("", id="description", markup=False)

    def compose(self) -> ComposeResult:
        """Lays out the card: freshness banner, header, then prices/stock beside reviews."""
        yield self.freshness
        with Horizontal(id="card-header"):
            yield self.picture
            yield self.titles
        with Horizontal(id="card-body"):
            yield self.left
            yield self.right
        yield self.description

    def show(self, view: CardView, image: tuple[Thumbnail, Text] | None = None) -> None:
        """Shows another product.

        Args:
            view: the lines to show.
            image: the product picture and its `half_block_text`; None for the placeholder.
        """
        self.view = view
        self.freshness.update(view.freshness or "")
        self.freshness.display = view.freshness is not None
        self.titles.update(titles_content(view))
        self.left.update(left_content(view))
        self.right.update(right_content(view))
        self.description.update(view.description)
        self.description.display = bool(view.description)
        if image is None:
            self.picture.clear()
        else:
            self.picture.show(*image)


class UnknownCodeWidget(Vertical):
    """The clear "not in our catalog" card (composed once; `show` fills it at any time)."""

    def __init__(self, *, id: str | None = None) -> None:
        """Creates the empty card.

        Args:
            id: the widget id.
        """
        super().__init__(id=id)
        self.view: UnknownView | None = None
        self.title_line = Static("", id="unknown-title", markup=False)
        self.code_line = Static("", id="unknown-code", markup=False)
        self.message_line = Static("", id="unknown-message", markup=False)
        self.staff_line = Static("", id="unknown-staff", markup=False)

    def compose(self) -> ComposeResult:
        """Lays out title, code, the hub's message and the note about staff."""
        yield self.title_line
        yield self.code_line
        yield self.message_line
        yield self.staff_line

    def show(self, view: UnknownView) -> None:
        """Shows `view` in the card's lines (the message line only when there is one)."""
        self.view = view
        self.title_line.update(view.title)
        self.code_line.update(f"Code {view.code}")
        self.message_line.update(view.message)
        self.message_line.display = bool(view.message)
        self.staff_line.update(view.staff_note)
