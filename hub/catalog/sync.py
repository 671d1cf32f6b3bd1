"""Provides `CatalogSync`: pulls central's change feed into the hub's local copy of the catalog.

Each page is applied in one transaction together with the cursor that follows it, so a crash
at any point resumes from the last committed page and never re-applies a change. The stored
cursor is read again inside that transaction: changes at or below it are skipped and the cursor
never moves back, so two syncs running at once (the sync thread and a reconciliation run) or a
page fetched before another one committed cannot apply a change twice. A page whose cursors do
not grow, or whose `next_cursor` is behind its own changes, is refused as a protocol error
before anything of it is applied. Every attempt is recorded (success or the failure's reason),
which is how the hub knows whether central is reachable and how fresh its copy is.

The sync's own connection runs with `synchronous=NORMAL` (WAL): it writes only catalog pages,
each with its cursor in one transaction, so a power cut can lose only the newest pages whole,
rows and cursor together, and they are pulled again; a process crash loses nothing. That drops
the fsync per page, and a larger auto-checkpoint threshold folds the WAL back less often; the
sync thread checkpoints between runs that applied changes (`checkpoint`), off the next run's
path.

The next page is fetched and prepared (parsed into rows) in a helper thread while the current
one is written, so central builds page N+1 while the hub writes page N. Past
`PROCESS_AFTER_CHANGES` changes in one run (a full sync of a chain's catalog), a worker process
takes over fetching and parsing (`hub.catalog.producer`), so parsing no longer competes with
writing for the GIL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from contracts.catalog import ChangePage
from hub.catalog.client import CentralClient
from hub.catalog.pages import PreparedPage, check_page
from hub.catalog.producer import PageWorker
from hub.db import catalog
from hub.db.connection import write_transaction
from hub.errors import CatalogProtocolError, CatalogUnavailable

logger = logging.getLogger(__name__)

MAX_PAGES_PER_RUN = 10_000
PROCESS_AFTER_CHANGES = 20_000
WAL_AUTOCHECKPOINT_PAGES = 16_384  # 64 MB of 4 KB pages: a checkpoint every few big pages


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The result of one sync run.

    Attributes:
        pages: pages fetched.
        applied: changes applied (changes at or below the stored cursor are skipped).
        cursor: the stored cursor after the run.
        caught_up: the last page said no more changes wait.
        as_of: central's time of the last page.
    """

    pages: int
    applied: int
    cursor: int
    caught_up: bool
    as_of: datetime | None


__all__ = ["CatalogSync", "SyncReport", "check_page"]


class CatalogSync:
    """Brings the local catalog copy up to date with central.

    Args:
        client: the central client (owned by this sync).
        db: the database connection this sync owns (set to `synchronous=NORMAL`: module doc).
        clock: returns the current UTC time.
        page_limit: changes asked for per page.
        process_after_changes: changes pulled in a run after which, if more wait, a worker
            process fetches and parses the rest (None: never; see `hub.catalog.producer`).
    """

    def __init__(
        self,
        client: CentralClient,
        db: Database,
        *,
        clock: Callable[[], datetime],
        page_limit: int,
        process_after_changes: int | None = PROCESS_AFTER_CHANGES,
    ) -> None:
        self._client = client
        self._db = db
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        self._clock = clock
        self._page_limit = page_limit
        self._process_after_changes = process_after_changes

    def run_once(self) -> SyncReport:
        """Pulls pages until central says no more changes wait.

        Raises:
            CatalogUnavailable: central could not be reached (the failure is recorded).
            CatalogProtocolError: central's answer broke the contract (recorded too).
        """
        cursor = catalog.load_sync_state(self._db).cursor
        pages = applied = 0
        page: PreparedPage | None = None
        try:
            for page in self._pages(cursor):
                applied += self.apply_prepared(page)
                pages += 1
                cursor = max(cursor, page.next_cursor)
        except (CatalogUnavailable, CatalogProtocolError) as exc:
            with write_transaction(self._db):
                catalog.record_sync_failure(self._db, str(exc), self._clock())
            raise
        caught_up = page is not None and not page.has_more
        return SyncReport(pages, applied, cursor, caught_up, None if page is None else page.as_of)

    def _pages(self, cursor: int) -> Iterator[PreparedPage]:
        """The pages of one run: a helper thread fetches and parses the next page while one is
        written; past `process_after_changes` a worker process takes over (`PageWorker`),
        started before the last page of the thread is written so it warms up meanwhile."""
        changes = count = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-fetch") as fetcher:
            upcoming = fetcher.submit(self.fetch, cursor)
            while True:
                page = upcoming.result()
                changes, count = changes + len(page.changes), count + 1
                if not page.has_more or count >= MAX_PAGES_PER_RUN:
                    yield page
                    return
                if self._use_process(changes):
                    break
                upcoming = fetcher.submit(self.fetch, page.next_cursor)
                yield page
        with PageWorker(self._client, page.next_cursor, limit=self._page_limit) as worker:
            yield page
            for later in worker:
                yield later
                count += 1
                if count >= MAX_PAGES_PER_RUN:
                    return

    def _use_process(self, changes: int) -> bool:
        limit = self._process_after_changes
        if limit is None or self._client.endpoint() is None:
            return False
        return changes >= limit

    def fetch(self, cursor: int) -> PreparedPage:
        """Fetches the page after `cursor` and prepares it (`run_once` does it a page ahead).

        Raises:
            CatalogUnavailable: central could not be reached (not recorded here).
            CatalogProtocolError: the page broke the contract (not recorded here).
        """
        body = self._client.changes_body(cursor, limit=self._page_limit)
        return PreparedPage.from_body(cursor, body)

    def apply_page(self, cursor: int, page: ChangePage) -> int:
        """Applies one page fetched after `cursor` with its cursor, in one transaction.

        Returns:
            Changes applied (those at or below the stored cursor are skipped).

        Raises:
            CatalogProtocolError: if the page fails `check_page` (nothing is applied).
        """
        return self.apply_prepared(PreparedPage.from_page(cursor, page))

    def apply_prepared(self, page: PreparedPage) -> int:
        """Applies a checked, prepared page with its cursor, in one transaction.

        Returns:
            Changes applied (those at or below the stored cursor are skipped).
        """
        with write_transaction(self._db):
            stored = catalog.load_sync_state(self._db).cursor
            fresh = [change for change in page.changes if change.cursor > stored]
            catalog.apply_prepared(self._db, fresh)
            catalog.save_sync_progress(
                self._db,
                cursor=max(stored, page.next_cursor),
                as_of=page.as_of,
                caught_up=not page.has_more,
                applied=len(fresh),
                now=self._clock(),
            )
        return len(fresh)

    def checkpoint(self) -> None:
        """Folds the WAL back into the database file (passive: never waits for a reader), which
        the sync thread does between runs that applied changes, so the next run's commits do
        not stop to checkpoint what the previous one wrote."""
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def run_forever(self, stop: threading.Event, *, interval_s: float) -> None:
        """Syncs every `interval_s` until `stop` is set (the body of the sync thread)."""
        while not stop.is_set():
            try:
                report = self.run_once()
                if report.applied:
                    logger.info("catalog sync applied=%d cursor=%d", report.applied, report.cursor)
                    self.checkpoint()
            except CatalogUnavailable as exc:
                logger.warning("central unreachable, serving the local copy: %s", exc)
            except CatalogProtocolError as exc:
                logger.error("central broke the catalog contract: %s", exc)
            except Exception:
                logger.exception("catalog sync failed")
            stop.wait(interval_s)
