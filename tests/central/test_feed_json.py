"""Tests that the change feed assembled from stored snapshots is the same `ChangePage` the
models would make, page after page, reviews and the end of the feed included."""

from __future__ import annotations

from central.repository import CentralRepository
from contracts.catalog import Change, ChangePage


def test_the_json_feed_equals_the_model_feed(repository: CentralRepository) -> None:
    cursor, seen = 0, list[Change]()
    while True:
        fast = ChangePage.model_validate_json(repository.changes_json(cursor, 2))
        slow = repository.changes(cursor, 2)
        assert fast.changes == slow.changes
        assert (fast.next_cursor, fast.has_more) == (slow.next_cursor, slow.has_more)
        seen += fast.changes
        cursor = fast.next_cursor
        if not fast.has_more:
            break
    assert len(seen) > 2
    assert any(change.review is not None for change in seen)
    end = ChangePage.model_validate_json(repository.changes_json(cursor, 10))
    assert (end.changes, end.next_cursor, end.has_more) == ([], cursor, False)
