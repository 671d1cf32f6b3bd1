"""Provides `aisle store up`: the whole demo store as supervised processes on this machine.

Order: broker, central (demo catalog), hub, glasses edge agent, then the kiosk UI in the
foreground (or, with `--headless`, the kiosk's edge agent without UI). Quitting the kiosk, Ctrl-C
or SIGTERM stops every child in reverse order; none outlives the supervisor.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Literal

from aisle.broker import (
    BridgeSpec,
    BrokerEndpoint,
    BrokerError,
    BrokerKind,
    BrokerSpec,
    free_port,
    start_broker,
)
from aisle.broker_chain import ChainOptionError, add_chain_arguments, chain_bridge
from aisle.processes import Child, ChildFailed, ChildSpec, aisle_argv
from hub.token_admin import ensure_token_file

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_TRYON_PHOTOS = REPO_ROOT / "hub" / "data" / "tryon_photos"  # garment photos, CC0
PASSWORD_ENV = "AISLE_MQTT_PASSWORD"
STAFF_PASSWORD_ENV = "AISLE_STAFF_PASSWORD"
HUB_TOKEN_ENV = "AISLE_HUB_TOKEN"
DEMO_MANAGER = "manager"
READY_TIMEOUT_S = 60.0
MQTT_USERNAME = "aisle"


@dataclass(frozen=True, slots=True)
class StoreOptions:
    """What `aisle store up` runs, from its command line."""

    data_dir: Path
    store_id: str
    kiosk_config: Path
    glasses_config: Path
    stock_seed: Path
    broker_kind: BrokerKind | Literal["auto"]
    central_port: int
    hub_port: int
    headless: bool
    chain: BridgeSpec | None = None  # --chain-broker: bridge to a chain broker


def broker_url(endpoint: BrokerEndpoint) -> str:
    """The broker URL children get: username only; the password travels in `PASSWORD_ENV`."""
    return endpoint.url_without_password


def _options(**values: str) -> tuple[str, ...]:
    """Turns `db_path="x"` into `("--db-path", "x")`, in order."""
    pairs = [(f"--{name.replace('_', '-')}", value) for name, value in values.items()]
    return tuple(part for pair in pairs for part in pair)


def _central(options: StoreOptions) -> ChildSpec:
    argv = aisle_argv(
        "central",
        *_options(
            db=str(options.data_dir / "central.db"),
            seed="demo",
            host="127.0.0.1",
            port=str(options.central_port),
        ),
    )
    return ChildSpec("central", argv, ready_url=f"{central_url(options)}/v1/health")


def hub_settings_file(options: StoreOptions) -> Path:
    """The demo hub's settings file: build a photo/text-search index once the catalog arrives."""
    return options.data_dir / "hub.toml"


def write_hub_settings(options: StoreOptions) -> Path:
    """Writes `hub_settings_file` (flags given to the hub add the rest and win)."""
    path = hub_settings_file(options)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[index]\nbuild_on_start = true\n", encoding="utf-8")
    return path


def _hub(options: StoreOptions, endpoint: BrokerEndpoint) -> ChildSpec:
    argv = aisle_argv(
        "hub",
        *_options(
            config=str(hub_settings_file(options)),
            store=options.store_id,
            db=str(options.data_dir / "hub.db"),
            broker_url=broker_url(endpoint),
            central_url=central_url(options),
            host="127.0.0.1",
            port=str(options.hub_port),
            seed_stock=str(options.stock_seed),
            tryon_photos=str(DEMO_TRYON_PHOTOS),
        ),
    )
    env = {PASSWORD_ENV: endpoint.password}
    return ChildSpec("hub", argv, env=env, ready_url=f"{hub_url(options)}/api/v1/health")


def _device_args(options: StoreOptions, endpoint: BrokerEndpoint, config: Path) -> tuple[str, ...]:
    outbox = options.data_dir / f"{config.stem}-outbox.db"
    index = options.data_dir / f"{config.stem}-index"
    return _options(
        config=str(config),
        broker_url=broker_url(endpoint),
        outbox=str(outbox),
        index_folder=str(index),
    )


