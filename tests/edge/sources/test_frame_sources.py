"""Tests the frame sources: replay determinism, loops, thinning, corrupt frames, video, camera."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from edge.config import SourceConfig
from edge.core.frames import Frame
from edge.errors import SourceUnavailable
from edge.sources.base import FrameSource
from edge.sources.camera import LiveCamera
from edge.sources.replay import ReplaySource
from edge.sources.video import VideoSource

CODE = "4006381333931"


def _drain(source: FrameSource) -> list[Frame]:
    source.open()
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    source.close()
    return frames


def _fingerprint(frames: list[Frame]) -> list[tuple[int, float, str]]:
    return [(f.index, f.t_ms, hashlib.sha256(f.image.tobytes()).hexdigest()) for f in frames]


def test_replay_is_deterministic(make_replay: Callable[..., Path]) -> None:
    fixture = make_replay([None, CODE, CODE, None])
    first = _drain(ReplaySource(fixture, fps=15))
    second = _drain(ReplaySource(fixture, fps=15))
    assert _fingerprint(first) == _fingerprint(second)
    assert [(f.index, f.t_ms) for f in first] == [(0, 0), (1, 67), (2, 133), (3, 200)]


def test_replay_loop_keeps_time_increasing(make_replay: Callable[..., Path]) -> None:
    source = ReplaySource(make_replay([None, CODE, None]), fps=15, loop=True)
    source.open()
    frames = [source.read() for _ in range(7)]
    source.close()
    assert source.read() is None
    times = [f.t_ms for f in frames if f is not None]
    assert times == sorted(times) and len(set(times)) == 7
    assert [f.index for f in frames if f is not None] == list(range(7))


def test_replay_thins_a_faster_recording(make_replay: Callable[..., Path]) -> None:
    fixture = make_replay([None] * 12, fps=30)
    assert len(_drain(ReplaySource(fixture, fps=30))) == 12
    assert len(_drain(ReplaySource(fixture, fps=15))) == 6


def test_replay_resizes_to_the_configured_size(make_replay: Callable[..., Path]) -> None:
    frames = _drain(ReplaySource(make_replay([CODE]), fps=15, size_wh=(320, 240)))
    assert frames[0].size_wh == (320, 240)


def test_corrupt_frame_is_skipped_counted_and_warned(
    make_replay: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    fixture = make_replay([None, CODE, None])
    (fixture / "frames" / "000001.jpg").write_bytes(b"not a jpeg")
    source = ReplaySource(fixture, fps=15)
    with caplog.at_level(logging.WARNING):
        frames = _drain(source)
    assert [f.t_ms for f in frames] == [0, 133]
    assert source.health().frames_skipped == 1
    assert "000001.jpg is corrupt" in caplog.text


@pytest.mark.parametrize(
    ("setup", "outcome"),
    [
        ("missing folder", pytest.raises(SourceUnavailable, match="not found")),
        ("no timestamps", pytest.raises(SourceUnavailable, match=r"timestamps\.json")),
        ("times go back", pytest.raises(SourceUnavailable, match="must not decrease")),
        ("fine", nullcontext()),
    ],
)
def test_replay_open_checks_the_fixture(
    make_replay: Callable[..., Path],
    tmp_path: Path,
    setup: str,
    outcome: AbstractContextManager[Any],
) -> None:
    fixture = make_replay([None, None])
    if setup == "missing folder":
        fixture = tmp_path / "nowhere"
    elif setup == "no timestamps":
        (fixture / "timestamps.json").unlink()
    elif setup == "times go back":
        (fixture / "timestamps.json").write_text(
            '{"fps": 15, "frames": [{"file": "frames/000000.jpg", "t_ms": 70},'
            ' {"file": "frames/000001.jpg", "t_ms": 0}]}'
        )
    with outcome:
        ReplaySource(fixture, fps=15).open()


def test_close_wakes_a_realtime_read(make_replay: Callable[..., Path]) -> None:
    # 1 fps and 3 frames: the second read would wait a second; close() ends it at once.
    source = ReplaySource(make_replay([None] * 3, fps=1), fps=1, realtime=True)
    source.open()
    assert source.read() is not None
    results: list[Frame | None] = []
    reader = threading.Thread(target=lambda: results.append(source.read()))
    reader.start()
    source.close()
    reader.join(5)
    assert not reader.is_alive() and results == [None]


def _write_video(path: Path, frames: int, fps: float) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (160, 120))
    assert writer.isOpened(), "OpenCV cannot write MJPG/AVI here"
    for n in range(frames):
        writer.write(np.full((120, 160, 3), n * 10, np.uint8))
    writer.release()
    return path


def test_video_source_times_frames_by_the_file_rate(tmp_path: Path) -> None:
    video = _write_video(tmp_path / "clip.avi", frames=10, fps=20)
    frames = _drain(VideoSource(video, fps=20))
    assert [f.t_ms for f in frames] == [n * 50.0 for n in range(10)]
    assert len(_drain(VideoSource(video, fps=10))) == 5


def test_video_source_loops(tmp_path: Path) -> None:
    source = VideoSource(_write_video(tmp_path / "clip.avi", frames=4, fps=20), fps=20, loop=True)
    source.open()
    frames = [source.read() for _ in range(9)]
    source.close()
    assert all(f is not None for f in frames)
    assert [f.t_ms for f in frames if f is not None] == [n * 50.0 for n in range(9)]


def test_missing_video_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="not found"):
        VideoSource(tmp_path / "none.avi", fps=15).open()


def test_missing_camera_reports_degraded_and_keeps_trying(tmp_path: Path) -> None:
    camera = LiveCamera(str(tmp_path / "no-such-camera.avi"), fps=15)
    camera.open()
    results: list[Frame | None] = []
    reader = threading.Thread(target=lambda: results.append(camera.read()))
    reader.start()
    for _ in range(200):  # up to 10 s, polled on the reader's progress
        if camera.health().degraded_reason is not None:
            break
        reader.join(0.05)
    health = camera.health()
    camera.close()
    reader.join(10)
    assert not reader.is_alive() and results == [None]
    assert health.degraded_reason is not None and "cannot be opened" in health.degraded_reason


@pytest.mark.parametrize(
    ("image", "index", "t_ms", "outcome"),
    [
        (np.zeros((4, 4, 3), np.uint8), 0, 0.0, nullcontext()),
        (np.zeros((4, 4, 3), np.float32), 0, 0.0, pytest.raises(ValueError, match="uint8")),
        (np.zeros((4, 4), np.uint8), 0, 0.0, pytest.raises(ValueError, match=r"\(H, W, 3\)")),
        (np.zeros((0, 4, 3), np.uint8), 0, 0.0, pytest.raises(ValueError, match="empty")),
        (np.zeros((4, 4, 3), np.uint8), -1, 0.0, pytest.raises(ValueError, match="index")),
        (np.zeros((4, 4, 3), np.uint8), 0, -5.0, pytest.raises(ValueError, match="t_ms")),
        ([[0]], 0, 0.0, pytest.raises(TypeError, match="numpy")),
    ],
)
def test_frame_validates_its_image(
    image: Any, index: int, t_ms: float, outcome: AbstractContextManager[Any]
) -> None:
    with outcome:
        assert Frame(image, index, t_ms).size_wh == (4, 4)


def test_camera_stream_that_ends_is_reopened(tmp_path: Path) -> None:
    # A video file opened by URL behaves like a stream that stops after 3 frames.
    stream = _write_video(tmp_path / "stream.avi", frames=3, fps=20)
    camera = LiveCamera(str(stream), fps=1000)
    camera.open()
    frames = [camera.read() for _ in range(5)]  # the 4th and 5th come after a reopen
    health = camera.health()
    camera.close()
    assert all(f is not None for f in frames)
    assert [f.index for f in frames if f is not None] == [0, 1, 2, 3, 4]
    assert health.reopen_attempts >= 1


def test_camera_index_in_a_file_is_a_device_number() -> None:
    assert SourceConfig(kind="camera", camera="0").camera == 0
    assert SourceConfig(kind="camera", camera="rtsp://cam/1").camera == "rtsp://cam/1"
