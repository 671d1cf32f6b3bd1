"""Provides the screen that shows one product card."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from kiosk.card_view import CardView
from kiosk.widgets.product_card import ProductCardWidget
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

    def compose(self) -> ComposeResult:
        """Builds the scrollable card, a hint line and the status bar."""
        with VerticalScroll(id="card-scroll"):
            yield ProductCardWidget(self.view, id="product-card")
        yield Static("Scan another item any time · Esc: back", classes="hint")
        yield StatusBar()
