"""Provides the screen that shows one product card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from kiosk.action_view import CardActions
from kiosk.card_view import CardView
from kiosk.thumbnail import Thumbnail
from kiosk.widgets.product_card import ProductCardWidget, ProductImage
from kiosk.widgets.status_bar import StatusBar


class ActionLabel(Static):
    """A clickable action line of the card (greyed out with class `off` when not offered)."""

    @dataclass
    class Clicked(Message):
        """The shopper clicked (tapped) the line."""

        action: str

    def __init__(self, text: str, action: str, *, enabled: bool) -> None:
        """Creates the line.

        Args:
            text: what it says.
            action: `reserve` or `order`; also the widget id.
            enabled: whether the card offers it.
        """
        super().__init__(text, id=action, markup=False, classes="action" if enabled else "off")
        self.action = action
        self.enabled = enabled

    def on_click(self) -> None:
        """Posts `Clicked` when the action is offered."""
        if self.enabled:
            self.post_message(self.Clicked(self.action))


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
        # Plain clickable lines, not Buttons: a focusable widget restyles the whole screen when
        # it takes focus, which costs more than the rest of the card (see `aisle bench card`).
        with Horizontal(id="card-actions"):
            yield ActionLabel("[r] Reserve for pickup", "reserve", enabled=actions.can_reserve)
            yield ActionLabel("[o] Order for delivery", "order", enabled=actions.can_order)
            notes = [note for note in (actions.reserve_hint, actions.order_hint) if note]
            yield Static(" · ".join(notes), id="action-notes", markup=False)

    def on_action_label_clicked(self, message: ActionLabel.Clicked) -> None:
        """Turns a click on an action line into its message."""
        message.stop()
        if message.action == "reserve":
            self.action_reserve()
        else:
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
