"""Provides `ActiveIndex`: the index a device's queries use, swapped atomically to a new version.

A query takes the current `LoadedIndex` once (`current()`) and runs on that object to its end;
`swap` replaces the reference under a lock, so a query in flight finishes on the old index and
the next query uses the new one. Nothing is mutated in place: an index is immutable once loaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from edge.index.file import IndexData


@dataclass(frozen=True, slots=True)
class LoadedIndex:
    """One index version in memory.

    Attributes:
        version: the index version (ULID from its manifest).
        data: the search matrix, projection and meta.
    """

    version: str
    data: IndexData


class ActiveIndex:
    """Holds the running index; safe to use from any thread."""

    def __init__(self, initial: LoadedIndex | None = None) -> None:
        """Starts with `initial` (None: no index yet, photo search answers nothing)."""
        self._lock = threading.Lock()
        self._current = initial
        self._swaps = 0

    def current(self) -> LoadedIndex | None:
        """The index a query starting now must use (hold on to it for the whole query)."""
        with self._lock:
            return self._current

    @property
    def version(self) -> str | None:
        """The running version, or None."""
        current = self.current()
        return None if current is None else current.version

    @property
    def swaps(self) -> int:
        """How many times a new version replaced the running one."""
        with self._lock:
            return self._swaps

    def swap(self, new: LoadedIndex) -> LoadedIndex | None:
        """Makes `new` the running index; returns the one it replaced."""
        with self._lock:
            old, self._current = self._current, new
            self._swaps += 1
        return old
