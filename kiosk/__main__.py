"""Provides the kiosk's entry point: the UI alone, against a running hub and broker.

`python -m kiosk --store S --device D --hub-url URL --broker-url mqtt://user@host:port` (password
in the variable `--broker-password-env` names). `aisle kiosk` wraps `build_app` with the kiosk's
in-process edge agent.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from contracts.envelope import describe_validation_error
from kiosk.app import KioskApp, SourceSwitcher
from kiosk.config import KioskSettings
from kiosk.errors import ConfigError
from kiosk.hub_client import HubClient
from kiosk.ports import KioskFeatures
from kiosk.scan_feed import ScanFeed

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    """The command-line options, one per `KioskSettings` field plus `--no-scanner`."""
    fields = KioskSettings.model_fields
    parser = argparse.ArgumentParser(prog="aisle-kiosk", description=__doc__)

    def option(name: str, field: str, kind: type = str) -> None:
        default = fields[field].default
        required = fields[field].is_required()
        suffix = "" if required or default is None else f" (default: {default})"
        text = f"{fields[field].description}{suffix}"
        parser.add_argument(name, dest=field, type=kind, required=required, help=text)

    option("--store", "store_id")
    option("--device", "device_id")
    option("--hub-url", "hub_url")
    option("--broker-url", "broker_url")
    option("--broker-username", "broker_username")
    option("--broker-password-env", "broker_password_env")
    option("--request-timeout-s", "request_timeout_s", float)
    option("--idle-reset-s", "idle_reset_s", float)
    parser.add_argument(
        "--log-file",
        type=Path,
        help="append logs to this file (the UI owns the terminal, so logs go nowhere else)",
    )
    parser.add_argument(
        "--no-scanner",
        action="store_true",
        help="do not subscribe to the edge agent's scans (type codes only)",
    )
    return parser


def settings_from_args(args: argparse.Namespace) -> KioskSettings:
    """Builds the settings from parsed options, leaving unset ones at their defaults.

    Raises:
        ValidationError: an option value is invalid.
    """
    values = {
        name: getattr(args, name)
        for name in KioskSettings.model_fields
        if getattr(args, name, None) is not None
    }
    return KioskSettings.model_validate(values)


def build_app(
    settings: KioskSettings,
    environ: Mapping[str, str],
    *,
    scanner: bool = True,
    on_switch_source: SourceSwitcher | None = None,
    features: KioskFeatures | None = None,
) -> KioskApp:
    """Composes the kiosk app from its settings.

    Args:
        settings: the kiosk settings.
        environ: where the broker password variable is read.
        scanner: subscribe to the edge agent's scans over MQTT.
        on_switch_source: what the `f` key calls (the runner switches its edge agent's source).
        features: try-on and search ports (the runner builds them on its edge agent's camera).

    Raises:
        ConfigError: the broker password variable or the hub API token is not set.
    """
    feed = ScanFeed.from_settings(settings, environ) if scanner else None
    hub = HubClient.from_settings(settings, environ)
    return KioskApp(hub, feed, settings, on_switch_source=on_switch_source, features=features)


def main(argv: list[str] | None = None) -> int:
    """Runs the kiosk UI until the shopper (or staff) presses `q`.

    Returns:
        0 after a normal exit, 2 for invalid settings.
    """
    args = build_parser().parse_args(argv)
    if args.log_file is not None:
        logging.basicConfig(
            filename=args.log_file,
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    try:
        settings = settings_from_args(args)
        app = build_app(settings, os.environ, scanner=not args.no_scanner)
    except ValidationError as exc:
        print(f"aisle kiosk: invalid settings: {describe_validation_error(exc)}", file=sys.stderr)
        return EXIT_CONFIG
    except ConfigError as exc:
        print(f"aisle kiosk: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    app.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
