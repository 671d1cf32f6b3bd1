"""Provides `KioskApp`, the Textual app a shopper uses: scan or type a code, read its card.

The app receives its collaborators (the hub client, the scan feed, the settings, an optional
source switcher) and owns the `KioskState`. Screens post messages up; the app changes the state
and shows the screen for it. Hub lookups run in an exclusive worker and stale results are dropped.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Final

from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from contracts.cards import ProductCard
from contracts.gtin import is_valid_gtin
from contracts.payloads import ScanPayload
from kiosk.action_view import card_actions
from kiosk.actions import ShopperActions
from kiosk.card_view import build_card_view, build_unknown_view
from kiosk.config import KioskSettings
from kiosk.errors import ImageUnavailable, KioskError
from kiosk.feature_app import FeatureApp
from kiosk.hub_client import HubClient
from kiosk.ports import KioskFeatures, TryOnChoice
from kiosk.scan_feed import ScanFeed
from kiosk.screens.card import CardScreen
from kiosk.screens.error import ErrorScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.unknown import UnknownScreen
from kiosk.state import KioskState, LookupResult, ScanSource, code_from_scan
from kiosk.thumbnail import Thumbnail, decode_thumbnail
from kiosk.widgets.product_card import half_block_text

logger = logging.getLogger(__name__)

SourceSwitcher = Callable[[], str]
"""Switches the kiosk's edge agent between replay fixture and camera; returns the new source."""

IMAGE_CACHE_SIZE: Final = 128
LOOKUP_NOTICE_S: Final = 0.15
"""A lookup says "Looking up" only once it takes this long (an extra frame would delay the card)."""
UNEXPECTED_ERROR_TEXT = (
    "Something went wrong on our side. Please try again or ask a member of staff."
)


def local_now() -> datetime:
    """The current time in the machine's timezone (the kiosk's default clock)."""
    return datetime.now().astimezone()


