"""Provides `EdgeAgent`: one device's source, scan pipeline, outbox and publisher, run as threads.

The agent is composed from a `DeviceConfig` and can run in its own process (`aisle edge`) or in a
thread of another process (the kiosk runs its camera's agent beside its UI):

    agent = EdgeAgent(config)
    agent.run(stop)                     # until `stop` is set
    stats = agent.run_until_source_ends()   # replays: until every frame is processed and delivered

An agent runs once; build a new one (e.g. with `edge.config.with_overrides`) to switch sources.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from contracts.envelope import Envelope
from contracts.payloads import DeviceState
from edge.config import DeviceConfig, broker_password
from edge.core.barcode import ConsensusConfig, ScanConsensus
from edge.errors import EdgeError
from edge.index.active import ActiveIndex
from edge.index.receiver import IndexReceiver
from edge.index.transfer import IndexTransfer, TransferSettings, load_installed
from edge.mqtt_clients import BrokerLogin
from edge.outbox.publisher import OutboxPublisher, PublisherSettings, PublisherStats
from edge.outbox.store import OutboxStats, OutboxStore
from edge.pipeline import FrameQueue, FrameScanner, PipelineStats, ScanPipeline
from edge.scan.scanner import BarcodeScanner
from edge.search.searcher import PhotoSearcher
from edge.search.wiring import SearchSide, build_search_side
from edge.sources.base import FrameSource
from edge.sources.factory import make_source
from edge.sources.tap import TappedSource

logger = logging.getLogger(__name__)

STATE_POLL_S = 0.1  # how often the supervising thread looks at the pipeline between states
THREAD_JOIN_S = 10.0  # longest wait for a worker thread at shutdown


@dataclass(frozen=True, slots=True)
class AgentStats:
    """A snapshot of everything the agent counts."""

    pipeline: PipelineStats
    outbox: OutboxStats
    publisher: PublisherStats
    degraded_reasons: tuple[str, ...]


def publisher_settings(config: DeviceConfig, password: str) -> PublisherSettings:
    """Builds the publisher's settings from a device config and its broker password."""
    broker = config.broker
    return PublisherSettings(
        store_id=config.store_id,
        device_id=config.device_id,
        profile=config.profile,
        host=broker.host,
        port=broker.port,
        username=broker.login_name,
        password=password,
        tls=broker.tls,
        tls_ca_path=broker.tls_ca_path,
        keepalive_s=broker.keepalive_s,
        reconnect_min_s=broker.reconnect_min_s,
        reconnect_max_s=broker.reconnect_max_s,
    )


def build_index_side(
    config: DeviceConfig, password: str
) -> tuple[ActiveIndex, IndexReceiver | None]:
    """The running index (the installed version, if any) and, with an `index` section, the
    receiver that fetches new versions into it."""
    index = config.index
    if index is None:
        return ActiveIndex(), None
    active = ActiveIndex(load_installed(index.folder))
    settings = TransferSettings(
        store_id=config.store_id,
        device_id=config.device_id,
        folder=index.folder,
        window_chunks=index.window_chunks,
        chunk_timeout_s=index.chunk_timeout_s,
        max_chunk_retries=index.max_chunk_retries,
        model_sha256=index.model_sha256,
    )
    transfer = IndexTransfer(settings, active)
    receiver = IndexReceiver(
        transfer,
        broker_login(config, password),
        store_id=config.store_id,
        device_id=config.device_id,
    )
    return active, receiver


def broker_login(config: DeviceConfig, password: str) -> BrokerLogin:
    """The login of the agent's extra broker clients (index receiver, command listener)."""
    broker = config.broker
    return BrokerLogin(
        broker.host,
        broker.port,
        broker.login_name,
        password,
        tls=broker.tls,
        tls_ca_path=broker.tls_ca_path,
        keepalive_s=broker.keepalive_s,
        reconnect_min_s=broker.reconnect_min_s,
        reconnect_max_s=broker.reconnect_max_s,
    )


