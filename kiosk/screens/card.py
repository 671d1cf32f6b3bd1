"""Provides the screen that shows one product card."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen

from kiosk.card_view import CardView
from kiosk.thumbnail import Thumbnail
from kiosk.widgets.product_card import ProductCardWidget, ProductImage
from kiosk.widgets.status_bar import StatusBar


class CardScreen(Screen[None]):
    """The product card of the latest scan; a new scan replaces it, Esc goes home."""

    def __init__(self, view: CardView) -> None:
        """Creates the screen.

        Args:
            view: the card's lines.
        """
        super().__init__()
        self.view = view
        self._thumbnail: Thumbnail | None = None

    def compose(self) -> ComposeResult:
        """Builds the scrollable card, a hint line and the status bar."""
        with VerticalScroll(id="card-scroll"):
            yield ProductCardWidget(self.view, id="product-card")
        yield StatusBar("Scan another item any time · Esc: back")

    def on_mount(self) -> None:
        """Shows an image that arrived before the screen was mounted."""
        if self._thumbnail is not None:
            self.query_one(ProductImage).show(self._thumbnail)

    def show_image(self, thumbnail: Thumbnail) -> None:
        """Shows the product image (now, or when the screen mounts)."""
        self._thumbnail = thumbnail
        if self.is_mounted:
            self.query_one(ProductImage).show(thumbnail)
