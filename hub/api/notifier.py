"""Provides `EventNotifier`: wakes live streams (server-sent events) when ingest commits an event.

Ingest runs in paho's network thread; streams wait on asyncio events in the server's loop.
`notify` hands each waiting stream a wake-up through its own loop, so streams sleep until
something happened instead of polling the database.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class EventNotifier:
    """Thread-safe fan-out of "new events were committed" to asyncio waiters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once `close` was called: streams should finish."""
        return self._closed

    def notify(self) -> None:
        """Wakes every subscribed stream (callable from any thread, never blocks for long)."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:
                # The stream's loop has closed; its subscription ends with it.
                continue

    def close(self) -> None:
        """Marks the notifier closed and wakes every stream so it can finish."""
        self._closed = True
        self.notify()

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Event]:
        """Registers the calling coroutine's loop; the yielded event is set on each notify.

        Must be entered from a running event loop.
        """
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.append(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._waiters.remove(entry)
