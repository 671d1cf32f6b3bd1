"""Provides `make_source`: the frame source a `SourceConfig` describes."""

from __future__ import annotations

from edge.config import SourceConfig
from edge.sources.base import FrameSource
from edge.sources.camera import LiveCamera
from edge.sources.replay import ReplaySource
from edge.sources.video import VideoSource


def make_source(config: SourceConfig) -> FrameSource:
    """Builds (does not open) the source for `config`.

    Args:
        config: the device's source section.

    Returns:
        A `LiveCamera`, `VideoSource` or `ReplaySource`.
    """
    size_wh = None
    if config.width_px is not None and config.height_px is not None:
        size_wh = (config.width_px, config.height_px)
    if config.kind == "camera":
        assert config.camera is not None  # guaranteed by SourceConfig's validator
        return LiveCamera(config.camera, fps=config.fps, size_wh=size_wh)
    assert config.path is not None  # guaranteed by SourceConfig's validator
    if config.kind == "video":
        return VideoSource(
            config.path, fps=config.fps, realtime=config.realtime, loop=config.loop, size_wh=size_wh
        )
    return ReplaySource(
        config.path, fps=config.fps, realtime=config.realtime, loop=config.loop, size_wh=size_wh
    )
