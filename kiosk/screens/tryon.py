"""Provides the try-on screen: the shopper live in the terminal, wearing the garment they chose.

One worker thread owns the `TryOnPreview` port for the screen's whole life: it applies the
garment, colour and size the shopper picked, dresses each new camera frame, shrinks it to the
preview's size and hands it up; it takes a still when asked; and when the screen goes (Esc, idle
reset, the shopper walked away) it stops the session, which drops every frame and still. The
screen posts `ReserveRequested`, `ShopperPresent` and `ShopperLeft` up to the app.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Final

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from contracts.cards import ProductCard
from kiosk.errors import KioskError
from kiosk.hub_client import HubClient
from kiosk.ports import FeatureUnavailable, PreviewFrame, Still, TryOnChoice, TryOnPreview
from kiosk.thumbnail import Thumbnail, fit_thumbnail
from kiosk.tryon_state import TryOnState
from kiosk.widgets.frame_view import FrameView
from kiosk.widgets.kitty_graphics import ImageProtocol, detect_protocol
from kiosk.widgets.status_bar import StatusBar
from kiosk.widgets.terminal_image import TerminalImageView

logger = logging.getLogger(__name__)

FRAME_WAIT_S: Final = 0.2
SHOWN_WAIT_S: Final = 1.0
PRESENCE_PING_S: Final = 1.0
WALK_CHECK_S: Final = 0.25
FOOTER = "g: item · c: colour · +/-: size · Space: keep picture · r: reserve · Esc: back"
DRESSED_HINT = "Move and turn: it follows you"
NOTHING_TO_TRY = "Nothing to try on at this kiosk yet."


def describe_variant(card: ProductCard) -> str:
    """Price and stock of one size, e.g. "EUR 17.59 · 4 in this store"."""
    price = f"{card.currency} {card.store_price_cents / 100:.2f}"
    stock = f"{card.on_hand} in this store" if card.on_hand > 0 else "out of stock here"
    return f"{price} · {stock}"


def describe_choice(state: TryOnState, choice: TryOnChoice) -> str:
    """A short label, e.g. "t-shirt navy, size M"."""
    label = next(
        (g.label for g in state.garments if g.product_id == choice.product_id), choice.product_id
    )
    return f"{label} {choice.colour}, size {choice.size}"


class TryOnScreen(Screen[None]):
    """Live try-on: switch item, colour and size, keep pictures to compare, reserve."""

    DEFAULT_CSS = """
    #tryon-body { height: 1fr; }
    #tryon-preview { width: 2fr; height: 1fr; }
    #tryon-panel { width: 1fr; min-width: 30; padding: 0 1; }
    #tryon-title { text-style: bold; color: $accent; padding-bottom: 1; }
    #tryon-size { padding-bottom: 1; }
    #tryon-hint { color: $warning; height: auto; }
    #tryon-message { color: $error; height: auto; }
    #tryon-compare { height: 10; margin-top: 1; }
    #tryon-compare FrameView { width: 1fr; height: 10; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "garment", "Next item"),
        Binding("c", "colour", "Next colour"),
        Binding("plus", "size(1)", "Size up"),
        Binding("minus", "size(-1)", "Size down"),
        Binding("space", "still", "Keep picture"),
        Binding("r", "reserve", "Reserve"),
    ]

    @dataclass
    class ReserveRequested(Message):
        """The shopper wants the garment they wear on screen reserved for pickup (posted up).

        Attributes:
            choice: product, colour and size.
            label: how the screen named it, e.g. "t-shirt navy, size M".
        """

        choice: TryOnChoice
        label: str

    @dataclass
    class ShopperPresent(Message):
        """Someone is in view: the session is in use even without key presses (posted up)."""

    @dataclass
    class ShopperLeft(Message):
        """Nobody has been in view for the walk-away time: end the session (posted up)."""

    @dataclass
    class FrameReady(Message):
        """The worker dressed a frame and shrank it for the preview (internal)."""

        frame: PreviewFrame
        picture: Thumbnail

    @dataclass
    class StillTaken(Message):
        """The worker kept a still (internal)."""

        still: Still

    @dataclass
    class Refused(Message):
        """The port refused a request; `text` is for the shopper (internal)."""

        text: str

    def __init__(
        self,
        preview: TryOnPreview,
        *,
        walk_away_s: float,
        product_id: str | None = None,
        hub_client: HubClient | None = None,
        image_protocol: ImageProtocol | None = None,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        """Creates the screen; the session starts when it mounts.

        Args:
            preview: the try-on port (owned by this screen's worker while it is shown).
            walk_away_s: seconds without anybody in view after which `ShopperLeft` is posted.
            product_id: the garment (or one of its sizes' GTINs) to start with, else the first.
            hub_client: shows each chosen size's price and stock (None: not shown).
            image_protocol: how pictures are drawn; None: what the terminal supports.
            clock_s: monotonic clock, seconds.
        """
        super().__init__()
        self.preview = preview
        self.walk_away_s = walk_away_s
        self.product_id = product_id
        self.hub_client = hub_client
        self.image_protocol = image_protocol or detect_protocol(os.environ)
        self._variant_shown: str | None = None
        self.tryon_state: TryOnState | None = None
        self._clock_s = clock_s
        self._wanted: TryOnChoice | None = None
        self._still_wanted = threading.Event()
        self._shown = threading.Event()
        self._preview_px = (64, 48)
        self._pinged_s = float("-inf")
        self._left = False

    def compose(self) -> ComposeResult:
        """Builds the preview, the side panel with the choices and the stills, and the footer."""
        with Horizontal(id="tryon-body"):
            yield self._view("Starting the camera…", "tryon-preview")
            with Vertical(id="tryon-panel"):
                yield Static("Try it on", id="tryon-title")
                for name in ("garment", "colour", "size", "variant", "hint", "message"):
                    yield Static("", id=f"tryon-{name}", markup=False)
                yield Static("Pictures to compare", classes="section-title")
                with Horizontal(id="tryon-compare"):
                    yield self._view("Space: keep one", "tryon-still-1")
                    yield self._view("", "tryon-still-2")
                yield Static("", id="tryon-still-labels", markup=False)
        yield StatusBar(FOOTER)

    def _view(self, placeholder: str, view_id: str) -> TerminalImageView:
        return TerminalImageView(placeholder, protocol=self.image_protocol, id=view_id)

    def on_mount(self) -> None:
        """Starts the session with the first (or the asked-for) garment and the preview worker."""
        try:
            garments, sizes = self.preview.garments(), self.preview.sizes()
            state = TryOnState.begin(garments, sizes, self._clock_s(), product_id=self.product_id)
        except ValueError as exc:
            logger.warning("kiosk: try-on cannot start: %s", exc)
            self.query_one("#tryon-message", Static).update(NOTHING_TO_TRY)
            return
        self._set_state(state)
        self._preview_px = self.query_one("#tryon-preview", FrameView).target_px
        self._run_preview()
        self.set_interval(WALK_CHECK_S, self._check_walk_away)

    def on_unmount(self) -> None:
        """Asks the worker to stop; it ends the session on its way out."""
        self.workers.cancel_node(self)

    def _set_state(self, state: TryOnState) -> None:
        self.tryon_state = state
        self._wanted = state.choice
        garment = state.garment
        products = state.products
        item = f"Item {products.index(state.product_id) + 1} of {len(products)}"
        colours = state.colours
        colour = f"{colours.index(state.colour) + 1} of {len(colours)}"
        self.query_one("#tryon-garment", Static).update(f"{item}: {garment.label}")
        self.query_one("#tryon-colour", Static).update(f"Colour: {state.colour} ({colour})")
        self.query_one("#tryon-size", Static).update(f"Size: {state.size}")
        hint = DRESSED_HINT if state.frames_seen and state.hint is None else state.hint or ""
        self.query_one("#tryon-hint", Static).update(hint)
        self.query_one("#tryon-message", Static).update(state.message or "")
        if state.size_gtin != self._variant_shown:
            self._variant_shown = state.size_gtin
            self.query_one("#tryon-variant", Static).update("")
            if state.size_gtin is not None and self.hub_client is not None:
                self._show_variant(state.size_gtin)

    @work(exclusive=True, group="tryon-variant", exit_on_error=False)
    async def _show_variant(self, gtin: str) -> None:
        """Fetches the chosen size's card (price, stock) and shows it unless the size changed."""
        assert self.hub_client is not None  # only started with a client
        try:
            card = await self.hub_client.get_card(gtin)
        except KioskError as exc:
            logger.warning("kiosk: try-on size %s card not fetched: %s", gtin, exc)
            return
        if gtin != self._variant_shown or not isinstance(card, ProductCard):
            return
        try:
            self.query_one("#tryon-variant", Static).update(describe_variant(card))
        except NoMatches:  # the screen went meanwhile
            return

    @work(thread=True, exclusive=True, group="tryon-preview", exit_on_error=False)
    def _run_preview(self) -> None:
        worker = get_current_worker()
        applied: TryOnChoice | None = None
        try:
            while not worker.is_cancelled:
                applied = self._apply_choice(applied)
                frame = self.preview.next_frame(FRAME_WAIT_S)
                if frame is not None and not worker.is_cancelled:
                    self._deliver(frame)
                if self._still_wanted.is_set():
                    self._still_wanted.clear()
                    self._take_still()
        except Exception:  # top of the worker thread: the shopper sees a notice, never a trace
            logger.exception("kiosk: try-on preview failed")
            self.post_message(self.Refused("Try-on stopped working. Please ask a member of staff."))
        finally:
            self.preview.stop()

    def _apply_choice(self, applied: TryOnChoice | None) -> TryOnChoice | None:
        wanted = self._wanted
        if wanted is None or wanted == applied:
            return applied
        try:
            self.preview.start(wanted)
        except FeatureUnavailable as exc:
            self.post_message(self.Refused(str(exc)))
        return wanted

    def _deliver(self, frame: PreviewFrame) -> None:
        width_px, height_px = self._preview_px
        picture = fit_thumbnail(frame.pixels_rgb, width_px=width_px, height_px=height_px)
        self._shown.clear()
        if self.post_message(self.FrameReady(frame, picture)):
            self._shown.wait(SHOWN_WAIT_S)  # one frame in flight: the UI never falls behind

    def _take_still(self) -> None:
        try:
            still = self.preview.take_still()
        except FeatureUnavailable as exc:
            self.post_message(self.Refused(str(exc)))
            return
        self.post_message(self.StillTaken(still))

    def on_try_on_screen_frame_ready(self, message: FrameReady) -> None:
        """Shows a live frame and notes whether the shopper is in view."""
        message.stop()
        view = self.query_one("#tryon-preview", FrameView)
        view.show(message.picture)
        self._preview_px = view.target_px
        self._shown.set()
        if self.tryon_state is None:
            return
        now_s = self._clock_s()
        self._set_state(self.tryon_state.with_frame(message.frame, now_s))
        if message.frame.person_in_view and now_s - self._pinged_s >= PRESENCE_PING_S:
            self._pinged_s = now_s
            self.post_message(self.ShopperPresent())

    def on_try_on_screen_still_taken(self, message: StillTaken) -> None:
        """Adds a still and shows the last two side by side."""
        message.stop()
        if self.tryon_state is None:
            return
        state = self.tryon_state.with_still(message.still)
        self._set_state(state)
        labels = []
        for number, still in enumerate(state.compare, start=1):
            view = self.query_one(f"#tryon-still-{number}", FrameView)
            width_px, height_px = view.target_px
            view.show(fit_thumbnail(still.pixels_rgb, width_px=width_px, height_px=height_px))
            labels.append(f"{number}: {describe_choice(state, still.choice)}")
        self.query_one("#tryon-still-labels", Static).update("   ".join(labels))

    def on_try_on_screen_refused(self, message: Refused) -> None:
        """Shows what the try-on could not do."""
        message.stop()
        if self.tryon_state is not None:
            self._set_state(self.tryon_state.with_message(message.text))
        else:
            self.query_one("#tryon-message", Static).update(message.text)

    def _check_walk_away(self) -> None:
        state = self.tryon_state
        if state is None or self._left:
            return
        if state.walked_away(self._clock_s(), self.walk_away_s):
            self._left = True
            self.post_message(self.ShopperLeft())

    def _change(self, change: Callable[[TryOnState], TryOnState]) -> None:
        if self.tryon_state is not None:
            self._set_state(change(self.tryon_state))

    def action_garment(self) -> None:
        """Wears the next item."""
        self._change(lambda state: state.next_garment())

    def action_colour(self) -> None:
        """Wears the same item in its next colour."""
        self._change(lambda state: state.next_colour())

    def action_size(self, step: int) -> None:
        """Chooses the next size up (`step` 1) or down (-1)."""
        self._change(lambda state: state.next_size(step))

    def action_still(self) -> None:
        """Keeps the next composite as a still."""
        self._still_wanted.set()

    def action_reserve(self) -> None:
        """Posts `ReserveRequested` for what the shopper wears on screen."""
        if self.tryon_state is not None:
            choice = self.tryon_state.reserve_choice
            self.post_message(
                self.ReserveRequested(choice, describe_choice(self.tryon_state, choice))
            )
