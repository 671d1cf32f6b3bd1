"""Provides `FrameView`, a live picture in the terminal drawn with half blocks.

Each cell shows two pixels with "▀" (upper pixel in the foreground, lower in the background), so
it works in any terminal with true colour and needs no image protocol. The widget only draws the
`Thumbnail` it is handed (already shrunk to `target_px`, off the UI thread); it keeps no history.
"""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from kiosk.thumbnail import RGB, Thumbnail

UPPER_HALF = "▀"


def half_block_strip(row: list[tuple[RGB, RGB]]) -> Strip:
    """One terminal row of a thumbnail: a "▀" per pixel pair, runs of equal colours merged."""
    segments: list[Segment] = []
    start = 0
    for index in range(1, len(row) + 1):
        if index == len(row) or row[index] != row[start]:
            segments.append(_segment(row[start], index - start))
            start = index
    return Strip(segments, len(row))


def _segment(pair: tuple[RGB, RGB], run: int) -> Segment:
    top, bottom = pair
    style = Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
    return Segment(UPPER_HALF * run, style)


class FrameView(Widget):
    """A picture (live preview or still), centred, with a line of text until the first one."""

    def __init__(self, placeholder: str, *, id: str | None = None) -> None:
        """Creates an empty view.

        Args:
            placeholder: shown in the middle until a picture arrives.
            id: the widget id.
        """
        super().__init__(id=id)
        self.placeholder = placeholder
        self.thumbnail: Thumbnail | None = None
        self._rows: list[Strip] = []

    @property
    def target_px(self) -> tuple[int, int]:
        """The largest picture that fits, (width, height) in pixels (two pixels per row)."""
        return max(1, self.size.width), max(2, 2 * self.size.height)

    def show(self, thumbnail: Thumbnail) -> None:
        """Draws `thumbnail` (replacing the previous picture)."""
        self.thumbnail = thumbnail
        self._rows = [half_block_strip(row) for row in thumbnail.cell_rows()]
        self.refresh()

    def clear(self) -> None:
        """Forgets the picture and shows the placeholder again."""
        self.thumbnail = None
        self._rows = []
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """Row `y` of the picture, centred; the placeholder on the middle row without one."""
        width, height = self.size.width, self.size.height
        if not self._rows:
            if y != height // 2:
                return Strip.blank(width)
            text = self.placeholder[:width].center(width)
            return Strip([Segment(text, self.rich_style)], width)
        top = (height - len(self._rows)) // 2
        if not 0 <= y - top < len(self._rows):
            return Strip.blank(width)
        row = self._rows[y - top]
        left = max(0, (width - row.cell_length) // 2)
        return Strip([Segment(" " * left), *row]).crop(0, width).extend_cell_length(width)
