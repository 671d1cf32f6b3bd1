"""Tests of the kiosk view-model: lookups, stale results, the session, typed codes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta

import pytest

from contracts.cards import ProductCard, UnknownCode
from contracts.payloads import ScanPayload
from kiosk.errors import InvalidCode
from kiosk.state import MAX_HISTORY, KioskState, code_from_scan, parse_typed_code

T0 = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
UNKNOWN = UnknownCode(code="00000000000017", message="Not sold here.", demand_recorded=True)


def test_lookup_then_card(make_card: Callable[..., ProductCard]) -> None:
    state = KioskState().start_lookup("04006381333931", "scanner", T0)
    assert (state.view, state.lookup_seq, state.code) == ("loading", 1, "04006381333931")
    assert state.session_started_at == T0
    shown = state.with_result(1, make_card())
    assert shown.view == "card"
    assert shown.card is not None and shown.card.name == "Oat milk 1 l"
    assert [(r.outcome, r.name) for r in shown.history] == [("card", "Oat milk 1 l")]


def test_unknown_and_error_results() -> None:
    state = KioskState().start_lookup("00000000000017", "manual", T0)
    unknown = state.with_result(1, UNKNOWN)
    assert (unknown.view, unknown.unknown) == ("unknown", UNKNOWN)
    failed = state.with_error(1, "The store hub cannot be reached.")
    assert (failed.view, failed.error) == ("error", "The store hub cannot be reached.")
    assert failed.history[-1].outcome == "error"


def test_a_stale_result_is_dropped(make_card: Callable[..., ProductCard]) -> None:
    first = KioskState().start_lookup("04006381333931", "scanner", T0)
    second = first.start_lookup("00000000000017", "scanner", T0 + timedelta(seconds=1))
    assert second.with_result(1, make_card()) is second
    assert second.with_error(1, "late failure") is second
    assert second.with_result(2, UNKNOWN).view == "unknown"


def test_going_home_drops_the_lookup_in_flight(make_card: Callable[..., ProductCard]) -> None:
    state = KioskState().start_lookup("04006381333931", "scanner", T0).go_home()
    assert state.view == "home"
    assert state.with_result(1, make_card()) is state


def test_a_result_applies_once(make_card: Callable[..., ProductCard]) -> None:
    shown = KioskState().start_lookup("04006381333931", "scanner", T0).with_result(1, make_card())
    assert shown.with_error(1, "again") is shown


def test_session_history_is_bounded_and_ends() -> None:
    state = KioskState()
    for index in range(MAX_HISTORY + 5):
        state = state.start_lookup(f"code{index}", "scanner", T0 + timedelta(seconds=index))
    assert len(state.history) == MAX_HISTORY
    assert state.history[-1].code == f"code{MAX_HISTORY + 4}"
    assert state.session_started_at == T0
    ended = state.end_session()
    assert (ended.history, ended.session_started_at, ended.view) == ((), None, "home")
    assert ended.lookup_seq == state.lookup_seq, "a result still in flight stays stale"


@pytest.mark.parametrize("code", ["", "x" * 257])
def test_start_lookup_refuses_bad_codes(code: str) -> None:
    with pytest.raises(ValueError, match="code must be"):
        KioskState().start_lookup(code, "manual", T0)


def test_code_from_scan_prefers_the_gtin(make_scan: Callable[..., ScanPayload]) -> None:
    assert code_from_scan(make_scan()) == "04006381333931"
    qr = make_scan(text="https://example.com/x", symbology="qr", gtin=None)
    assert code_from_scan(qr) == "https://example.com/x"


@pytest.mark.parametrize(
    ("typed", "expected", "raises"),
    [
        ("4006381333931", "4006381333931", nullcontext()),
        (" 400 638-133393 1 ", "4006381333931", nullcontext()),
        ("036000291452", "036000291452", nullcontext()),
        ("96385074", "96385074", nullcontext()),
        ("00554337", "00554337", nullcontext()),  # UPC-E, not a valid EAN-8
        ("04006381333931", "04006381333931", nullcontext()),
        ("12345", None, pytest.raises(InvalidCode, match="8, 12, 13 or 14 digits")),
        ("", None, pytest.raises(InvalidCode, match="8, 12, 13 or 14 digits")),
        ("40063813339x1", None, pytest.raises(InvalidCode, match="8, 12, 13 or 14 digits")),
        ("4006381333932", None, pytest.raises(InvalidCode, match="last digit does not match")),
    ],
)
def test_parse_typed_code(
    typed: str, expected: str | None, raises: AbstractContextManager[object]
) -> None:
    with raises:
        assert parse_typed_code(typed) == expected
