"""Provides the status bar every kiosk screen shows: the scanner link and the lookup in flight.

The bar watches two reactive attributes of the app, `scanner_status` and `lookup_status`, so it
never needs the app class (no import cycle) and is current on whichever screen shows it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static


class StatusBar(Horizontal):
    """One line: the scanner's connection on the left, the lookup in flight on the right."""

    def compose(self) -> ComposeResult:
        """Builds the two halves of the bar."""
        yield Static("", id="scanner-status", markup=False)
        yield Static("", id="lookup-status", markup=False)

    def on_mount(self) -> None:
        """Follows the app's status attributes."""
        self.watch(self.app, "scanner_status", self._show_scanner)
        self.watch(self.app, "lookup_status", self._show_lookup)

    def _show_scanner(self, text: str) -> None:
        self.query_one("#scanner-status", Static).update(text)

    def _show_lookup(self, text: str) -> None:
        self.query_one("#lookup-status", Static).update(text)
