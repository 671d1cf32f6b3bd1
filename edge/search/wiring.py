"""Provides `build_search_side`: the agent's photo search, composed from its `[search]` section.

Loads and verifies the embedding and detector models (a model that fails its check turns photo
search off and is reported as a degraded reason, the agent keeps scanning), builds the
`PhotoSearcher` whose results go to the outbox, and for glasses the latest-frame view, the asker
thread and the cmd-topic listener.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.payloads import DeviceCommand
from edge.config import DeviceConfig
from edge.errors import EdgeError
from edge.index.active import ActiveIndex
from edge.inference.detector import ObjectDetector
from edge.inference.embedder import ImageEmbedder
from edge.inference.runtime import load_model
from edge.mqtt_clients import BrokerLogin
from edge.outbox.store import OutboxStore
from edge.search.asker import AskSettings, GlassesAsker
from edge.search.commands import CommandListener
from edge.search.crop import CropPolicy
from edge.search.events import SearchEventSink
from edge.search.frames import LatestView
from edge.search.searcher import PhotoSearcher, SearcherSettings
from edge.search_config import PhotoSearchConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SearchSide:
    """The agent's photo search parts; all None when search is off or failed to load.

    Attributes:
        searcher: searches a frame and stores the `search` event (kiosk: `search_frame`).
        sink: the outbox sink (its counters).
        view: the newest frame, for glasses asks.
        asker: the glasses' ask worker (run it on a thread).
        listener: the cmd-topic client feeding the asker.
        reasons: why search is off although configured (degraded reasons).
        models: model name -> version, for the device state.
    """

    searcher: PhotoSearcher | None = None
    sink: SearchEventSink | None = None
    view: LatestView | None = None
    asker: GlassesAsker | None = None
    listener: CommandListener | None = None
    reasons: tuple[str, ...] = ()
    models: dict[str, str] = field(default_factory=dict)


def _load(section: PhotoSearchConfig) -> tuple[ImageEmbedder, ObjectDetector | None]:
    embedder = ImageEmbedder(load_model(section.models_manifest, section.embedder))
    detector = None
    if section.detector is not None:
        detector = ObjectDetector(load_model(section.models_manifest, section.detector))
    return embedder, detector


def _settings(section: PhotoSearchConfig) -> SearcherSettings:
    return SearcherSettings(
        k=section.k,
        near_equal_margin=section.near_equal_margin,
        fallback_threshold=section.fallback_threshold,
        crop=CropPolicy(centre_share=section.centre_share),
    )


def _on_command(asker: GlassesAsker) -> Callable[[DeviceCommand], None]:
    def handle(command: DeviceCommand) -> None:
        if command.command == "what_is_this":
            asker.ask(command.id)

    return handle


def build_search_side(
    config: DeviceConfig,
    *,
    outbox: OutboxStore,
    notify: Callable[[], None],
    index: ActiveIndex,
    login: BrokerLogin,
) -> SearchSide:
    """Builds photo search as the `[search]` section says (an empty side without one).

    Args:
        config: the device config.
        outbox: where `search` events are stored.
        notify: wakes the outbox publisher.
        index: the running index (read once per query).
        login: broker login for the glasses' command client.
    """
    section = config.search
    if section is None:
        return SearchSide()
    try:
        embedder, detector = _load(section)
    except EdgeError as exc:
        reason = f"photo search off: {exc}"
        logger.warning("device %s %s", config.device_id, reason)
        return SearchSide(reasons=(reason,))
    sink = SearchEventSink(outbox, notify=notify)
    searcher = PhotoSearcher(
        embedder, index.current, detector=detector, settings=_settings(section), on_result=sink
    )
    models = {embedder.model.name: embedder.model.entry.version}
    if detector is not None:
        models[detector.model.name] = detector.model.entry.version
    if config.profile != "glasses" or not (section.ask_on_command or section.ask_interval_s):
        return SearchSide(searcher, sink, models=models)
    return _glasses_side(config, section, SearchSide(searcher, sink, models=models), login)


def _glasses_side(
    config: DeviceConfig, section: PhotoSearchConfig, side: SearchSide, login: BrokerLogin
) -> SearchSide:
    """Adds the latest-frame view, the asker and (for commands) the cmd-topic listener."""
    assert side.searcher is not None  # built by the caller
    view = LatestView()
    settings = AskSettings(frame_wait_s=section.frame_wait_s, interval_s=section.ask_interval_s)
    asker = GlassesAsker(side.searcher, view, settings)
    listener = None
    if section.ask_on_command:
        listener = CommandListener(
            login, store_id=config.store_id, device_id=config.device_id, handler=_on_command(asker)
        )
    return SearchSide(side.searcher, side.sink, view, asker, listener, models=side.models)
