"""Provides the home screen: what to do, a box to type a code, and the scanner's status."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from kiosk.errors import InvalidCode
from kiosk.state import parse_typed_code
from kiosk.widgets.status_bar import StatusBar


class HomeScreen(Screen[None]):
    """Waits for a scan; a shopper may also type the digits under the barcode."""

    @dataclass
    class CodeEntered(Message):
        """A shopper typed a valid code (posted up to the app).

        Attributes:
            code: the GTIN-14 to look up.
        """

        code: str

    def compose(self) -> ComposeResult:
        """Builds the instructions, the code box and the status bar."""
        with Vertical(id="home"):
            yield Static("Scan an item", id="home-title")
            yield Static(
                "Hold its barcode up to the camera to see price, stock and reviews.",
                id="home-help",
            )
            yield Input(
                placeholder="…or type the barcode number and press Enter",
                restrict=r"[0-9 -]*",
                max_length=20,
                id="code-input",
            )
            yield Static("", id="input-error", markup=False)
        yield StatusBar()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Checks the typed code; posts `CodeEntered` or shows what is wrong."""
        event.stop()
        error = self.query_one("#input-error", Static)
        try:
            code = parse_typed_code(event.value)
        except InvalidCode as exc:
            error.update(str(exc))
            return
        error.update("")
        event.input.clear()
        self.post_message(self.CodeEntered(code))
