"""Provides the screen for a code that is not in our catalog (built once, updated per scan)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen

from kiosk.card_view import UnknownView
from kiosk.widgets.product_card import UnknownCodeWidget
from kiosk.widgets.status_bar import StatusBar


class UnknownScreen(Screen[None]):
    """Says clearly that the code is not in our catalog.

    The app keeps one installed for the run; `show` puts the next unknown code into it.
    """

    def __init__(self) -> None:
        """Creates the (empty) screen; `show` fills it."""
        super().__init__()
        self.card = UnknownCodeWidget(id="unknown-card")

    def compose(self) -> ComposeResult:
        """Builds the centred unknown-code card and the status bar."""
        with Middle(), Center():
            yield self.card
        yield StatusBar("Scan another item any time · Esc: back")

    def show(self, view: UnknownView) -> None:
        """Shows another unknown code (mounted or not)."""
        self.card.show(view)
