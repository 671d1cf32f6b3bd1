"""Tests the Kitty graphics protocol encoder: chunks, keys, payload round trip, placeholders, and
the protocol guess from the environment."""

from __future__ import annotations

import base64
import re
import zlib
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pytest

from kiosk.widgets.kitty_graphics import (
    APC_END,
    APC_START,
    CHUNK_BYTES,
    DIACRITICS,
    PLACEHOLDER,
    delete,
    detect_protocol,
    id_colour,
    placeholder_row,
    transmit,
)

APC = re.compile(re.escape(APC_START) + r"([^;]*);([^\x1b]*)" + re.escape(APC_END))


def picture(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Noise, so zlib cannot shrink it much and it needs several chunks."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_a_picture_round_trips_through_its_chunks() -> None:
    pixels = picture(96, 64)
    sent = transmit(0x4A1501, pixels, cols=24, rows=8)
    chunks = APC.findall(sent)
    assert "".join(f"{APC_START}{k};{d}{APC_END}" for k, d in chunks) == sent
    assert len(chunks) > 1 and all(len(data) <= CHUNK_BYTES for _, data in chunks)
    first = dict(item.split("=") for item in chunks[0][0].split(","))
    assert first == {
        "a": "T", "U": "1", "i": str(0x4A1501), "f": "24", "o": "z",
        "s": "96", "v": "64", "c": "24", "r": "8", "q": "2", "m": "1",
    }  # fmt: skip
    assert [keys for keys, _ in chunks[1:-1]] == ["m=1"] * (len(chunks) - 2)
    assert chunks[-1][0] == "m=0"
    payload = zlib.decompress(base64.standard_b64decode("".join(d for _, d in chunks)))
    assert np.array_equal(np.frombuffer(payload, np.uint8).reshape(64, 96, 3), pixels)


def test_a_small_picture_is_one_chunk_and_delete_frees_its_id() -> None:
    sent = transmit(7, np.zeros((8, 4, 3), np.uint8), cols=1, rows=1)
    assert len(APC.findall(sent)) == 1 and ",m=0;" in sent
    assert delete(7) == f"{APC_START}a=d,d=I,i=7,q=2{APC_END}"


def test_placeholders_name_row_and_column_and_the_colour_names_the_image() -> None:
    row = placeholder_row(2, 3)
    assert row == "".join(PLACEHOLDER + DIACRITICS[2] + DIACRITICS[c] for c in range(3))
    assert id_colour(0x4A1501) == (0x4A, 0x15, 0x01)
    assert len(DIACRITICS) == 297 and DIACRITICS[0] == "\u0305"


RGB2 = np.zeros((2, 2, 3), np.uint8)


@pytest.mark.parametrize(
    ("image_id", "pixels", "cols", "raises"),
    [
        (0, RGB2, 1, pytest.raises(ValueError, match="image_id")),
        (2**24, RGB2, 1, pytest.raises(ValueError, match="image_id")),
        (1, np.zeros((2, 2), np.uint8), 1, pytest.raises(ValueError, match="pixels_rgb")),
        (1, RGB2.astype(np.float32), 1, pytest.raises(ValueError, match="pixels_rgb")),
        (1, RGB2, 298, pytest.raises(ValueError, match="cols")),
        (1, RGB2, 297, nullcontext()),
    ],
)
def test_bad_arguments_are_refused(
    image_id: int, pixels: np.ndarray, cols: int, raises: AbstractContextManager[object]
) -> None:
    with raises:
        transmit(image_id, pixels, cols=cols, rows=1)
    with pytest.raises(ValueError, match="row"):
        placeholder_row(297, 1)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "xterm-kitty"}, "kitty"),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "kitty"),
        ({"TERM_PROGRAM": "WezTerm"}, "kitty"),
        ({"TERM_PROGRAM": "ghostty"}, "kitty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"}, "halfblock"),
        ({}, "halfblock"),
        ({"TERM": "xterm-kitty", "AISLE_KIOSK_IMAGES": "halfblock"}, "halfblock"),
        ({"TERM": "linux", "AISLE_KIOSK_IMAGES": "KITTY"}, "kitty"),
        ({"TERM": "linux", "AISLE_KIOSK_IMAGES": "sixel"}, "halfblock"),
    ],
)
def test_the_protocol_is_guessed_from_the_environment(
    environ: dict[str, str], expected: str
) -> None:
    assert detect_protocol(environ) == expected
