"""Tests of product thumbnails: decoding, shrinking, half-block cells."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from kiosk.errors import ImageUnavailable
from kiosk.thumbnail import Thumbnail, decode_thumbnail
from kiosk.widgets.product_card import half_block_text


def png(bgr: npt.NDArray[np.uint8]) -> bytes:
    """Encodes a BGR image as PNG."""
    ok, data = cv2.imencode(".png", bgr)
    assert ok
    return bytes(data)


def test_a_two_colour_image_becomes_two_colour_cells() -> None:
    image = np.zeros((100, 100, 3), dtype=np.uint8)
    image[:50] = (0, 0, 255)  # red on top (BGR)
    image[50:] = (255, 0, 0)  # blue below
    thumbnail = decode_thumbnail(png(image), width_px=4, height_px=4)
    assert thumbnail.size_wh == (4, 4)
    rows = thumbnail.cell_rows()
    assert rows[0][0] == ((255, 0, 0), (255, 0, 0))
    assert rows[1][3] == ((0, 0, 255), (0, 0, 255))


def test_aspect_ratio_is_kept_and_height_made_even() -> None:
    wide = np.full((30, 120, 3), 200, dtype=np.uint8)
    thumbnail = decode_thumbnail(png(wide), width_px=12, height_px=12)
    assert thumbnail.size_wh == (12, 4)
    odd = decode_thumbnail(png(np.full((30, 100, 3), 9, dtype=np.uint8)), width_px=10, height_px=10)
    assert odd.size_wh == (10, 4), "3 rows become 4, the last one repeated"


def test_garbage_is_not_an_image() -> None:
    with pytest.raises(ImageUnavailable, match="not a decodable image"):
        decode_thumbnail(b"<html>not found</html>")


@pytest.mark.parametrize(
    ("shape", "dtype", "raises"),
    [
        ((4, 4, 3), np.uint8, nullcontext()),
        ((3, 4, 3), np.uint8, pytest.raises(ValueError, match="even")),
        ((4, 4), np.uint8, pytest.raises(ValueError, match=r"\(h, w, 3\)")),
        ((4, 4, 3), np.float32, pytest.raises(ValueError, match="uint8")),
    ],
)
def test_thumbnail_checks_its_pixels(
    shape: tuple[int, ...], dtype: type, raises: AbstractContextManager[object]
) -> None:
    with raises:
        Thumbnail(np.zeros(shape, dtype=dtype))


def test_half_block_text_has_one_cell_per_two_pixels() -> None:
    thumbnail = Thumbnail(np.zeros((6, 5, 3), dtype=np.uint8))
    text = half_block_text(thumbnail)
    assert text.plain == "\n".join(["▀" * 5] * 3)
