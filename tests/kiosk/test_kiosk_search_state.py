"""Tests the search screens' pure view-model: stale answers, card lines, not sure, similar."""

from __future__ import annotations

from kiosk_builders import build_card

from contracts.cards import UnknownCode
from kiosk.ports import SearchHit, SearchOutcome, TextQuery
from kiosk.search_state import (
    BEST_MATCH,
    NO_MATCH,
    NOT_SURE,
    ResultLine,
    SearchState,
    build_search_view,
)

A, B, C = "04000000000013", "04000000000020", "04000000000037"
HITS = (SearchHit(A, 0.9), SearchHit(B, 0.8), SearchHit(C, 0.7))


def answered(outcome: SearchOutcome, query: TextQuery | None = None) -> SearchState:
    """A state whose search `outcome` arrived, cards still on their way."""
    state = SearchState().start(query)
    return state.with_outcome(state.seq, outcome)


def test_answers_for_an_older_search_are_dropped() -> None:
    first = SearchState().start()
    second = first.start()
    outcome = SearchOutcome(HITS, abstained=False)
    assert second.with_outcome(first.seq, outcome) is second
    assert second.with_error(first.seq, "late") is second
    shown = second.with_outcome(second.seq, outcome)
    assert shown.status == "results"
    assert shown.with_cards(first.seq, ((A, None),)) is shown
    assert second.with_cards(second.seq, ((A, None),)) is second  # no hits yet


def test_a_confident_search_shows_the_best_match_and_similar_items_in_stock() -> None:
    state = answered(SearchOutcome(HITS, abstained=False))
    waiting = build_search_view(state)
    assert waiting.headline == BEST_MATCH
    assert waiting.results[0] == ResultLine(A, A, "looking up price and stock…", False)
    cards = (
        (A, build_card(gtin=A, name="Seat", on_hand=3)),
        (B, build_card(gtin=B, name="Booster", on_hand=0, online_price_cents=None)),
        (C, build_card(gtin=C, name="Cushion", on_hand=2)),
    )
    view = build_search_view(state.with_cards(state.seq, cards))
    assert [(line.title, line.details) for line in view.results] == [
        ("Seat", "€2.49 · 3 here · 120 online"),
        ("Booster", "€2.49 · none here · not online"),
        ("Cushion", "€2.49 · 2 here · 120 online"),
    ]
    assert [line.title for line in view.similar] == ["Cushion"]


def test_abstention_shows_candidates_and_no_similar() -> None:
    state = answered(SearchOutcome(HITS, abstained=True))
    view = build_search_view(
        state.with_cards(
            state.seq,
            ((A, None), (B, UnknownCode(code=B, message="Not ours", demand_recorded=True))),
        )
    )
    assert view.headline == NOT_SURE
    assert [line.details for line in view.results] == [
        "price and stock unavailable",
        "not in this store's catalog",
        "price and stock unavailable",
    ]
    assert view.similar == ()


def test_store_prices_outside_the_request_are_dropped() -> None:
    query = TextQuery("seat", max_price_cents=300, min_price_cents=100)
    state = answered(SearchOutcome(HITS, abstained=False), query)
    cards = (
        (A, build_card(gtin=A, store_price_cents=299)),
        (B, build_card(gtin=B, store_price_cents=301)),
        (C, build_card(gtin=C, store_price_cents=99)),
    )
    view = build_search_view(state.with_cards(state.seq, cards))
    assert [line.gtin for line in view.results] == [A]


def test_no_hits_say_nothing_matched() -> None:
    assert build_search_view(answered(SearchOutcome((), abstained=True))).headline == NO_MATCH
    assert build_search_view(SearchState()).headline == ""
