"""Provides `aisle kiosk`: the kiosk UI with the kiosk's own edge agent in the same process.

The two halves never call each other: the agent publishes its scans to the store broker and the
UI subscribes to its own device's events topic, exactly as when they run apart. The runner only
owns the agent's thread, so the UI's `f` key can switch the agent between replay fixtures and
the camera, and taps the agent's frames (`aisle/frame_tap.py`) for the UI's try-on and photo
search, which run in this process on frames that never leave it.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from aisle.frame_tap import LatestFrame
from aisle.kiosk_features import FeatureSources, build_features, warm_up
from contracts.envelope import describe_validation_error
from edge.agent import EdgeAgent
from edge.config import DeviceConfig, SourceConfig, load_device_config, with_overrides
from edge.errors import ConfigError as EdgeConfigError
from edge.errors import EdgeError
from edge.index.text_rows import TextRows
from edge.search.searcher import PhotoSearcher
from edge.sources.factory import make_source
from edge.sources.tap import TappedSource
from edge.tryon.receiver import ReceiverSettings
from kiosk.__main__ import build_app
from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.errors import ConfigError as KioskConfigError
from kiosk.ports import KioskFeatures

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
REPLAYS_DIR = REPO_ROOT / "tests" / "fixtures" / "replays"
MODELS_MANIFEST = REPO_ROOT / "models" / "manifest.json"
DEMO_TRYON_ASSETS = REPO_ROOT / "tests" / "fixtures" / "tryon"
DEMO_CATALOG = REPO_ROOT / "central" / "data" / "demo_catalog.json"
AGENT_STOP_TIMEOUT_S = 10.0
EXIT_CONFIG = 2


def source_choices(config: DeviceConfig, replays_dir: Path = REPLAYS_DIR) -> list[SourceConfig]:
    """The sources the `f` key cycles through: the configured one, other kiosk replays, camera 0.

    Args:
        config: the kiosk's device config.
        replays_dir: folder of replay fixtures; those named `kiosk_*` are offered.

    Returns:
        At least the configured source; replays loop in real time.
    """
    choices = [config.source]
    configured = config.source.path.resolve() if config.source.path is not None else None
    for folder in sorted(replays_dir.glob("kiosk_*")):
        if folder.is_dir() and folder.resolve() != configured:
            choices.append(SourceConfig(kind="replay", path=folder, realtime=True, loop=True))
    if config.source.kind != "camera":
        choices.append(SourceConfig(kind="camera", camera=0, fps=config.source.fps))
    return choices


def describe_source(source: SourceConfig) -> str:
    """A short label for a source, shown on the kiosk when it switches."""
    if source.kind == "camera":
        return f"camera {source.camera}"
    return f"{source.kind} {Path(str(source.path)).name}"


class AgentHost:
    """Runs the kiosk's edge agent in a thread, one source at a time."""

    def __init__(
        self,
        config: DeviceConfig,
        sources: list[SourceConfig],
        environ: Mapping[str, str],
        frames: LatestFrame | None = None,
    ):
        """Creates the host; `frames`, when given, receives every frame the agent reads."""
        self._config = config
        self._frames = frames
        self._sources = sources
        self._environ = environ
        self._index = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._agent: EdgeAgent | None = None

    def start(self) -> None:
        """Starts the agent on the current source (in a background thread)."""
        config = self._config.model_copy(update={"source": self._sources[self._index]})
        source = make_source(config.source)
        if self._frames is not None:
            source = TappedSource(source, self._frames.offer)
        agent = EdgeAgent(config, environ=self._environ, source=source)
        self._agent = agent
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(agent, self._stop), name="kiosk-edge-agent", daemon=True
        )
        self._thread.start()

    def _run(self, agent: EdgeAgent, stop: threading.Event) -> None:
        try:
            agent.run(stop)
        except EdgeError as exc:
            logger.warning("kiosk edge agent stopped: %s", exc)
        except Exception:
            logger.exception("kiosk edge agent crashed")

    def stop(self) -> None:
        """Stops the agent and waits for it to close its outbox."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(AGENT_STOP_TIMEOUT_S)

    def photo_searcher(self) -> PhotoSearcher | None:
        """The running agent's photo searcher (None before it starts or without `[search]`)."""
        agent = self._agent
        return None if agent is None else agent.photo_searcher

    def text_rows(self) -> TextRows | None:
        """The text rows of the running agent's index (None before it has one)."""
        agent = self._agent
        loaded = None if agent is None else agent.index.current()
        return None if loaded is None else loaded.data.texts

    def switch(self) -> str:
        """Restarts the agent on the next source; returns that source's label."""
        with self._lock:
            self.stop()
            self._index = (self._index + 1) % len(self._sources)
            self.start()
            return describe_source(self._sources[self._index])


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of `aisle kiosk`."""
    parser = argparse.ArgumentParser(prog="aisle kiosk", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="the kiosk's device config")
    parser.add_argument("--hub-url", required=True, help="the hub's HTTP API, http://host:port")
    parser.add_argument("--broker-url", help="mqtt://user@host:port instead of the config's")
    parser.add_argument("--outbox", type=Path, help="keep the outbox in this file")
    parser.add_argument("--index-folder", type=Path, help="keep photo-search indexes here")
    parser.add_argument("--replay", type=Path, help="play this replay fixture first")
    parser.add_argument(
        "--tryon-dir",
        type=Path,
        help="where the kiosk keeps the try-on assets the hub ships; default var/tryon-<device>",
    )
    parser.add_argument(
        "--tryon-assets",
        type=Path,
        help=f"offer this folder of assets (PNG + JSON) instead of the hub's, e.g. "
        f"{DEMO_TRYON_ASSETS.relative_to(REPO_ROOT)} (development)",
    )
    parser.add_argument("--no-tryon", action="store_true", help="turn the try-on off")
    parser.add_argument(
        "--text-catalog",
        type=Path,
        default=DEMO_CATALOG,
        help="catalog JSON whose products text search matches; default: the demo catalog",
    )
    parser.add_argument("--no-text-search", action="store_true", help="turn text search off")
    parser.add_argument(
        "--log-file", type=Path, default=Path("var/kiosk.log"), help="where logs go (not the UI)"
    )
    return parser


def kiosk_settings(config: DeviceConfig, hub_url: str) -> KioskSettings:
    """The UI's settings, taken from the same device config as its edge agent."""
    return KioskSettings(
        store_id=config.store_id,
        device_id=config.device_id,
        hub_url=hub_url,
        broker_url=config.broker.url,
        broker_username=config.broker.username,
        broker_password_env=config.broker.password_env,
    )


