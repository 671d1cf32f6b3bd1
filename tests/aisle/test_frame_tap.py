"""Tests the frame tap: frames reach in-process features only while one listens, newest only."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from aisle.frame_tap import LatestFrame
from edge.core.frames import Frame
from edge.sources.replay import ReplaySource
from edge.sources.tap import TappedSource

IMAGE = np.zeros((8, 8, 3), np.uint8)


def make_frame(index: int) -> Frame:
    """A tiny frame."""
    return Frame(IMAGE, index, index * 100.0)


def test_nothing_is_kept_while_nobody_listens() -> None:
    slot = LatestFrame()
    slot.offer(make_frame(0))
    assert not slot.holds_frame
    assert slot.wait_newer(0, 0.01) is None


def test_a_listener_gets_the_newest_frame_and_the_last_one_leaving_drops_it() -> None:
    slot = LatestFrame()
    slot.listen()
    slot.listen()
    for index in range(3):
        slot.offer(make_frame(index))
    got = slot.wait_newer(0, 1.0)
    assert got is not None and got.frame.index == 2 and got.seq == 3
    assert slot.wait_newer(got.seq, 0.01) is None  # nothing newer yet
    slot.release()
    assert slot.holds_frame  # one listener is left
    slot.release()
    assert not slot.listening and not slot.holds_frame
    slot.release()  # one too many is harmless
    assert not slot.listening


def test_a_waiting_listener_wakes_on_the_next_frame() -> None:
    slot = LatestFrame()
    slot.listen()
    threading.Timer(0.05, lambda: slot.offer(make_frame(7))).start()
    got = slot.wait_newer(0, 5.0)
    assert got is not None and got.frame.index == 7


def test_the_tap_passes_every_frame_through_and_offers_it(person_replays: dict[str, Path]) -> None:
    slot = LatestFrame()
    slot.listen()
    inner = ReplaySource(person_replays["nobody"], fps=10.0)
    tap = TappedSource(inner, slot.offer)
    tap.open()
    assert tap.name == inner.name == "replay:nobody"
    indices = []
    while (frame := tap.read()) is not None:
        indices.append(frame.index)
        got = slot.wait_newer(0, 1.0)
        assert got is not None and got.frame is frame  # shared, not copied
    assert indices == list(range(6))
    assert tap.health().frames_read == 6
    tap.close()
    assert tap.read() is None
