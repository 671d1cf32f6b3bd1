"""Provides the screen that shows a product card, built once and updated for every scan.

The app keeps one `CardScreen` installed for the whole run: a new scan calls `show`, which puts
the next product's lines into the same widgets (no compose, no mount), so a card appears after
one layout pass. `shown_gtin` says which product the screen shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from kiosk.action_view import CardActions
from kiosk.card_view import CardView
from kiosk.thumbnail import Thumbnail
from kiosk.widgets.product_card import ProductCardWidget
from kiosk.widgets.status_bar import StatusBar

CARD_HINT = "r: reserve · o: order · Scan another item any time · Esc: back"


class ActionLabel(Static):
    """A clickable action line of the card (greyed out with class `off` when not offered)."""

    @dataclass
    class Clicked(Message):
        """The shopper clicked (tapped) the line."""

        action: str

    def __init__(self, text: str, action: str) -> None:
        """Creates the line, not offered until `offer` says so.

        Args:
            text: what it says.
            action: `reserve` or `order`; also the widget id.
        """
        super().__init__(text, id=action, markup=False, classes="off")
        self.action = action
        self.enabled = False

    def offer(self, enabled: bool) -> None:
        """Offers the action (class `action`) or greys it out (class `off`)."""
        if enabled != self.enabled:
            self.enabled = enabled
            self.set_classes("action" if enabled else "off")

    def on_click(self) -> None:
        """Posts `Clicked` when the action is offered."""
        if self.enabled:
            self.post_message(self.Clicked(self.action))


class CardScreen(Screen[None]):
    """The product card of the latest scan; a new scan replaces it, Esc goes home.

    The card offers "Reserve for pickup" (r) and "Order for delivery" (o) when it can.
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

    def __init__(self) -> None:
        """Creates the (empty) screen; `show` fills it, mounted or not."""
        super().__init__()
        self.actions: CardActions | None = None
        self.shown_gtin: str | None = None
        self.card = ProductCardWidget(id="product-card")
        self.reserve = ActionLabel("[r] Reserve for pickup", "reserve")
        self.order = ActionLabel("[o] Order for delivery", "order")
        self.notes = Static("", id="action-notes", markup=False)
        self.scroll = VerticalScroll(id="card-scroll")

    def compose(self) -> ComposeResult:
        """Builds the scrollable card, the action line and the status bar."""
        with self.scroll:
            yield self.card
            # Plain clickable lines, not Buttons: a focusable widget restyles the whole screen
            # when it takes focus, which costs more than the rest of the card.
            with Horizontal(id="card-actions"):
                yield self.reserve
                yield self.order
                yield self.notes
        yield StatusBar(CARD_HINT)

    def show(
        self,
        view: CardView,
        actions: CardActions,
        image: tuple[Thumbnail, Text] | None = None,
    ) -> None:
        """Shows another product (the widgets exist from `__init__`, so mounted or not).

        Args:
            view: the card's lines.
            actions: what the card offers.
            image: the product picture and its `half_block_text`, when the app has it cached.
        """
        self.actions = actions
        self.shown_gtin = actions.gtin
        self.card.show(view, image)
        self.reserve.offer(actions.can_reserve)
        self.order.offer(actions.can_order)
        hints = (actions.reserve_hint, actions.order_hint)
        self.notes.update(" · ".join(hint for hint in hints if hint))
        if self.scroll.scroll_y:
            self.scroll.scroll_home(animate=False)

    def show_image(self, gtin: str, thumbnail: Thumbnail, rendered: Text) -> None:
        """Shows the product image when the screen still shows `gtin`.

        Args:
            gtin: the product the image belongs to.
            thumbnail: the picture.
            rendered: its `half_block_text`.
        """
        if gtin == self.shown_gtin:
            self.card.picture.show(thumbnail, rendered)

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