def tryon_sources(
    args: argparse.Namespace, config: DeviceConfig, token: str | None
) -> tuple[Path | None, ReceiverSettings | None]:
    """Where try-on assets come from: a local folder when `--tryon-assets` names one, else the
    hub, shipped into `--tryon-dir` (None, None with `--no-tryon`)."""
    if args.no_tryon:
        return None, None
    if args.tryon_assets is not None:
        return args.tryon_assets, None
    folder = args.tryon_dir or Path("var") / f"tryon-{config.device_id}"
    receiver = ReceiverSettings(
        hub_url=args.hub_url,
        store_id=config.store_id,
        device_id=config.device_id,
        folder=folder,
        token=token,
    )
    return folder, receiver


def feature_sources(
    args: argparse.Namespace, config: DeviceConfig, host: AgentHost, token: str | None = None
) -> FeatureSources:
    """Where the kiosk's features find their data; photo search only with `[search]` set, text
    search on the index's text rows with `[index]` set (else on the catalog file's texts)."""
    tryon_folder, tryon_hub = tryon_sources(args, config, token)
    return FeatureSources(
        manifest=MODELS_MANIFEST,
        tryon_assets=tryon_folder,
        tryon_hub=tryon_hub,
        catalog_texts=None if args.no_text_search else args.text_catalog,
        photo_searcher=host.photo_searcher if config.search is not None else None,
        text_rows=host.text_rows if config.index is not None else None,
    )


def compose(args: argparse.Namespace) -> tuple[AgentHost, KioskFeatures, KioskApp]:
    """The agent host, the features on its camera, and the UI, as the options say.

    Raises:
        EdgeConfigError, KioskConfigError, ValidationError: the config or settings are invalid.
    """
    config = with_overrides(
        load_device_config(args.config),
        replay_path=args.replay,
        broker_url=args.broker_url,
        outbox_path=args.outbox,
        index_folder=args.index_folder,
    )
    settings = kiosk_settings(config, args.hub_url)
    token = settings.hub_token(os.environ)
    frames = LatestFrame()
    host = AgentHost(config, source_choices(config), os.environ, frames)
    features = build_features(feature_sources(args, config, host, token), frames)
    app = build_app(
        settings,
        os.environ,
        on_switch_source=host.switch,
        features=features,
    )
    return host, features, app


def main(argv: list[str] | None = None) -> int:
    """Runs the kiosk UI and its edge agent until the shopper or staff quits.

    Returns:
        0 after a normal exit, 2 for a bad config.
    """
    args = build_parser().parse_args(argv)
    args.log_file.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=args.log_file,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        host, features, app = compose(args)
    except EdgeConfigError as exc:
        print("\n".join(exc.problems))
        return EXIT_CONFIG
    except (KioskConfigError, ValidationError) as exc:
        text = describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
        print(f"aisle kiosk: {text}")
        return EXIT_CONFIG
    host.start()
    warm_up(features)
    try:
        app.run()
    finally:
        host.stop()
    return 0