class KioskApp(ShopperActions, FeatureApp):
    """The kiosk terminal UI."""

    # Absolute, so subclasses defined in other folders find the stylesheet too.
    CSS_PATH = Path(__file__).with_name("kiosk.tcss")
    TITLE = "aisle kiosk"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", priority=True),
        Binding("f", "switch_source", "Camera / replay", priority=True),
        Binding("escape", "home", "Back", priority=True),
    ]

    scanner_status: reactive[str] = reactive("")
    lookup_status: reactive[str] = reactive("")

    @dataclass
    class ScanArrived(Message):
        """The scan feed delivered a scan (posted from the feed's thread)."""

        scan: ScanPayload

    @dataclass
    class FeedStatusChanged(Message):
        """The scan feed connected or lost the broker (posted from the feed's thread)."""

        connected: bool
        reason: str

    @dataclass
    class SourceSwitched(Message):
        """The runner switched the edge agent's frame source (posted from a worker thread)."""

        label: str

    def __init__(
        self,
        hub_client: HubClient,
        scan_feed: ScanFeed | None,
        settings: KioskSettings,
        *,
        on_switch_source: SourceSwitcher | None = None,
        clock: Callable[[], datetime] = local_now,
        features: KioskFeatures | None = None,
    ) -> None:
        """Creates the app; the app closes `hub_client` and stops `scan_feed` when it exits.

        Args:
            hub_client: asks the hub for cards.
            scan_feed: delivers the kiosk's scans over MQTT; None to rely on typed codes.
            settings: the kiosk settings.
            on_switch_source: called (in a worker thread) when the shopper presses `f`.
            clock: returns the current time with a timezone.
            features: try-on and search ports (`kiosk.feature_app`); None = all off.
        """
        super().__init__(features, walk_away_s=settings.walk_away_s)
        self.hub_client = hub_client
        self.scan_feed = scan_feed
        self.settings = settings
        self.device_key_prefix = settings.device_id
        self.kiosk_state = KioskState()
        self._on_switch_source = on_switch_source
        self._clock = clock
        self._idle_timer: Timer | None = None
        self._notice_timer: Timer | None = None
        self.card_screen = CardScreen()
        self.unknown_screen = UnknownScreen()
        self._images: OrderedDict[str, tuple[Thumbnail, Text]] = OrderedDict()

    def get_default_screen(self) -> Screen[None]:
        """The home screen sits at the bottom of the stack for the whole run."""
        return HomeScreen()

    def on_mount(self) -> None:
        """Installs the card screen (reused for every card), starts the feed and idle timer."""
        self.install_screen(self.card_screen, name="card")
        self.install_screen(self.unknown_screen, name="unknown")
        if self.scan_feed is None:
            self.scanner_status = "Scanner: off · type the code"
        else:
            self.scanner_status = "Scanner: connecting…"
            try:
                self.scan_feed.start(self._feed_scan, self._feed_status)
            except (OSError, ValueError) as exc:  # e.g. TLS set-up without CA certificates
                logger.warning("kiosk: scan feed did not start: %s", exc)
                self.scanner_status = "Scanner: off (cannot start) · type the code"
        self._restart_idle_timer()

    async def on_unmount(self) -> None:
        """Stops the feed and closes the hub client."""
        if self.scan_feed is not None:
            self.scan_feed.stop()
        await self.hub_client.aclose()

    async def on_event(self, event: events.Event) -> None:
        """Counts key presses and clicks as activity (they keep the session alive)."""
        if isinstance(event, events.Key | events.MouseDown):
            self._restart_idle_timer()
        await super().on_event(event)

    def _feed_scan(self, scan: ScanPayload) -> None:
        self.post_message(self.ScanArrived(scan))

    def _feed_status(self, connected: bool, reason: str) -> None:
        self.post_message(self.FeedStatusChanged(connected, reason))

    def on_kiosk_app_scan_arrived(self, message: ScanArrived) -> None:
        """Looks up a scan from the feed."""
        self.deliver_scan(message.scan)

    def on_kiosk_app_feed_status_changed(self, message: FeedStatusChanged) -> None:
        """Shows the scanner's link in the status bar."""
        if message.connected:
            self.scanner_status = "Scanner: ready"
        else:
            self.scanner_status = f"Scanner: offline ({message.reason}) · type the code"

    def on_kiosk_app_source_switched(self, message: SourceSwitched) -> None:
        """Tells the shopper which source the camera now reads."""
        self.notify(f"Now reading from {message.label}", title="Camera")

    def on_home_screen_code_entered(self, message: HomeScreen.CodeEntered) -> None:
        """Looks up a typed code."""
        self.lookup(message.code, "manual")

    def on_error_screen_retry_requested(self, message: ErrorScreen.RetryRequested) -> None:
        """Looks the failed code up again."""
        self.lookup(message.code, "retry")

    def on_error_screen_back_requested(self, _message: ErrorScreen.BackRequested) -> None:
        """Goes back home from the error screen."""
        self.action_home()

    def deliver_scan(self, scan: ScanPayload) -> None:
        """Looks up a scan (call it on the app's thread; other threads post `ScanArrived`)."""
        self.lookup(code_from_scan(scan), "scanner")

    def lookup(self, code: str, source: ScanSource) -> None:
        """Starts looking up `code`; a lookup still in flight is cancelled and its result dropped.

        Args:
            code: a GTIN-14 or the raw text of a code.
            source: where the code came from (kept in the session history).
        """
        self.kiosk_state = self.kiosk_state.start_lookup(code, source, self._clock())
        self._set_lookup_notice(f"Looking up {code}…")
        self._restart_idle_timer()
        self._fetch(code, self.kiosk_state.lookup_seq)

    @work(exclusive=True, group="lookup", exit_on_error=False)
    async def _fetch(self, code: str, seq: int) -> None:
        try:
            result: LookupResult = await self.hub_client.get_card(code)
        except KioskError as exc:
            logger.warning("kiosk: lookup of %s failed: %s", code, exc)
            self._apply(self.kiosk_state.with_error(seq, str(exc)))
            return
        except Exception:  # top of the worker task: shoppers never see a traceback
            logger.exception("kiosk: unexpected failure looking up %s", code)
            self._apply(self.kiosk_state.with_error(seq, UNEXPECTED_ERROR_TEXT))
            return
        screen = self._apply(self.kiosk_state.with_result(seq, result))
        if screen is self.card_screen and isinstance(result, ProductCard):
            url = result.image_url
            if url and url not in self._images:
                await self._load_image(result.gtin, url)

    async def _load_image(self, gtin: str, url: str) -> None:
        """Fetches, shrinks and renders the image once; the card shows it if still on `gtin`."""
        try:
            thumbnail = decode_thumbnail(await self.hub_client.get_image(url))
        except ImageUnavailable as exc:  # the card keeps its placeholder
            logger.info("kiosk: no product image: %s", exc)
            return
        rendered = half_block_text(thumbnail)
        self._images[url] = (thumbnail, rendered)
        while len(self._images) > IMAGE_CACHE_SIZE:
            self._images.popitem(last=False)
        self.card_screen.show_image(gtin, thumbnail, rendered)

    def _cached_image(self, url: str | None) -> tuple[Thumbnail, Text] | None:
        if not url or url not in self._images:
            return None
        self._images.move_to_end(url)
        return self._images[url]

    def _apply(self, state: KioskState) -> Screen[None] | None:
        """Makes `state` current and shows its screen; None when it was stale (unchanged)."""
        if state is self.kiosk_state:
            logger.debug("kiosk: dropped a stale lookup result")
            return None
        self.kiosk_state = state
        self._set_lookup_notice("")
        screen = self._screen_for(state)
        if screen is not None:
            self._show(screen)
        return screen

    def _screen_for(self, state: KioskState) -> Screen[None] | None:
        if state.view == "card" and state.card is not None:
            card = state.card
            view = build_card_view(card, self._clock())
            self.card_screen.show(view, card_actions(card), self._cached_image(card.image_url))
            return self.card_screen
        if state.view == "unknown" and state.unknown is not None:
            self.unknown_screen.show(build_unknown_view(state.unknown))
            return self.unknown_screen
        if state.view == "error" and state.error is not None and state.code is not None:
            return ErrorScreen(state.error, state.code)
        return None

    def _show(self, screen: Screen[None]) -> None:
        if screen is self.screen:
            return  # the card or unknown-code screen updated in place
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_home(self) -> None:
        """Goes back to the home screen; a lookup in flight is dropped."""
        self.kiosk_state = self.kiosk_state.go_home()
        self._set_lookup_notice("")
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def _set_lookup_notice(self, text: str) -> None:
        """Clears the lookup line now, or shows `text` there after `LOOKUP_NOTICE_S`."""
        if self._notice_timer is not None:
            self._notice_timer.stop()
            self._notice_timer = None
        if not text:
            self.lookup_status = ""
            return

        def show() -> None:
            self.lookup_status = text

        self._notice_timer = self.set_timer(LOOKUP_NOTICE_S, show)

    def action_switch_source(self) -> None:
        """Asks the runner to switch between replay fixture and camera."""
        if self._on_switch_source is None:
            self.notify("This kiosk has no other camera source.", severity="warning")
            return
        self._switch_source(self._on_switch_source)

    @work(exclusive=True, group="source", thread=True, exit_on_error=False)
    def _switch_source(self, switcher: SourceSwitcher) -> None:
        try:
            label = switcher()
        except Exception:  # top of the worker thread: report, never crash the UI
            logger.exception("kiosk: switching the frame source failed")
            self.post_message(self.SourceSwitched("the same source (switching failed)"))
            return
        self.post_message(self.SourceSwitched(label))

    def _restart_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()
        self._idle_timer = self.set_timer(self.settings.idle_reset_s, self._end_session)

    def _end_session(self) -> None:
        """Forgets the shopper's session after `idle_reset_s` without activity."""
        self.action_home()
        self.kiosk_state = self.kiosk_state.end_session()

    def current_product(self) -> str | None:
        """The GTIN of the card on screen (the try-on starts with it when it can)."""
        return self.kiosk_state.card.gtin if self.kiosk_state.card is not None else None

    def keep_session_alive(self) -> None:
        """A shopper in front of the try-on camera counts as activity."""
        self._restart_idle_timer()

    def end_shopper_session(self) -> None:
        """Ends the session at once (the shopper walked away from the try-on)."""
        self._end_session()

    def open_product(self, gtin: str) -> None:
        """Opens the card of a product chosen from search results."""
        self.lookup(gtin, "manual")

    def reserve_for_pickup(self, choice: TryOnChoice, label: str) -> None:
        """Reserves the tried-on product when it is a catalog GTIN (else says to ask staff)."""
        if len(choice.product_id) == 14 and is_valid_gtin(choice.product_id):
            self.start_action("reservation", choice.product_id, name=label)
        else:
            super().reserve_for_pickup(choice, label)
