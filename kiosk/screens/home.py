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

CODE_CHARACTERS = frozenset("0123456789 -")


class CodeInput(Input):
    """The code box: takes digits, spaces and dashes, and leaves every other key to the app.

    A plain `Input` claims every printable key, which would keep `q` and `f` from the app.
    """

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Claims only the characters a barcode number is typed with."""
        return character is not None and character in CODE_CHARACTERS


class HomeScreen(Screen[None]):
    """Waits for a scan; a shopper may also type the digits under the barcode."""

    @dataclass
    class CodeEntered(Message):
        """A shopper typed a valid code (posted up to the app).

        Attributes:
            code: the digits to look up (checked, spaces and dashes removed).
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
            yield CodeInput(
                placeholder="…or type the barcode number and press Enter",
                restrict=r"[0-9 -]*",
                max_length=20,
                id="code-input",
            )
            yield Static("", id="input-error", markup=False)
        yield StatusBar("t: try on · p: snap a photo · /: search · f: camera / replay · q: quit")

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
