"""Provides `aisle central`: run the reference central catalog service over HTTP."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from central.app import create_app
from central.config import CentralSettings
from central.errors import SeedError
from central.repository import CentralRepository
from central.seed import read_seed, resolve_seed

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aisle central",
        description="Run the reference central catalog service (FastAPI + SQLite, routes /v1).",
    )
    parser.add_argument("--db", required=True, help="SQLite database file (created if missing)")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8100, help="TCP port (default 8100)")
    parser.add_argument(
        "--seed",
        help="load `demo` (the committed demo catalog) or a seed JSON file into an empty database",
    )
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs central until interrupted.

    Args:
        argv: command-line arguments (defaults to `sys.argv[1:]`).

    Returns:
        0 after a clean shutdown, 2 for a bad seed file.
    """
    args = _parser().parse_args(argv)
    settings = CentralSettings(
        db_path=args.db, host=args.host, port=args.port, seed=args.seed, log_level=args.log_level
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    repository = CentralRepository.from_path(settings.db_path)
    if settings.seed is not None:
        try:
            catalog = read_seed(resolve_seed(settings.seed))
        except SeedError as exc:
            print(f"aisle central: {exc.message}", file=sys.stderr)
            return 2
        loaded = repository.load_seed(catalog)
        logger.info(
            "seed %s: %d products loaded (0: database already held a catalog)",
            settings.seed,
            loaded,
        )
    config = uvicorn.Config(
        create_app(repository),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
