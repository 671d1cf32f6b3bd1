"""Provides `FeatureApp`, the camera-feature half of the kiosk app: try-on, snap and text search.

`KioskApp` derives from it, so this file holds the keys that open the feature screens and the
handlers of the messages those screens post up, and `kiosk/app.py` stays about lookups. The
features arrive as `KioskFeatures` (ports; None = off, and the kiosk says so). What a feature
screen asks of the session (open a product card, keep the session alive, end it, reserve) goes
through the hook methods below, which `KioskApp` implements.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Input

from kiosk.hub_client import HubClient
from kiosk.ports import KioskFeatures, TryOnChoice
from kiosk.screens.search import SearchScreen, SnapScreen, TextSearchScreen
from kiosk.screens.tryon import TryOnScreen

TRYON_OFF_TEXT = "Try-on is not available at this kiosk."
PHOTO_OFF_TEXT = "Photo search is not available at this kiosk."
TEXT_OFF_TEXT = "Text search is not available at this kiosk."


class FeatureApp(App[None]):
    """Opens the feature screens and routes their messages to the kiosk session."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the home screen's code box would otherwise swallow these letters
        Binding("t", "try_on", "Try on", priority=True),
        Binding("p", "snap", "Snap a photo", priority=True),
        Binding("slash", "text_search", "Search", priority=True),
    ]

    hub_client: HubClient

    def __init__(self, features: KioskFeatures | None, *, walk_away_s: float) -> None:
        """Creates the app half.

        Args:
            features: the ports of the camera features; None turns them all off.
            walk_away_s: seconds without anybody in the try-on camera before the session ends.
        """
        super().__init__()
        self.camera_features = features if features is not None else KioskFeatures()
        self.walk_away_s = walk_away_s

    # Hooks: what the feature screens need from the kiosk session (KioskApp implements them).

    def current_product(self) -> str | None:
        """The GTIN of the product card on screen, if any."""
        return None

    def keep_session_alive(self) -> None:
        """Counts as shopper activity (someone stands in front of the try-on camera)."""

    def end_shopper_session(self) -> None:
        """Ends the shopper's session now (they walked away)."""

    def reserve_for_pickup(self, choice: TryOnChoice, label: str) -> None:
        """Starts reserving the garment a shopper tried on; without a reserve flow, says so.

        Args:
            choice: product, colour and size.
            label: how the try-on named it.
        """
        self.notify(
            f"Ask a member of staff to put {label} aside for you: "
            "reserving from the try-on is not available at this kiosk yet.",
            title="Reserve for pickup",
        )

    def open_product(self, gtin: str) -> None:
        """Shows the card of a product the shopper chose from search results."""

    # Keys and messages.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Leaves letter keys to a text box being typed in (app-wide keys would steal them)."""
        if isinstance(self.focused, Input) and isinstance(self.screen, TextSearchScreen):
            letters = {
                binding.action
                for key, bindings in self._bindings.key_to_bindings.items()
                for binding in bindings
                if len(key) == 1 or key == "slash"
            }
            if action in letters:
                return False
        return super().check_action(action, parameters)

    def action_try_on(self) -> None:
        """Opens the try-on, wearing the product on screen when it can be tried on."""
        tryon = self.camera_features.tryon
        if tryon is None:
            self.notify(TRYON_OFF_TEXT, severity="warning")
            return
        product = self.current_product()
        offered = {p for g in tryon.garments() for p in (g.product_id, *dict(g.sizes).values())}
        if product not in offered:
            product = None
        screen = TryOnScreen(
            tryon, walk_away_s=self.walk_away_s, product_id=product, hub_client=self.hub_client
        )
        self.push_screen(screen)

    def on_try_on_screen_shopper_present(self, _message: TryOnScreen.ShopperPresent) -> None:
        """Keeps the session alive while someone is in view."""
        self.keep_session_alive()

    def on_try_on_screen_shopper_left(self, _message: TryOnScreen.ShopperLeft) -> None:
        """Ends the session: the try-on screen goes and its frames and stills with it."""
        self.end_shopper_session()

    def on_try_on_screen_reserve_requested(self, message: TryOnScreen.ReserveRequested) -> None:
        """Hands the garment to the reserve flow."""
        self.reserve_for_pickup(message.choice, message.label)

    def action_snap(self) -> None:
        """Opens the snap screen, which searches the camera's next frame."""
        search = self.camera_features.photo_search
        if search is None:
            self.notify(PHOTO_OFF_TEXT, severity="warning")
            return
        self.push_screen(SnapScreen(search, self.hub_client))

    def action_text_search(self) -> None:
        """Opens the text search."""
        search = self.camera_features.text_search
        if search is None:
            self.notify(TEXT_OFF_TEXT, severity="warning")
            return
        self.push_screen(TextSearchScreen(search, self.hub_client))

    def on_search_screen_product_chosen(self, message: SearchScreen.ProductChosen) -> None:
        """Opens the chosen product's card."""
        self.open_product(message.gtin)
