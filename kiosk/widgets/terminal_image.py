"""Provides `TerminalImageView`: a live picture through the Kitty graphics protocol when the
terminal supports it, else `FrameView`'s half blocks.

With Kitty, each picture is sent under the widget's one image id (replacing the last, so the
terminal holds one picture per view) through the app driver's writer, in order with Textual's own
output, and the widget draws placeholder cells that the terminal fills with it. Pictures have
`CELL_PX` pixels per cell (8x the half blocks' detail). Without a writer (a headless app, as under
Pilot) or with the "halfblock" protocol, it draws half blocks. Pixels go to the terminal only:
nothing is written to a file.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Final

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.strip import Strip

from kiosk.thumbnail import Thumbnail
from kiosk.widgets.frame_view import FrameView
from kiosk.widgets.kitty_graphics import (
    DIACRITICS,
    ImageProtocol,
    delete,
    id_colour,
    placeholder_row,
    transmit,
)

CELL_PX: Final = (4, 8)  # pixels per terminal cell sent with Kitty (cells are about 1:2)
Writer = Callable[[str], None]
_next_id = itertools.count(0x4A1500)  # ids of this process's views (ids must differ per view)


def driver_writer(app: App[object]) -> Writer | None:
    """The app driver's `write` (ordered with Textual's output), or None for a headless app.

    Textual has no public way to send raw escape sequences, hence the driver attribute.
    """
    driver = app._driver
    if driver is None or driver.is_headless:
        return None
    return driver.write


class TerminalImageView(FrameView):
    """A picture drawn with the Kitty graphics protocol, or with half blocks."""

    def __init__(
        self,
        placeholder: str,
        *,
        protocol: ImageProtocol = "halfblock",
        writer: Writer | None = None,
        id: str | None = None,
    ) -> None:
        """Creates an empty view.

        Args:
            placeholder: shown in the middle until a picture arrives.
            protocol: "kitty" to send pictures to the terminal, else "halfblock".
            writer: where escape sequences go (default: the app driver's, if not headless).
            id: the widget id.
        """
        super().__init__(placeholder, id=id)
        self.protocol = protocol
        self.image_id = next(_next_id)
        self._writer = writer
        self._sent = False

    @property
    def kitty(self) -> bool:
        """True when pictures go through the Kitty protocol."""
        return self.protocol == "kitty" and self._write_to() is not None

    def _write_to(self) -> Writer | None:
        if self._writer is None and self.is_mounted:
            self._writer = driver_writer(self.app)
        return self._writer

    @property
    def target_px(self) -> tuple[int, int]:
        """The largest picture that fits, (width, height) in pixels."""
        if not self.kitty:
            return super().target_px
        cols = min(max(1, self.size.width), len(DIACRITICS))
        rows = min(max(1, self.size.height), len(DIACRITICS))
        return cols * CELL_PX[0], rows * CELL_PX[1]

    def show(self, thumbnail: Thumbnail) -> None:
        """Sends `thumbnail` to the terminal (Kitty) or draws it with half blocks."""
        write = self._write_to() if self.protocol == "kitty" else None
        if write is None:
            super().show(thumbnail)
            return
        width_px, height_px = thumbnail.size_wh
        cols = min(math.ceil(width_px / CELL_PX[0]), len(DIACRITICS))
        rows = min(math.ceil(height_px / CELL_PX[1]), len(DIACRITICS))
        write(transmit(self.image_id, thumbnail.pixels_rgb, cols=cols, rows=rows))
        self._sent = True
        self.thumbnail = thumbnail
        style = Style(color=Color.from_rgb(*id_colour(self.image_id)))
        self._rows = [Strip([Segment(placeholder_row(r, cols), style)], cols) for r in range(rows)]
        self.refresh()

    def clear(self) -> None:
        """Forgets the picture (and frees it in the terminal)."""
        self._free()
        super().clear()

    def on_unmount(self) -> None:
        """Frees the picture in the terminal when the view goes."""
        self._free()

    def _free(self) -> None:
        write = self._writer
        if self._sent and write is not None:
            write(delete(self.image_id))
            self._sent = False
