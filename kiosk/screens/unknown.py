"""Provides the screen for a code that is not in the store's catalog."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen

from kiosk.card_view import UnknownView
from kiosk.widgets.product_card import UnknownCodeWidget
from kiosk.widgets.status_bar import StatusBar


class UnknownScreen(Screen[None]):
    """Says clearly that the code is not in our catalog."""

    def __init__(self, view: UnknownView) -> None:
        """Creates the screen.

        Args:
            view: the card's lines.
        """
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        """Builds the centred unknown-code card and the status bar."""
        with Middle(), Center():
            yield UnknownCodeWidget(self.view, id="unknown-card")
        yield StatusBar("Scan another item any time · Esc: back")