def build_pipeline(
    config: DeviceConfig,
    source: FrameSource,
    scanner: FrameScanner,
    outbox: OutboxStore,
    *,
    on_event: Callable[[Envelope], None],
) -> ScanPipeline:
    """Wires source, scanner, consensus and outbox as the config says.

    A live source (camera, or real-time playback) drops the oldest frame when decoding falls
    behind; a replay played as fast as possible waits, so every frame is decoded.
    """
    scan = config.scan
    consensus = ScanConsensus(
        ConsensusConfig(scan.consensus_frames, scan.window_frames, scan.rearm_after_frames)
    )
    live = config.source.kind == "camera" or config.source.realtime
    queue = FrameQueue(config.frame_queue_frames, drop_oldest=live)
    return ScanPipeline(source, scanner, consensus, outbox, queue=queue, on_event=on_event)


class EdgeAgent:
    """One edge device: frames in, scan events out through the outbox to the broker."""

    def __init__(
        self,
        config: DeviceConfig,
        *,
        environ: Mapping[str, str] | None = None,
        source: FrameSource | None = None,
        scanner: FrameScanner | None = None,
        on_event: Callable[[Envelope], None] | None = None,
    ) -> None:
        """Builds the agent; opens the outbox file, nothing else runs yet.

        Args:
            config: the device config.
            environ: where the broker password variable is read; defaults to `os.environ`.
            source: frame source to use instead of the configured one.
            scanner: barcode decoder; defaults to `BarcodeScanner()`.
            on_event: also called with every stored envelope (processing thread; must not block).

        Raises:
            ConfigError: if the broker password variable is unset or holds a default password.
        """
        self.config = config
        password = broker_password(config, environ)
        self._outbox = OutboxStore(
            config.outbox.path,
            store_id=config.store_id,
            device_id=config.device_id,
            budget_bytes=int(config.outbox.budget_mb * 1_000_000),
        )
        self._publisher = OutboxPublisher(self._outbox, publisher_settings(config, password))
        self.index, self._index_receiver = build_index_side(config, password)
        self._search: SearchSide = build_search_side(
            config,
            outbox=self._outbox,
            notify=self._publisher.notify,
            index=self.index,
            login=broker_login(config, password),
        )
        self._source = source if source is not None else make_source(config.source)
        if self._search.view is not None:
            view = self._search.view
            self._source = TappedSource(self._source, view.offer, on_close=view.clear)
        self._extra_listener = on_event
        self._pipeline = build_pipeline(
            config,
            self._source,
            scanner if scanner is not None else BarcodeScanner(),
            self._outbox,
            on_event=self._event_stored,
        )
        self._halt = threading.Event()
        self._started = False
        self._threads: list[threading.Thread] = []
        self._publisher_stop = threading.Event()

    @property
    def photo_searcher(self) -> PhotoSearcher | None:
        """Photo search on this device (`search_frame(frame)`), None without `[search]`.

        Each search is stored in the outbox as a `search` event; the frame is not kept.
        """
        return self._search.searcher

    def wait_commands_ready(self, timeout_s: float) -> bool:
        """Waits until the cmd-topic client is subscribed (True at once when there is none)."""
        listener = self._search.listener
        return listener is None or listener.wait_connected(timeout_s)

    def _event_stored(self, envelope: Envelope) -> None:
        self._publisher.notify()
        if self._extra_listener is not None:
            self._extra_listener(envelope)

    def run(self, stop: threading.Event) -> None:
        """Runs until `stop` is set, then stops every thread, says offline and closes the outbox.

        When a source without `loop` ends, the agent stays connected (delivering what is left
        and publishing its state) until `stop`.

        Raises:
            SourceUnavailable: if the source cannot be opened.
            EdgeError: if the agent already ran.
        """
        self._start()
        try:
            self._supervise(stop, until_source_ends=False)
        finally:
            self._shutdown()

    def run_until_source_ends(self, *, drain_timeout_s: float = 30.0) -> AgentStats:
        """Runs until the source ends and every event is acknowledged (or the timeout passes).

        Args:
            drain_timeout_s: longest wait for the broker to acknowledge the stored events.

        Returns:
            The final counters (check `outbox.depth` to see whether everything was delivered).

        Raises:
            SourceUnavailable: if the source cannot be opened.
            EdgeError: if the agent already ran.
        """
        self._start()
        try:
            self._supervise(threading.Event(), until_source_ends=True)
            if not self._publisher.wait_drained(drain_timeout_s):
                logger.warning(
                    "device %s: %d events not acknowledged after %.0f s; they stay in the outbox",
                    self.config.device_id,
                    self._outbox.stats().depth,
                    drain_timeout_s,
                )
            return self.stats()
        finally:
            self._shutdown()

    def stats(self) -> AgentStats:
        """Current counters (any thread)."""
        return AgentStats(
            self._pipeline.stats(),
            self._outbox.stats(),
            self._publisher.stats(),
            tuple(self._degraded_reasons()),
        )

    def _start(self) -> None:
        if self._started:
            raise EdgeError("an EdgeAgent runs once; build a new one to run again")
        self._started = True
        try:
            self._source.open()
        except Exception:
            self._outbox.close()
            raise
        workers = {
            "publisher": lambda: self._publisher.run(self._publisher_stop),
            "capture": lambda: self._pipeline.capture_loop(self._halt),
            "process": lambda: self._pipeline.process_loop(self._halt),
        }
        for role, target in workers.items():
            name = f"edge-{self.config.device_id}-{role}"
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._start_search()
        if self._index_receiver is not None:
            self._index_receiver.start()
        logger.info("device %s running from %s", self.config.device_id, self._source.name)

    def _start_search(self) -> None:
        asker = self._search.asker
        if asker is not None:
            name = f"edge-{self.config.device_id}-search"
            thread = threading.Thread(target=asker.run, args=(self._halt,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        if self._search.listener is not None:
            self._search.listener.start()

    def _supervise(self, stop: threading.Event, *, until_source_ends: bool) -> None:
        next_state_s = 0.0
        while not stop.is_set():
            if until_source_ends and self._pipeline.wait_finished(0):
                break
            now_s = time.monotonic()
            if now_s >= next_state_s:
                self._publisher.set_state(self._state())
                next_state_s = now_s + self.config.state_interval_s
            stop.wait(STATE_POLL_S)
        self._publisher.set_state(self._state())

    def _degraded_reasons(self) -> list[str]:
        reasons = []
        health = self._source.health()
        if health.degraded_reason is not None:
            reasons.append(health.degraded_reason)
        refused = self._outbox.stats().refused
        if refused:
            reasons.append(f"outbox full: {refused} events refused")
        if self._index_receiver is not None:
            reasons += self._index_receiver.stats().transfer.refused
        reasons += self._search.reasons
        return reasons

    def _state(self) -> DeviceState:
        reasons = self._degraded_reasons()
        return DeviceState(
            device=self.config.device_id,
            profile=self.config.profile,
            status="degraded" if reasons else "online",
            ts=datetime.now(UTC),
            reasons=reasons,
            fps=self._pipeline.stats().fps,
            outbox_depth=self._outbox.stats().depth,
            index_version=self.index.version,
            models=dict(self._search.models),
        )

    def _shutdown(self) -> None:
        self._halt.set()
        self._source.close()
        if self._search.listener is not None:
            self._search.listener.stop()
        if self._index_receiver is not None:
            self._index_receiver.stop()
        for thread in self._threads[1:]:
            thread.join(THREAD_JOIN_S)
        self._publisher_stop.set()
        if self._threads:
            self._threads[0].join(THREAD_JOIN_S)
        alive = [thread.name for thread in self._threads if thread.is_alive()]
        if alive:  # leave the outbox open for them; its rows are safe on disk either way
            logger.warning("device %s: threads still running: %s", self.config.device_id, alive)
            return
        self._outbox.close()
        logger.info("device %s stopped", self.config.device_id)
