"""Provides the screen that shows one product card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.action_view import CardActions
from kiosk.card_view import CardView
from kiosk.thumbnail import Thumbnail
from kiosk.widgets.product_card import ProductCardWidget, ProductImage
from kiosk.widgets.status_bar import StatusBar


class CardScreen(Screen[None]):
    """The product card of the latest scan; a new scan replaces it, Esc goes home.

    With `actions`, the card offers "Reserve for pickup" (r) and "Order for delivery" (o).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reserve", "Reserve for pickup"),
        Binding("o", "order", "Order for delivery"),
    ]

    @dataclass
    class ReserveRequested(Message):
        """The shopper wants to reserve the product for pickup (posted up to the app)."""

        gtin: str

    @dataclass
    class OrderRequested(Message):
        """The shopper wants the product delivered (posted up to the app)."""

        gtin: str

    def __init__(self, view: CardView, actions: CardActions | None = None) -> None:
        """Creates the screen.

        Args:
            view: the card's lines.
            actions: what the card offers; None for no action buttons.
        """
        super().__init__()
        self.view = view
        self.actions = actions
        self._thumbnail: Thumbnail | None = None

    def compose(self) -> ComposeResult:
        """Builds the scrollable card, a hint line and the status bar."""
        with VerticalScroll(id="card-scroll"):
            yield ProductCardWidget(self.view, id="product-card")
            yield from self._action_bar()
        hint = "r: reserve · o: order · " if self.actions is not None else ""
        yield StatusBar(f"{hint}Scan another item any time · Esc: back")

    def _action_bar(self) -> ComposeResult:
        actions = self.actions
        if actions is None:
            return
        with Horizontal(id="card-actions"):
            yield Button("Reserve for pickup", id="reserve", disabled=not actions.can_reserve)
            yield Button("Order for delivery", id="order", disabled=not actions.can_order)
            notes = [note for note in (actions.reserve_hint, actions.order_hint) if note]
            yield Static(" · ".join(notes), id="action-notes", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Turns a press of an action button into its message."""
        event.stop()
        if event.button.id == "reserve":
            self.action_reserve()
        elif event.button.id == "order":
            self.action_order()

    def action_reserve(self) -> None:
        """Posts `ReserveRequested` when the card offers it."""
        if self.actions is not None and self.actions.can_reserve:
            self.post_message(self.ReserveRequested(self.actions.gtin))

    def action_order(self) -> None:
        """Posts `OrderRequested` when the card offers it."""
        if self.actions is not None and self.actions.can_order:
            self.post_message(self.OrderRequested(self.actions.gtin))

    def on_mount(self) -> None:
        """Shows an image that arrived before the screen was mounted."""
        if self._thumbnail is not None:
            self.query_one(ProductImage).show(self._thumbnail)

    def show_image(self, thumbnail: Thumbnail) -> None:
        """Shows the product image (now, or when the screen mounts)."""
        self._thumbnail = thumbnail
        if self.is_mounted:
            self.query_one(ProductImage).show(thumbnail)
