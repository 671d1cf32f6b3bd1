"""Provides the error screen: what went wrong in words a shopper reads, and a retry button."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Middle, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.widgets.status_bar import StatusBar


class ErrorScreen(Screen[None]):
    """A lookup failed (the hub is down or answered badly); offers to try again."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "retry", "Try again")]

    @dataclass
    class RetryRequested(Message):
        """The shopper asked to look the code up again (posted up to the app).

        Attributes:
            code: the code to look up again.
        """

        code: str

    @dataclass
    class BackRequested(Message):
        """The shopper asked to go back to the home screen."""

    def __init__(self, message: str, code: str) -> None:
        """Creates the screen.

        Args:
            message: what went wrong, for a shopper.
            code: the code whose lookup failed.
        """
        super().__init__()
        self.error_text = message
        self.code = code

    def compose(self) -> ComposeResult:
        """Builds the message, the two buttons and the status bar."""
        with Middle(), Center(), Vertical(id="error-box"):
            yield Static("Sorry, we could not look that up", id="error-title")
            yield Static(self.error_text, id="error-message", markup=False)
            with Horizontal(id="error-buttons"):
                yield Button("Try again", id="retry", variant="primary")
                yield Button("Back", id="back")
        yield StatusBar("Enter or r: try again · Esc: back")

    def on_mount(self) -> None:
        """Puts the focus on "Try again"."""
        self.query_one("#retry", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Posts `RetryRequested` or `BackRequested` up to the app."""
        event.stop()
        if event.button.id == "retry":
            self.action_retry()
        else:
            self.post_message(self.BackRequested())

    def action_retry(self) -> None:
        """Posts `RetryRequested` for this screen's code."""
        self.post_message(self.RetryRequested(self.code))
