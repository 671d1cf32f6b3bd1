"""Provides `aisle edge`: run one edge device from its config file, or check a config file.

Composition root only: arguments -> config -> `EdgeAgent` -> run until SIGINT/SIGTERM.

Exit codes: 0 success, 1 runtime failure (e.g. the source cannot be opened), 2 bad config or usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from edge.agent import EdgeAgent
from edge.config import DeviceConfig, device_config_schema, load_device_config, with_overrides
from edge.errors import ConfigError, EdgeError

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aisle edge", description="Run one edge device (kiosk or glasses profile)."
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--config", type=Path, help="device config, firmware_configs/<store>/<device>.toml"
    )
    mode.add_argument(
        "--validate-config", type=Path, metavar="PATH", help="check a config file and exit"
    )
    mode.add_argument(
        "--schema", action="store_true", help="print the config's JSON Schema and exit"
    )
    parser.add_argument(
        "--replay", type=Path, metavar="PATH", help="play this replay fixture instead"
    )
    parser.add_argument(
        "--realtime", action="store_true", help="pace a replay or video in real time"
    )
    parser.add_argument("--broker-url", metavar="URL", help="connect to mqtt://host:port instead")
    parser.add_argument("--outbox", type=Path, metavar="PATH", help="keep the outbox in this file")
    parser.add_argument(
        "--index-folder", type=Path, metavar="DIR", help="keep photo-search indexes in this folder"
    )
    parser.add_argument(
        "--exit-at-end",
        action="store_true",
        help="play the source once, exit when every event is acknowledged (replays, tests)",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    return parser


def _validate(path: Path) -> int:
    try:
        load_device_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem)
        return 2
    print("ok")
    return 0


def _load(args: argparse.Namespace) -> DeviceConfig:
    config = load_device_config(args.config)
    return with_overrides(
        config,
        replay_path=args.replay,
        realtime=True if args.realtime else None,
        loop=False if args.exit_at_end else None,
        broker_url=args.broker_url,
        outbox_path=args.outbox,
        index_folder=args.index_folder,
    )


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _run(args: argparse.Namespace) -> int:
    try:
        config = _load(args)
        agent = EdgeAgent(config)
    except ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 2
    try:
        if args.exit_at_end:
            stats = agent.run_until_source_ends()
            print(
                json.dumps(
                    {
                        "scans_stored": stats.pipeline.scans_stored,
                        "outbox_depth": stats.outbox.depth,
                    }
                )
            )
            return 0 if stats.outbox.depth == 0 else 1
        stop = threading.Event()
        _stop_on_signals(stop)
        agent.run(stop)
    except EdgeError as exc:
        print(f"aisle edge: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Runs `aisle edge`.

    Args:
        argv: arguments after `aisle edge`; defaults to `sys.argv[1:]`.

    Returns:
        The exit code: 0 ok, 1 runtime failure, 2 bad config or usage.
    """
    args = _parser().parse_args(argv)
    if args.schema:
        print(json.dumps(device_config_schema(), indent=2))
        return 0
    if args.validate_config is not None:
        return _validate(args.validate_config)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return _run(args)


if __name__ == "__main__":
    raise SystemExit(main())
