"""Provides the footer every kiosk screen shows: a hint line, the scanner link, the lookup.

The bar watches two reactive attributes of the app, `scanner_status` and `lookup_status`, so it
never needs the app class (no import cycle) and is current on whichever screen shows it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static


class StatusBar(Vertical):
    """Two lines: what the shopper can do here, then the scanner's link and the lookup."""

    def __init__(self, hint: str) -> None:
        """Creates the bar.

        Args:
            hint: one line saying what the shopper can do on this screen.
        """
        super().__init__()
        self.hint = hint

    def compose(self) -> ComposeResult:
        """Builds the hint line and the status line."""
        yield Static(self.hint, classes="hint", markup=False)
        with Horizontal(classes="status-line"):
            yield Static("", id="scanner-status", markup=False)
            yield Static("", id="lookup-status", markup=False)

    def on_mount(self) -> None:
        """Follows the app's status attributes."""
        self.watch(self.app, "scanner_status", self._show_scanner)
        self.watch(self.app, "lookup_status", self._show_lookup)

    def _show_scanner(self, text: str) -> None:
        self._show("#scanner-status", text)

    def _show_lookup(self, text: str) -> None:
        self._show("#lookup-status", text)

    def _show(self, selector: str, text: str) -> None:
        # A screen being removed loses its children first; the watch may fire in between.
        for line in self.query(selector).results(Static):
            line.update(text)