def _kiosk(options: StoreOptions, endpoint: BrokerEndpoint, hub_token: str) -> ChildSpec:
    env = {PASSWORD_ENV: endpoint.password}
    if hub_token:
        env[HUB_TOKEN_ENV] = hub_token
    device_args = _device_args(options, endpoint, options.kiosk_config)
    if options.headless:
        return ChildSpec("kiosk-edge", aisle_argv("edge", *device_args), env=env)
    log_file = str(options.data_dir / "logs" / "kiosk.log")
    tryon_dir = str(options.data_dir / f"{options.kiosk_config.stem}-tryon")
    ui_args = _options(hub_url=hub_url(options), log_file=log_file, tryon_dir=tryon_dir)
    return ChildSpec("kiosk", aisle_argv("kiosk", *device_args, *ui_args), env=env, foreground=True)


def central_url(options: StoreOptions) -> str:
    """Where central listens."""
    return f"http://127.0.0.1:{options.central_port}"


def hub_url(options: StoreOptions) -> str:
    """Where the hub's API and dashboard listen."""
    return f"http://127.0.0.1:{options.hub_port}"


def plan_children(
    options: StoreOptions, endpoint: BrokerEndpoint, hub_token: str = ""
) -> list[ChildSpec]:
    """Lists the store's processes after the broker, in start order (pure).

    Args:
        options: the store's command-line options.
        endpoint: the running broker.
        hub_token: the kiosk's hub API token, passed to it in `AISLE_HUB_TOKEN`.

    Returns:
        Central, hub, glasses agent, then the kiosk (UI in the foreground, or headless agent).
    """
    glasses_args = _device_args(options, endpoint, options.glasses_config)
    env = {PASSWORD_ENV: endpoint.password}
    glasses = ChildSpec("glasses", aisle_argv("edge", *glasses_args), env=env)
    kiosk = _kiosk(options, endpoint, hub_token)
    return [_central(options), _hub(options, endpoint), glasses, kiosk]


