"""Provides the confirmation screen of a reservation or delivery order, refreshed as it moves on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Middle, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.action_view import ConfirmationView
from kiosk.widgets.status_bar import StatusBar


class ConfirmationScreen(Screen[None]):
    """What the shopper reserved or ordered, and where it stands (Enter/Esc: done)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("a", "retry", "Try again")]

    @dataclass
    class DoneRequested(Message):
        """The shopper is done here (posted up to the app)."""

    @dataclass
    class RetryRequested(Message):
        """The shopper asked to send the failed action again (same key)."""

    def __init__(self, view: ConfirmationView) -> None:
        """Creates the screen.

        Args:
            view: the lines to show.
        """
        super().__init__()
        self.view = view
        self._composed = False

    def compose(self) -> ComposeResult:
        """Builds the confirmation box, its buttons and the status bar."""
        with Middle(), Center(), Vertical(id="confirm-box"):
            yield Static(self.view.title, id="confirm-title", markup=False)
            yield Static(self.view.item, id="confirm-item", markup=False)
            yield Vertical(id="confirm-details")
            yield Static(self.view.status, id="confirm-status", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button("Done", id="done", variant="primary")
                yield Button("Try again", id="retry")
        yield StatusBar("Enter: done · a: try again · Esc: back")

    def on_mount(self) -> None:
        """Fills in the view and focuses "Done"."""
        self._composed = True
        self.show(self.view)
        self.query_one("#done", Button).focus()

    def show(self, view: ConfirmationView) -> None:
        """Shows `view` (the same action, moved on)."""
        self.view = view
        if not self._composed:
            return  # on_mount shows the latest view
        self.query_one("#confirm-title", Static).update(view.title)
        self.query_one("#confirm-item", Static).update(view.item)
        status = self.query_one("#confirm-status", Static)
        status.update(view.status)
        status.set_classes(view.tone)
        details = self.query_one("#confirm-details", Vertical)
        details.remove_children()
        details.mount_all([Static(line, markup=False, classes="line") for line in view.details])
        self.query_one("#retry", Button).display = view.can_retry

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Posts `DoneRequested` or `RetryRequested` up to the app."""
        event.stop()
        if event.button.id == "retry":
            self.action_retry()
        else:
            self.post_message(self.DoneRequested())

    def action_retry(self) -> None:
        """Asks the app to send the action again, when the view offers it."""
        if self.view.can_retry:
            self.post_message(self.RetryRequested())
