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

    def __init__(self, view: UnknownView | None = None) -> None:
        """Creates the screen.

        Args:
            view: the card's lines; None until `show` gives them.
        """
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        """Builds the centred unknown-code card and the status bar."""
        with Middle(), Center():
            yield UnknownCodeWidget(id="unknown-card")
        yield StatusBar("Scan another item any time · Esc: back")

    def on_mount(self) -> None:
        """Shows the view that `show` got before the screen was mounted."""
        if self.view is not None:
            self.query_one(UnknownCodeWidget).show(self.view)

    def show(self, view: UnknownView) -> None:
        """Shows another unknown code (now, or when the screen mounts)."""
        self.view = view
        if self.is_mounted:
            self.query_one(UnknownCodeWidget).show(view)
