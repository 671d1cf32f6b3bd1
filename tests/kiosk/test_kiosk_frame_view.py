"""Tests live-picture rendering: fitting an RGB frame to the terminal and half-block rows."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pytest

from kiosk.thumbnail import fit_thumbnail
from kiosk.widgets.frame_view import UPPER_HALF, half_block_strip


@pytest.mark.parametrize(
    ("shape", "target_wh", "expected_wh", "raises"),
    [
        ((480, 640, 3), (80, 60), (80, 60), nullcontext()),
        ((480, 640, 3), (40, 60), (40, 30), nullcontext()),
        ((480, 640, 3), (80, 20), (27, 20), nullcontext()),
        ((480, 640, 3), (81, 61), (81, 62), nullcontext()),  # rounded up to an even height
        ((10, 10, 3), (40, 40), (40, 40), nullcontext()),  # small stills are enlarged
        ((480, 640, 3), (0, 10), None, pytest.raises(ValueError, match="positive")),
        ((480, 640), (10, 10), None, pytest.raises(ValueError, match="uint8")),
    ],
)
def test_fit_thumbnail_keeps_the_aspect_within_the_target(
    shape: tuple[int, ...],
    target_wh: tuple[int, int],
    expected_wh: tuple[int, int] | None,
    raises: AbstractContextManager[object],
) -> None:
    with raises:
        thumb = fit_thumbnail(
            np.zeros(shape, np.uint8), width_px=target_wh[0], height_px=target_wh[1]
        )
        assert thumb.size_wh == expected_wh


def test_fit_thumbnail_keeps_colours_in_rgb_order() -> None:
    pixels = np.zeros((20, 20, 3), np.uint8)
    pixels[:, :, 0] = 200  # red
    thumb = fit_thumbnail(pixels, width_px=4, height_px=4)
    assert thumb.cell_rows()[0][0] == ((200, 0, 0), (200, 0, 0))


def test_half_block_rows_merge_runs_of_one_colour() -> None:
    red, blue = (255, 0, 0), (0, 0, 255)
    strip = half_block_strip([(red, blue), (red, blue), (blue, red)])
    segments = list(strip)
    assert [segment.text for segment in segments] == [UPPER_HALF * 2, UPPER_HALF]
    assert strip.cell_length == 3
    first = segments[0].style
    assert first is not None and first.color is not None and first.bgcolor is not None
    assert first.color.get_truecolor() == red and first.bgcolor.get_truecolor() == blue
