"""Provides `SqlDatabase`, the one place central opens database connections.

Repositories write portable SQL: named parameters (`:name`), `INSERT ... ON CONFLICT ... DO
UPDATE`, `RETURNING`, and no SQLite-only functions, so a PostgreSQL driver can run the same
statements after mapping `:name` to `%(name)s`. Only the DDL in `central/db/schema.py` is per
dialect. SQLite runs in WAL mode; every write runs in `BEGIN IMMEDIATE`, so writers are serialised
and the change-feed cursor grows in commit order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Params = Mapping[str, Any]
Row = dict[str, Any]
BUSY_TIMEOUT_S = 10.0


def iso_utc(moment: datetime) -> str:
    """Formats a datetime as central stores times: UTC, microseconds, `Z` (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Tx:
    """A unit of work on one connection: read rows and (inside `write`) change them."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        """Wraps an open connection.

        Args:
            connection: a connection owned by `SqlDatabase`.
        """
        self._connection = connection

    def execute(self, sql: str, params: Params | None = None) -> int:
        """Runs one statement and returns the number of rows it changed."""
        cursor = self._connection.execute(sql, dict(params or {}))
        return cursor.rowcount

    def all(self, sql: str, params: Params | None = None) -> list[Row]:
        """Runs a query and returns every row as a dict."""
        cursor = self._connection.execute(sql, dict(params or {}))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, params: Params | None = None) -> Row | None:
        """Runs a query and returns its first row, or None when there is none."""
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        """Runs a query and returns the first column of its first row (None when empty)."""
        row = self._connection.execute(sql, dict(params or {})).fetchone()
        return None if row is None else row[0]


class SqlDatabase:
    """Opens short-lived SQLite connections to one database file.

    A connection per unit of work keeps the service safe under FastAPI's thread pool without a
    shared connection or a lock; opening one costs well under a millisecond.
    """

    def __init__(self, path: Path) -> None:
        """Points at a database file (created with its folder on first write).

        Args:
            path: the SQLite file.
        """
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._open() as connection:
            connection.execute("PRAGMA journal_mode=WAL")

    @contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA synchronous=NORMAL")
            yield connection
        finally:
            connection.close()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """Yields a read-only unit of work that sees one consistent snapshot."""
        with self._open() as connection:
            connection.execute("BEGIN")
            try:
                yield Tx(connection)
            finally:
                connection.execute("ROLLBACK")

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """Yields a write unit of work: committed on success, rolled back on any exception."""
        with self._open() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def executescript(self, script: str) -> None:
        """Runs a DDL script (schema migrations) outside any open transaction."""
        with self._open() as connection:
            connection.executescript(script)
