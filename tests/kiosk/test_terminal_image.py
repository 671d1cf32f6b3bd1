"""Pilot tests of `TerminalImageView`: half blocks without an image protocol (or headless), Kitty
placeholders with the picture sent to the terminal writer (in memory), freed when it goes."""

from __future__ import annotations

import numpy as np
from textual.app import App, ComposeResult

from kiosk.thumbnail import Thumbnail
from kiosk.widgets.frame_view import UPPER_HALF
from kiosk.widgets.kitty_graphics import APC_START, PLACEHOLDER, delete
from kiosk.widgets.terminal_image import CELL_PX, TerminalImageView


class ViewApp(App[None]):
    """One view filling a 40x12 screen."""

    CSS = "TerminalImageView { width: 40; height: 12; }"

    def __init__(self, view: TerminalImageView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


def thumbnail(width: int, height: int) -> Thumbnail:
    """A gradient picture."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, :, 0] = np.linspace(0, 255, width, dtype=np.uint8)
    return Thumbnail(pixels)


def line_text(view: TerminalImageView, y: int) -> str:
    """The characters of one rendered line."""
    return "".join(segment.text for segment in view.render_line(y))


async def test_without_an_image_protocol_the_view_draws_half_blocks() -> None:
    view = TerminalImageView("waiting", protocol="halfblock", id="v")
    async with ViewApp(view).run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert view.target_px == (40, 24) and not view.kitty
        view.show(thumbnail(40, 24))
        await pilot.pause()
        assert line_text(view, 0) == UPPER_HALF * 40


async def test_a_headless_app_falls_back_to_half_blocks_even_for_kitty() -> None:
    view = TerminalImageView("waiting", protocol="kitty", id="v")  # Pilot's driver is headless
    async with ViewApp(view).run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert not view.kitty and view.target_px == (40, 24)
        view.show(thumbnail(40, 24))
        await pilot.pause()
        assert UPPER_HALF in line_text(view, 5)


async def test_with_kitty_the_picture_goes_to_the_terminal_and_placeholders_are_drawn() -> None:
    sent: list[str] = []
    view = TerminalImageView("waiting", protocol="kitty", writer=sent.append, id="v")
    app = ViewApp(view)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert view.kitty and view.target_px == (40 * CELL_PX[0], 12 * CELL_PX[1])
        view.show(thumbnail(80, 48))  # 20 x 6 cells
        await pilot.pause()
        assert len(sent) == 1 and sent[0].startswith(f"{APC_START}a=T,U=1,i={view.image_id},")
        assert ",c=20,r=6," in sent[0]
        middle = line_text(view, 5)  # rows 3..8 hold the picture
        assert middle.count(PLACEHOLDER) == 20 and line_text(view, 0).strip() == ""
        view.show(thumbnail(80, 48))
        assert len(sent) == 2 and f"i={view.image_id}," in sent[1]  # same id: replaced
        await view.remove()
    assert sent[-1] == delete(view.image_id)
