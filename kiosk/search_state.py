"""Provides the search screens' pure view-model: the search in flight, its hits, their cards.

Same rules as `kiosk/state.py`: no Textual import, no clock, no I/O. A photo or text search gets a
number; hits and cards that arrive for an older number are dropped, so a slow answer never
replaces a newer one. `build_search_view` turns a state into the lines the screen shows: the best
match (or "not sure" and candidates when the search abstained), then similar items in stock here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final, Literal

from contracts.cards import ProductCard, UnknownCode
from kiosk.card_view import format_money
from kiosk.ports import SearchHit, SearchOutcome, TextQuery

Status = Literal["idle", "searching", "results", "error"]
CardAnswer = ProductCard | UnknownCode | None
"""A hit's card: None while it is fetched or when the hub could not give it."""

NOT_SURE: Final = "Not sure. Is it one of these?"
NO_MATCH: Final = "Nothing matched. Try again, or ask a member of staff."
BEST_MATCH: Final = "Best match"


@dataclass(frozen=True, slots=True)
class SearchState:
    """One search screen's search.

    Attributes:
        seq: number of the latest search; answers for older ones are stale.
        status: idle before the first search, then searching, results or error.
        query: the parsed text request (text search only).
        outcome: the search's hits.
        cards: (gtin, card) for each hit whose card arrived or failed.
        error: a message for the shopper, in status error.
    """

    seq: int = 0
    status: Status = "idle"
    query: TextQuery | None = None
    outcome: SearchOutcome | None = None
    cards: tuple[tuple[str, CardAnswer], ...] = ()
    error: str | None = None

    def start(self, query: TextQuery | None = None) -> SearchState:
        """Starts a new search; whatever is in flight becomes stale."""
        return SearchState(seq=self.seq + 1, status="searching", query=query)

    def with_outcome(self, seq: int, outcome: SearchOutcome) -> SearchState:
        """Shows the hits of search `seq`; returns `self` unchanged when it is stale."""
        if seq != self.seq or self.status != "searching":
            return self
        return replace(self, status="results", outcome=outcome)

    def with_cards(self, seq: int, cards: tuple[tuple[str, CardAnswer], ...]) -> SearchState:
        """Adds the hits' cards of search `seq`; returns `self` unchanged when it is stale."""
        if seq != self.seq or self.status != "results":
            return self
        return replace(self, cards=cards)

    def with_error(self, seq: int, message: str) -> SearchState:
        """Shows `message` for search `seq`; returns `self` unchanged when it is stale."""
        if seq != self.seq:
            return self
        return replace(self, status="error", error=message)


@dataclass(frozen=True, slots=True)
class ResultLine:
    """One hit as the screen lists it.

    Attributes:
        gtin: the product (selecting the line opens its card).
        title: the product name, or its code until the card arrives.
        details: price and stock here and online, or why they are missing.
        in_stock_here: the card says at least one is on hand in this store.
    """

    gtin: str
    title: str
    details: str
    in_stock_here: bool


@dataclass(frozen=True, slots=True)
class SearchView:
    """What a search screen shows.

    Attributes:
        headline: best match, "not sure" or nothing matched (empty before the first search).
        results: the hits to choose from, best first.
        similar: other hits that are in stock here (after a confident match only).
    """

    headline: str
    results: tuple[ResultLine, ...]
    similar: tuple[ResultLine, ...]


def result_line(hit: SearchHit, card: CardAnswer, *, loaded: bool) -> ResultLine:
    """The line of one hit: name, price, stock here and online when its card is known."""
    if isinstance(card, ProductCard):
        online = sum(stock.quantity for stock in card.online_stock)
        here = f"{card.on_hand} here" if card.on_hand > 0 else "none here"
        online_text = f"{online} online" if card.online_price_cents is not None else "not online"
        price = format_money(card.store_price_cents, card.currency)
        return ResultLine(
            hit.gtin, card.name, f"{price} · {here} · {online_text}", card.on_hand > 0
        )
    if isinstance(card, UnknownCode):
        return ResultLine(hit.gtin, hit.gtin, "not in this store's catalog", False)
    details = "price and stock unavailable" if loaded else "looking up price and stock…"
    return ResultLine(hit.gtin, hit.gtin, details, False)


def _within_price(card: CardAnswer, query: TextQuery | None) -> bool:
    if query is None or not isinstance(card, ProductCard):
        return True
    price = card.store_price_cents
    too_dear = query.max_price_cents is not None and price > query.max_price_cents
    too_cheap = query.min_price_cents is not None and price < query.min_price_cents
    return not (too_dear or too_cheap)


def build_search_view(state: SearchState) -> SearchView:
    """The headline and lines for `state` (hits whose store price breaks the query are dropped)."""
    outcome = state.outcome
    if outcome is None:
        return SearchView("", (), ())
    cards = dict(state.cards)
    loaded = bool(state.cards)
    lines = tuple(
        result_line(hit, cards.get(hit.gtin), loaded=loaded)
        for hit in outcome.hits
        if _within_price(cards.get(hit.gtin), state.query)
    )
    if not lines:
        return SearchView(NO_MATCH, (), ())
    if outcome.abstained:
        return SearchView(NOT_SURE, lines, ())
    similar = tuple(line for line in lines[1:] if line.in_stock_here)
    return SearchView(BEST_MATCH, lines, similar)
