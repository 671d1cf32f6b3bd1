"""Tests the try-on screen's pure view-model: choices, stills, presence and walking away."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pytest

from kiosk.ports import GarmentOption, PreviewFrame, Still, TryOnChoice
from kiosk.tryon_state import TryOnState

GARMENTS = (
    GarmentOption("cap", "blue", "hat", "hat"),
    GarmentOption("cap", "red", "hat", "hat"),
    GarmentOption("tshirt", "navy", "top", "t-shirt"),
)
SIZES = ("XS", "S", "M", "L", "XL")
PIXELS = np.zeros((4, 6, 3), np.uint8)


def frame(*, person: bool, wearing: TryOnChoice, hint: str | None = None) -> PreviewFrame:
    """A tiny preview frame."""
    return PreviewFrame(PIXELS, hint, person_in_view=person, seq=1, wearing=wearing)


@pytest.mark.parametrize(
    ("garments", "sizes", "product", "expected", "raises"),
    [
        (GARMENTS, SIZES, None, ("cap", "blue", "M"), nullcontext()),
        (GARMENTS, SIZES, "tshirt", ("tshirt", "navy", "M"), nullcontext()),
        (GARMENTS, ("S", "L", "XL"), None, ("cap", "blue", "L"), nullcontext()),
        (GARMENTS, SIZES, "socks", None, pytest.raises(ValueError, match="socks")),
        ((), SIZES, None, None, pytest.raises(ValueError, match="garments")),
        (GARMENTS, (), None, None, pytest.raises(ValueError, match="sizes")),
    ],
)
def test_a_session_begins_with_the_asked_garment_in_a_middle_size(
    garments: tuple[GarmentOption, ...],
    sizes: tuple[str, ...],
    product: str | None,
    expected: tuple[str, str, str] | None,
    raises: AbstractContextManager[object],
) -> None:
    with raises:
        state = TryOnState.begin(garments, sizes, 10.0, product_id=product)
        assert (state.product_id, state.colour, state.size) == expected
        assert state.last_seen_s == 10.0


def test_garment_colour_and_size_switch_in_order() -> None:
    state = TryOnState.begin(GARMENTS, SIZES, 0.0)
    assert state.products == ("cap", "tshirt") and state.colours == ("blue", "red")
    state = state.next_colour()
    assert state.choice == TryOnChoice("cap", "red", "M")
    state = state.next_garment()
    assert state.choice == TryOnChoice("tshirt", "navy", "M") and state.colours == ("navy",)
    assert state.next_garment().choice == TryOnChoice("cap", "blue", "M")  # wraps around
    assert state.next_garment(-1).product_id == "cap"
    assert state.next_colour().colour == "navy"  # a single colour stays
    sizes = [state.next_size(step).size for step in (1, 2, 5, -1, -2, -5)]
    assert sizes == ["L", "XL", "XL", "S", "XS", "XS"]
    assert state.garment.label == "t-shirt"


def test_frames_track_presence_and_what_was_drawn() -> None:
    state = TryOnState.begin(GARMENTS, SIZES, 0.0)
    cap = TryOnChoice("cap", "blue", "M")
    state = state.with_frame(frame(person=True, wearing=cap), 2.0)
    assert (state.frames_seen, state.last_seen_s, state.drawn, state.hint) == (1, 2.0, cap, None)
    state = state.with_frame(frame(person=False, wearing=cap, hint="Step in"), 5.0)
    assert (state.frames_seen, state.last_seen_s, state.hint) == (2, 2.0, "Step in")
    assert not state.walked_away(5.9, 4.0)
    assert state.walked_away(6.0, 4.0)


def test_stills_keep_coming_and_the_last_two_are_compared() -> None:
    state = TryOnState.begin(GARMENTS, SIZES, 0.0).with_message("no")
    stills = [Still(PIXELS, TryOnChoice("cap", "blue", size)) for size in ("S", "M", "L")]
    for still in stills:
        state = state.with_still(still)
    assert state.stills == tuple(stills)
    assert state.compare == (stills[1], stills[2])
    assert state.message is None


JEANS = GarmentOption(
    "00000000000017",
    "blue",
    "bottom",
    "jeans",
    sizes=(("30", "00000000000017"), ("32", "00000000000024"), ("34", "00000000000031")),
)


def test_each_size_of_a_garment_is_its_own_product_and_what_reserve_reserves() -> None:
    state = TryOnState.begin((*GARMENTS, JEANS), SIZES, 0.0, product_id="00000000000024")
    assert (state.product_id, state.size, state.size_options) == (
        "00000000000017",
        "32",
        ("30", "32", "34"),
    )
    assert state.size_gtin == "00000000000024"
    bigger = state.next_size(1)
    assert bigger.reserve_choice == TryOnChoice("00000000000031", "blue", "34")
    assert bigger.choice == TryOnChoice("00000000000017", "blue", "34")  # the asset drawn
    assert bigger.next_size(1).size == "34"  # stops at the largest


def test_switching_to_a_garment_without_the_size_takes_its_default() -> None:
    state = TryOnState.begin((*GARMENTS, JEANS), SIZES, 0.0, product_id="tshirt").next_size(1)
    assert state.size == "L"
    jeans = state.next_garment(1)
    assert (jeans.product_id, jeans.size, jeans.size_gtin) == (
        "00000000000017",
        "32",
        "00000000000024",
    )
    back = jeans.next_garment(1)
    assert (back.product_id, back.size, back.size_gtin) == ("cap", "M", None)
    assert back.reserve_choice == TryOnChoice("cap", "blue", "M")
