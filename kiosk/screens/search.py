"""Provides the search screens: snap a photo of an item, or type what you are looking for.

Both run the search port in a worker thread (it runs models), then ask the hub for each hit's
card in an exclusive async worker (price, stock here and online), and show the best match, or
"not sure" with the candidates when the search abstained, and the similar items in stock here.
Choosing a line posts `ProductChosen` up; the app opens that product's card.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Final, Protocol

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from contracts.cards import ProductCard, UnknownCode
from kiosk.errors import KioskError
from kiosk.ports import FeatureUnavailable, PhotoSearch, SearchOutcome, TextQuery, TextSearch
from kiosk.search_state import CardAnswer, ResultLine, SearchState, build_search_view
from kiosk.text_query import InvalidQuery, parse_query
from kiosk.widgets.status_bar import StatusBar

logger = logging.getLogger(__name__)

FRAME_TIMEOUT_S: Final = 3.0
SEARCH_FAILED_TEXT: Final = "The search stopped working. Please ask a member of staff."
TEXT_PLACEHOLDER: Final = "e.g. kids car seat for a 6 year old under 200"


class CardSource(Protocol):
    """Where the screens get product cards (the kiosk's `HubClient`)."""

    async def get_card(self, code: str) -> ProductCard | UnknownCode:
        """The hub's card for `code`; raises a `KioskError` when the hub cannot answer."""
        ...


def describe_filters(query: TextQuery) -> str:
    """The filters a request was parsed into, e.g. "Up to 200.00 · for age 6 · matching: seat"."""
    parts = []
    if query.min_price_cents is not None:
        parts.append(f"From {query.min_price_cents / 100:.2f}")
    if query.max_price_cents is not None:
        parts.append(f"Up to {query.max_price_cents / 100:.2f}")
    if query.age_months is not None:
        months = query.age_months
        parts.append(f"for age {months // 12}" if months >= 24 else f"for {months} months")
    parts.append(f"matching: {query.text}" if query.text else "any product")
    return " · ".join(parts)


class SearchScreen(Screen[None]):
    """What both search screens share: the search worker, the cards, the result lists."""

    DEFAULT_CSS = """
    #search { padding: 0 1; }
    .search-title { text-style: bold; color: $accent; }
    .search-help, #search-filters, #search-status { color: $text-muted; }
    #search-headline { text-style: bold; margin-top: 1; }
    #search-results { height: auto; max-height: 16; }
    #search-similar-box { height: auto; margin-top: 1; }
    #search-similar { height: auto; max-height: 10; }
    """

    @dataclass
    class ProductChosen(Message):
        """The shopper chose a product from the results (posted up).

        Attributes:
            gtin: the product.
        """

        gtin: str

    @dataclass
    class Searched(Message):
        """The search port answered search `seq` (internal)."""

        seq: int
        outcome: SearchOutcome

    @dataclass
    class Failed(Message):
        """Search `seq` failed; `text` is for the shopper (internal)."""

        seq: int
        text: str

    def __init__(self, cards: CardSource) -> None:
        """Creates the screen.

        Args:
            cards: asks the hub for the hits' cards.
        """
        super().__init__()
        self.cards = cards
        self.search_state = SearchState()

    def compose_results(self) -> ComposeResult:
        """The headline, the results, the similar items in stock, the status line."""
        yield Static("", id="search-headline", markup=False)
        yield OptionList(id="search-results")
        with Vertical(id="search-similar-box"):
            yield Static("Similar items in stock here", classes="section-title")
            yield OptionList(id="search-similar")
        yield Static("", id="search-status", markup=False)

    def begin(self, search: Callable[[], SearchOutcome], query: TextQuery | None = None) -> None:
        """Starts a search; one still running becomes stale."""
        self.search_state = self.search_state.start(query)
        self._render_state()
        self._run(self.search_state.seq, search)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _run(self, seq: int, search: Callable[[], SearchOutcome]) -> None:
        try:
            outcome = search()
        except FeatureUnavailable as exc:
            self.post_message(self.Failed(seq, str(exc)))
            return
        except Exception:  # top of the worker thread: the shopper sees a message, never a trace
            logger.exception("kiosk: search failed")
            self.post_message(self.Failed(seq, SEARCH_FAILED_TEXT))
            return
        self.post_message(self.Searched(seq, outcome))

    def on_search_screen_searched(self, message: Searched) -> None:
        """Shows the hits and asks the hub for their cards."""
        message.stop()
        state = self.search_state.with_outcome(message.seq, message.outcome)
        if state is self.search_state:
            return  # a newer search is running
        self.search_state = state
        self._render_state()
        self._fetch_cards(message.seq, tuple(hit.gtin for hit in message.outcome.hits))

    def on_search_screen_failed(self, message: Failed) -> None:
        """Shows why the search failed."""
        message.stop()
        self.search_state = self.search_state.with_error(message.seq, message.text)
        self._render_state()

    @work(exclusive=True, group="cards", exit_on_error=False)
    async def _fetch_cards(self, seq: int, gtins: tuple[str, ...]) -> None:
        answers = await asyncio.gather(*(self._card(gtin) for gtin in gtins))
        state = self.search_state.with_cards(seq, tuple(zip(gtins, answers, strict=True)))
        if state is not self.search_state:
            self.search_state = state
            self._render_state()

    async def _card(self, gtin: str) -> CardAnswer:
        try:
            return await self.cards.get_card(gtin)
        except KioskError as exc:
            logger.warning("kiosk: card of search hit %s unavailable: %s", gtin, exc)
            return None

    def _render_state(self) -> None:
        state = self.search_state
        view = build_search_view(state)
        status = {"searching": "Searching…", "error": state.error or ""}.get(state.status, "")
        self.query_one("#search-status", Static).update(status)
        self.query_one("#search-headline", Static).update(view.headline)
        _fill(self.query_one("#search-results", OptionList), view.results)
        _fill(self.query_one("#search-similar", OptionList), view.similar)
        self.query_one("#search-similar-box").display = bool(view.similar)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Posts `ProductChosen` for the chosen line."""
        event.stop()
        if event.option.id is not None:
            self.post_message(self.ProductChosen(event.option.id.split(":", 1)[1]))


def _fill(options: OptionList, lines: tuple[ResultLine, ...]) -> None:
    options.clear_options()
    options.add_options(
        Option(f"{line.title}\n  {line.details}", id=f"{options.id}:{line.gtin}") for line in lines
    )


class SnapScreen(SearchScreen):
    """Snap: searches the camera's next frame for the product held up to it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "snap", "Snap again")]

    def __init__(
        self, search: PhotoSearch, cards: CardSource, *, frame_timeout_s: float = FRAME_TIMEOUT_S
    ) -> None:
        """Creates the screen; it snaps as soon as it is shown.

        Args:
            search: the photo-search port.
            cards: asks the hub for the hits' cards.
            frame_timeout_s: how long to wait for a camera frame.
        """
        super().__init__(cards)
        self.photo_search = search
        self.frame_timeout_s = frame_timeout_s

    def compose(self) -> ComposeResult:
        """Builds the instructions, the results and the footer."""
        with Vertical(id="search"):
            yield Static("Snap a photo", classes="search-title")
            yield Static("Hold the item up to the camera.", classes="search-help")
            yield from self.compose_results()
        yield StatusBar("Space: snap again · ↑↓ Enter: open a product · Esc: back")

    def on_mount(self) -> None:
        """Snaps at once."""
        self.action_snap()

    def action_snap(self) -> None:
        """Searches the next camera frame."""
        timeout_s = self.frame_timeout_s
        self.begin(lambda: self.photo_search.search_frame(timeout_s))


class TextSearchScreen(SearchScreen):
    """Text search: a plain request with price and age constraints."""

    def __init__(self, search: TextSearch, cards: CardSource) -> None:
        """Creates the screen.

        Args:
            search: the text-search port.
            cards: asks the hub for the hits' cards.
        """
        super().__init__(cards)
        self.text_search = search

    def compose(self) -> ComposeResult:
        """Builds the request box, the filters line, the results and the footer."""
        with Vertical(id="search"):
            yield Static("What are you looking for?", classes="search-title")
            yield Input(placeholder=TEXT_PLACEHOLDER, max_length=200, id="search-input")
            yield Static("", id="search-filters", markup=False)
            yield from self.compose_results()
        yield StatusBar("Enter: search · Tab ↑↓ Enter: open a product · Esc: back")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Parses the request and searches."""
        event.stop()
        filters = self.query_one("#search-filters", Static)
        try:
            query = parse_query(event.value)
        except InvalidQuery as exc:
            filters.update(str(exc))
            return
        filters.update(describe_filters(query))
        self.begin(lambda: self.text_search.search(query), query)
