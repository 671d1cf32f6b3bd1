"""Provides `open_database`: one SQLite connection to the hub's file, in WAL mode and migrated.

Each component (ingest, catalog sync, API) opens its own connection to the same file; WAL lets
readers run while one writer commits, and the busy timeout makes a second writer wait its turn.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from hub.db.schema import migrate

BUSY_TIMEOUT_S = 10.0


def open_database(path: Path, *, run_migrations: bool = True) -> Database:
    """Opens (creating if needed) the hub database at `path`.

    The connection may be used from a thread other than the one that opened it, but by one
    thread at a time: each component owns its connection.

    Args:
        path: the database file; its folder is created if absent.
        run_migrations: apply pending migrations (the composition root does it once).

    Returns:
        A sqlite-utils `Database` in WAL mode with `synchronous=FULL` and foreign keys on.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    db = Database(conn)
    db.enable_wal()
    # FULL: an event the hub acknowledged to the broker must survive a power cut.
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    if run_migrations:
        migrate(db)
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """Runs a block in one `BEGIN IMMEDIATE` transaction: commit on success, rollback on error.

    IMMEDIATE takes the write lock up front. A deferred transaction that reads first and then
    writes fails at once with "database is locked" when another connection committed in
    between (WAL snapshots cannot be upgraded); IMMEDIATE waits for the busy timeout instead.

    Raises:
        RuntimeError: if a transaction is already open on this connection.
    """
    if db.conn.in_transaction:
        raise RuntimeError("write_transaction cannot nest: a transaction is already open")
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    db.execute("COMMIT")