def ensure_demo_manager(data_dir: Path) -> str:
    """Creates the demo store's manager account once and returns its password.

    The password is random, kept in `<data_dir>/staff-password` (mode 600) so a restarted demo
    store keeps it, and handed to `aisle hub add-user` through the environment, never argv.

    Raises:
        subprocess.CalledProcessError: if `aisle hub add-user` fails.
    """
    secret_file = data_dir / "staff-password"
    if secret_file.exists():
        return secret_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(9)
    argv = aisle_argv(
        "hub",
        "add-user",
        "--db",
        str(data_dir / "hub.db"),
        "--username",
        DEMO_MANAGER,
        "--role",
        "manager",
        "--password-env",
        STAFF_PASSWORD_ENV,
    )
    env = {**os.environ, STAFF_PASSWORD_ENV: password}
    subprocess.run(argv, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    secret_file.write_text(password + "\n")
    secret_file.chmod(0o600)
    return password


def ensure_kiosk_token(options: StoreOptions) -> str:
    """The kiosk's hub API token, kept in `<data_dir>/<kiosk>-hub-token` (mode 600).

    Issued once with role `kiosk` for the device named by the kiosk config's file name; reissued
    when the kept one was revoked or the database was replaced.
    """
    device = options.kiosk_config.stem
    token_file = options.data_dir / f"{device}-hub-token"
    return ensure_token_file(options.data_dir / "hub.db", token_file, device=device, role="kiosk")


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of `aisle store`."""
    parser = argparse.ArgumentParser(prog="aisle store", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    up = sub.add_parser("up", help="run the demo store until the kiosk quits or Ctrl-C")
    up.add_argument("--headless", action="store_true", help="no kiosk UI (servers, tests)")
    up.add_argument("--data-dir", type=Path, default=Path("var/store"))
    up.add_argument("--store-id", default="demo")
    configs = REPO_ROOT / "firmware_configs" / "demo"
    up.add_argument("--kiosk-config", type=Path, default=configs / "kiosk-1.toml")
    up.add_argument("--glasses-config", type=Path, default=configs / "glasses-1.toml")
    up.add_argument(
        "--stock-seed", type=Path, default=REPO_ROOT / "hub" / "data" / "demo_store_stock.json"
    )
    up.add_argument(
        "--broker", dest="broker_kind", default="auto", choices=["auto", "mosquitto", "amqtt"]
    )
    up.add_argument("--central-port", type=int, default=0, help="0 picks a free port")
    up.add_argument("--hub-port", type=int, default=8080, help="dashboard port (0: free port)")
    add_chain_arguments(up)
    return parser


def parse_options(argv: list[str] | None) -> StoreOptions:
    """Parses `aisle store up` options, resolving free ports."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        chain = chain_bridge(args.chain_broker, args.chain_credentials, store_id=args.store_id)
    except ChainOptionError as exc:
        parser.error(str(exc))
    if chain is not None and args.broker_kind == "amqtt":
        parser.error("--chain-broker needs mosquitto (amqtt has no bridge); drop --broker amqtt")
    return StoreOptions(
        data_dir=args.data_dir.resolve(),
        store_id=args.store_id,
        kiosk_config=args.kiosk_config,
        glasses_config=args.glasses_config,
        stock_seed=args.stock_seed,
        broker_kind=args.broker_kind,
        central_port=args.central_port or free_port(),
        hub_port=args.hub_port or free_port(),
        headless=args.headless,
        chain=chain,
    )


def store_broker_spec(options: StoreOptions, password: str) -> BrokerSpec:
    """The store broker: its folder, the one login, and the chain bridge when asked for."""
    return BrokerSpec(options.data_dir / "broker", MQTT_USERNAME, password, bridge=options.chain)


class Store:
    """The running store: the broker and its child processes."""

    def __init__(self, options: StoreOptions) -> None:
        self.options = options
        self.children: list[Child] = []
        self.stopping = threading.Event()

    def run(self) -> int:
        """Starts everything, waits for the kiosk or a signal, stops everything.

        Returns:
            0 after a clean stop, 1 when a process failed to start or died.
        """
        spec = store_broker_spec(self.options, secrets.token_urlsafe(16))
        try:
            broker = start_broker(spec, kind=self.options.broker_kind)
        except BrokerError as exc:
            print(f"aisle store: broker failed: {exc}", file=sys.stderr)
            return 1
        try:
            return self._run_children(broker.endpoint)
        finally:
            for child in reversed(self.children):
                child.stop()
            broker.stop()
            print("aisle store: stopped", flush=True)

    def _run_children(self, endpoint: BrokerEndpoint) -> int:
        log_dir = self.options.data_dir / "logs"
        write_hub_settings(self.options)
        try:
            password = ensure_demo_manager(self.options.data_dir)
        except subprocess.CalledProcessError as exc:
            print(f"aisle store: could not create the demo staff account: {exc}", file=sys.stderr)
            return 1
        hub_token = ensure_kiosk_token(self.options)
        print(f"aisle store: broker {endpoint.kind} at {broker_url(endpoint)}", flush=True)
        if self.options.chain is not None:
            print(f"aisle store: bridged to chain broker {self.options.chain!r}", flush=True)
        for spec in plan_children(self.options, endpoint, hub_token):
            if self.stopping.is_set():
                return 0
            child = Child(spec, log_dir=log_dir)
            self.children.append(child)
            try:
                child.wait_ready(timeout_s=READY_TIMEOUT_S)
            except ChildFailed as exc:
                print(f"aisle store: {exc}", file=sys.stderr)
                return 1
            where = f" (log {child.log_path})" if child.log_path else ""
            print(f"aisle store: {spec.name} started, pid {child.pid}{where}", flush=True)
            if spec.name == "hub":
                print(
                    f"aisle store: dashboard {hub_url(self.options)}/dashboard "
                    f"(log in as {DEMO_MANAGER} / {password})",
                    flush=True,
                )
        return self._supervise()

    def _supervise(self) -> int:
        """Waits until the kiosk exits, a child dies, or a signal asks to stop."""
        kiosk = self.children[-1]
        while not self.stopping.wait(0.5):
            if kiosk.spec.foreground and kiosk.poll() is not None:
                return 0
            for child in self.children:
                code = child.poll()
                if code is not None:
                    print(
                        f"aisle store: {child.spec.name} exited with {code}; see {child.log_path}",
                        file=sys.stderr,
                    )
                    return 1
        return 0

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler: asks the supervisor loop to stop everything."""
        del frame
        print(f"aisle store: {signal.Signals(signum).name} received, stopping", flush=True)
        self.stopping.set()


def main(argv: list[str] | None = None) -> int:
    """Runs `aisle store up`."""
    store = Store(parse_options(argv))
    signal.signal(signal.SIGTERM, store.request_stop)
    signal.signal(signal.SIGINT, store.request_stop)
    return store.run()
