"""Provides `PreparedPage`: a change-feed page checked and turned into the rows it writes (the
sync's fetch thread prepares page N+1 while page N is written)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contracts.catalog import ChangePage
from hub.catalog.wire import parse_change_page
from hub.db.catalog import PreparedChange, prepare_changes
from hub.errors import CatalogProtocolError


def check_cursors(cursor: int, next_cursor: int, cursors: Sequence[int]) -> None:
    """Checks the cursors of a page asked for after `cursor` before any of it is applied.

    Raises:
        CatalogProtocolError: if the cursors do not grow strictly, a change is at or below the
            cursor asked for, or `next_cursor` is behind the page's own changes or the cursor.
    """
    if next_cursor < cursor:
        raise CatalogProtocolError(
            f"change feed went backwards: asked after {cursor}, next_cursor {next_cursor}"
        )
    previous = cursor
    for current in cursors:
        if current <= previous:
            raise CatalogProtocolError(f"change cursors must grow past {previous}, got {current}")
        previous = current
    if next_cursor < previous:
        raise CatalogProtocolError(
            f"next_cursor {next_cursor} is behind the page's last change {previous}"
        )


def check_page(cursor: int, page: ChangePage) -> None:
    """`check_cursors` for a parsed page (see there)."""
    check_cursors(cursor, page.next_cursor, [change.cursor for change in page.changes])


@dataclass(frozen=True, slots=True)
class PreparedPage:
    """A checked change-feed page as rows, with where the feed continues."""

    asked_after: int
    next_cursor: int
    has_more: bool
    as_of: datetime
    changes: tuple[PreparedChange, ...]

    @classmethod
    def from_page(cls, cursor: int, page: ChangePage) -> PreparedPage:
        """Checks a page fetched after `cursor` and prepares its rows.

        Raises:
            CatalogProtocolError: if the page fails `check_page`.
        """
        check_page(cursor, page)
        changes = tuple(prepare_changes(page.changes, page.as_of))
        return cls(cursor, page.next_cursor, page.has_more, page.as_of, changes)

    @classmethod
    def from_body(cls, cursor: int, body: bytes) -> PreparedPage:
        """Parses and checks a page body fetched after `cursor` (`parse_change_page`).

        Raises:
            CatalogProtocolError: if the body breaks the contract or fails `check_cursors`.
        """
        next_cursor, has_more, as_of, changes = parse_change_page(body)
        check_cursors(cursor, next_cursor, [change.cursor for change in changes])
        return cls(cursor, next_cursor, has_more, as_of, tuple(changes))
