"""Provides `process_pages`: change-feed pages fetched and parsed in a worker process, for a
long backlog (a full sync of a chain's catalog).

Parsing a page costs about as much CPU as writing it, and in one process both hold the GIL.
For a long backlog the sync hands fetching and parsing to a worker process (spawned, so it is
safe from a hub full of threads) that pushes prepared pages into a bounded queue (at most
`PREFETCH_PAGES` ahead) as plain tuples, cheap to pickle; the hub's thread only writes. The
worker never touches the database: pages are still applied by the sync, each with its cursor in
one transaction, so a crash of either process loses nothing and applies nothing twice. The
worker exits when the feed is caught up, on the first error (sent back and raised in the hub as
`CatalogUnavailable` or `CatalogProtocolError`), when the hub stops reading, or when the hub
process is gone.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
from collections.abc import Iterator
from datetime import datetime
from multiprocessing.queues import Queue
from typing import Any

from hub.catalog.client import CentralClient
from hub.catalog.pages import PreparedPage
from hub.db.catalog import PreparedChange
from hub.errors import CatalogProtocolError, CatalogUnavailable

logger = logging.getLogger(__name__)

PREFETCH_PAGES = 2
POLL_S = 1.0
STOP_TIMEOUT_S = 5.0

Packed = tuple[int, int, bool, str, list[tuple[Any, ...]]]


def pack(page: PreparedPage) -> Packed:
    """A prepared page as plain tuples (what crosses the process boundary)."""
    changes = [(c.cursor, c.gtin, c.version, c.product, c.stock, c.review) for c in page.changes]
    return page.asked_after, page.next_cursor, page.has_more, page.as_of.isoformat(), changes


def unpack(packed: Packed) -> PreparedPage:
    """The prepared page `pack` made."""
    asked_after, next_cursor, has_more, as_of, changes = packed
    prepared = tuple(PreparedChange(*change) for change in changes)
    return PreparedPage(asked_after, next_cursor, has_more, datetime.fromisoformat(as_of), prepared)


def _put(pages: Queue[Any], item: tuple[str, Any], parent_pid: int) -> bool:
    """Puts an item, waiting while the queue is full; False when the hub process is gone."""
    while True:
        try:
            pages.put(item, timeout=POLL_S)
            return True
        except queue.Full:
            if os.getppid() != parent_pid:
                return False


def produce(
    base_url: str, timeout_s: float, cursor: int, limit: int, pages: Queue[Any], parent_pid: int
) -> None:
    """The worker's body: fetch, check and prepare pages from `cursor` until caught up."""
    client = CentralClient(base_url, timeout_s=timeout_s)
    try:
        while True:
            page = PreparedPage.from_body(cursor, client.changes_body(cursor, limit=limit))
            if not _put(pages, ("page", pack(page)), parent_pid) or not page.has_more:
                return
            cursor = page.next_cursor
    except CatalogUnavailable as exc:
        _put(pages, ("unavailable", str(exc)), parent_pid)
    except CatalogProtocolError as exc:
        _put(pages, ("protocol", str(exc)), parent_pid)
    finally:
        client.close()


def _next(pages: Queue[Any], worker: multiprocessing.process.BaseProcess) -> PreparedPage:
    while True:
        try:
            kind, payload = pages.get(timeout=POLL_S)
            break
        except queue.Empty:
            if not worker.is_alive() and pages.empty():
                raise CatalogUnavailable(
                    f"catalog page worker exited (code {worker.exitcode}) without an answer"
                ) from None
    if kind == "unavailable":
        raise CatalogUnavailable(str(payload))
    if kind == "protocol":
        raise CatalogProtocolError(str(payload))
    return unpack(payload)


class PageWorker:
    """A worker process producing the prepared pages after `cursor` until caught up; started
    at once (so it warms up while the caller writes), stopped by `close` or `with`.

    Args:
        client: a client of central's real URL (its `endpoint()`; not an injected transport).
        cursor: the cursor to read after.
        limit: changes per page.

    Raises:
        ValueError: if `client` uses an injected transport (a worker cannot share it).
    """

    def __init__(self, client: CentralClient, cursor: int, *, limit: int) -> None:
        endpoint = client.endpoint()
        if endpoint is None:
            raise ValueError(
                "a page worker needs a client of a real URL, not an injected transport"
            )
        context = multiprocessing.get_context("spawn")
        self._pages: Queue[Any] = context.Queue(maxsize=PREFETCH_PAGES)
        args = (*endpoint, cursor, limit, self._pages, os.getpid())
        self._worker = context.Process(target=produce, args=args, name="catalog-pages", daemon=True)
        self._worker.start()

    def __enter__(self) -> PageWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[PreparedPage]:
        """Yields pages until one says no more changes wait.

        Raises:
            CatalogUnavailable: central could not be reached, or the worker died.
            CatalogProtocolError: a page broke the contract.
        """
        while True:
            page = _next(self._pages, self._worker)
            yield page
            if not page.has_more:
                return

    def close(self) -> None:
        """Stops the worker (if still running) and releases the queue."""
        if self._worker.is_alive():
            self._worker.terminate()
        self._worker.join(STOP_TIMEOUT_S)
        self._pages.close()
        self._pages.cancel_join_thread()


def process_pages(client: CentralClient, cursor: int, *, limit: int) -> Iterator[PreparedPage]:
    """Yields the prepared pages after `cursor` until caught up, made by a `PageWorker`.

    Raises:
        CatalogUnavailable: central could not be reached, or the worker died.
        CatalogProtocolError: a page broke the contract.
        ValueError: if `client` uses an injected transport.
    """
    with PageWorker(client, cursor, limit=limit) as worker:
        yield from worker
