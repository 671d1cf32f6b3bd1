"""Provides the store's MQTT broker as a managed child process: mosquitto, or amqtt as fallback.

The broker always runs as its own process (see ARCHITECTURE.md, "The broker"): a broker inside
another aisle process would take acknowledged events down with it. Every client authenticates;
the broker listens on loopback unless told otherwise.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, Protocol
from urllib.parse import quote

from aisle.processes import die_with_parent

logger = logging.getLogger(__name__)

BrokerKind = Literal["mosquitto", "amqtt"]
READY_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
_POLL_S = 0.05


class BrokerError(RuntimeError):
    """The broker could not be installed, configured or started."""


@dataclass(frozen=True, slots=True)
class BrokerEndpoint:
    """Where a running broker listens and how to log in to it."""

    kind: BrokerKind
    host: str
    port: int
    username: str
    password: str

    @property
    def url(self) -> str:
        """The broker URL with credentials, `mqtt://user:pass@host:port`."""
        user, password = quote(self.username, safe=""), quote(self.password, safe="")
        return f"mqtt://{user}:{password}@{self.host}:{self.port}"

    @property
    def url_without_password(self) -> str:
        """The broker URL with the username only, safe to print or log."""
        return f"mqtt://{quote(self.username, safe='')}@{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class BridgeSpec:
    """A mosquitto bridge from this (store) broker to a chain broker.

    Topics are relative to `aisle/<store_id>/` on both sides: the store's device events and
    states go out to the chain, the chain's catalog updates for this store come in. The bridge
    keeps its session at the chain broker (cleansession false), and each side queues QoS 1
    messages while the other is away.
    """

    store_id: str
    host: str
    port: int
    username: str
    password: str
    out_topics: tuple[str, ...] = ("dev/+/events", "dev/+/state")
    in_topics: tuple[str, ...] = ("catalog/#",)
    qos: int = 1
    restart_min_s: int = 1
    restart_max_s: int = 10

    def __repr__(self) -> str:
        return f"BridgeSpec({self.store_id} -> {self.host}:{self.port})"


@dataclass(frozen=True, slots=True)
class BrokerSpec:
    """What to start: the broker's folder, address, the one account clients use, and an
    optional bridge to a chain broker (mosquitto only)."""

    data_dir: Path
    username: str
    password: str
    host: str = "127.0.0.1"
    port: int = 0  # 0: pick a free port
    bridge: BridgeSpec | None = None


class BrokerProcess(Protocol):
    """A broker running as a child process."""

    @property
    def endpoint(self) -> BrokerEndpoint: ...

    @property
    def pid(self) -> int: ...

    def stop(self) -> None: ...


def free_port(host: str = "127.0.0.1") -> int:
    """Returns a TCP port that was free on `host` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(
    host: str, port: int, *, timeout_s: float, process: subprocess.Popen[bytes]
) -> None:
    """Waits until `host:port` accepts a TCP connection.

    Raises:
        BrokerError: if the process exits first or the port is not open within `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrokerError(f"broker exited with code {process.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(_POLL_S)
    raise BrokerError(f"broker did not listen on {host}:{port} within {timeout_s:.0f} s")


class _ChildBroker:
    """A started broker child process and its endpoint."""

    def __init__(self, process: subprocess.Popen[bytes], endpoint: BrokerEndpoint) -> None:
        self._process = process
        self._endpoint = endpoint

    @property
    def endpoint(self) -> BrokerEndpoint:
        return self._endpoint

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        """Stops the broker: SIGTERM, then SIGKILL after `STOP_TIMEOUT_S`."""
        if self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            logger.warning("broker pid=%d ignored SIGTERM; killing it", self._process.pid)
            self._process.kill()
            self._process.wait(timeout=STOP_TIMEOUT_S)


def mosquitto_path() -> str | None:
    """Returns the mosquitto binary, looking in PATH and /usr/sbin (Debian installs it there)."""
    return shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")


def mosquitto_config(spec: BrokerSpec, *, port: int, password_file: Path) -> str:
    """Renders a mosquitto.conf for one authenticated loopback listener with persistence."""
    lines = [
        f"listener {port} {spec.host}",
        "allow_anonymous false",
        f"password_file {password_file}",
        "persistence true",
        f"persistence_location {spec.data_dir}/",
        "autosave_interval 1",
        "set_tcp_nodelay true",
        "max_queued_messages 100000",
        "max_inflight_messages 100",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lines.append("user root")  # as root, mosquitto would drop to a user that cannot write here
    if spec.bridge is not None:
        lines += bridge_config(spec.bridge)
    return "\n".join(lines) + "\n"


def bridge_config(bridge: BridgeSpec) -> list[str]:
    """Renders the mosquitto.conf lines of a bridge to a chain broker."""
    name = f"aisle-{bridge.store_id}-chain"
    prefix = f"aisle/{bridge.store_id}/"
    lines = [
        f"connection {name}",
        f"address {bridge.host}:{bridge.port}",
        "bridge_protocol_version mqttv311",
        f"remote_clientid {name}",
        f"local_clientid {name}-local",
        f"remote_username {bridge.username}",
        f"remote_password {bridge.password}",
        "cleansession false",
        "try_private true",
        "notifications false",
        "keepalive_interval 30",
        f"restart_timeout {bridge.restart_min_s} {bridge.restart_max_s}",
    ]
    lines += [f"topic {t} out {bridge.qos} {prefix} {prefix}" for t in bridge.out_topics]
    lines += [f"topic {t} in {bridge.qos} {prefix} {prefix}" for t in bridge.in_topics]
    return lines


def start_mosquitto(spec: BrokerSpec) -> BrokerProcess:
    """Starts mosquitto with a generated config and password file under `spec.data_dir`.

    Raises:
        BrokerError: if mosquitto is not installed or does not start.
    """
    binary = mosquitto_path()
    passwd_tool = shutil.which("mosquitto_passwd")
    if binary is None or passwd_tool is None:
        raise BrokerError("mosquitto is not installed (Debian/Ubuntu: apt-get install mosquitto)")
    spec.data_dir.mkdir(parents=True, exist_ok=True)
    password_file = spec.data_dir / "passwd"
    password_file.unlink(missing_ok=True)
    subprocess.run(
        [passwd_tool, "-b", "-c", str(password_file), spec.username, spec.password],
        check=True,
        capture_output=True,
    )
    password_file.chmod(0o600)
    port = spec.port or free_port(spec.host)
    config_file = spec.data_dir / "mosquitto.conf"
    config_file.touch(mode=0o600)  # a bridge puts the chain password in it
    config_file.chmod(0o600)
    config_file.write_text(mosquitto_config(spec, port=port, password_file=password_file))
    log = (spec.data_dir / "mosquitto.log").open("ab")
    process = _spawn([binary, "-c", str(config_file)], log)
    endpoint = BrokerEndpoint("mosquitto", spec.host, port, spec.username, spec.password)
    _wait_or_stop(process, endpoint)
    return _ChildBroker(process, endpoint)


def amqtt_config(spec: BrokerSpec, *, port: int, password_file: Path) -> str:
    """Renders an amqtt broker YAML config with file authentication and no anonymous access."""
    return (
        "listeners:\n"
        "  default:\n"
        "    type: tcp\n"
        f"    bind: {spec.host}:{port}\n"
        "plugins:\n"
        "  amqtt.plugins.authentication.FileAuthPlugin:\n"
        f"    password_file: {password_file}\n"
    )


def start_amqtt(spec: BrokerSpec) -> BrokerProcess:
    """Starts the pure-pip amqtt broker as its own process (fallback when mosquitto is absent).

    Raises:
        BrokerError: if amqtt is not installed or does not start, or a bridge is asked for.
    """
    if spec.bridge is not None:
        raise BrokerError("amqtt has no bridge: a store bridged to a chain needs mosquitto")
    try:
        from pwdlib.hashers.argon2 import Argon2Hasher  # amqtt's own dependency
    except ImportError as exc:
        raise BrokerError("amqtt is not installed (pip install amqtt==0.12.1)") from exc
    spec.data_dir.mkdir(parents=True, exist_ok=True)
    password_file = spec.data_dir / "amqtt-passwd"
    password_file.write_text(f"{spec.username}:{Argon2Hasher().hash(spec.password)}\n")
    password_file.chmod(0o600)
    port = spec.port or free_port(spec.host)
    config_file = spec.data_dir / "amqtt.yaml"
    config_file.write_text(amqtt_config(spec, port=port, password_file=password_file))
    log = (spec.data_dir / "amqtt.log").open("ab")
    command = [sys.executable, "-m", "amqtt.scripts.broker_script", "-c", str(config_file)]
    process = _spawn(command, log)
    endpoint = BrokerEndpoint("amqtt", spec.host, port, spec.username, spec.password)
    _wait_or_stop(process, endpoint)
    return _ChildBroker(process, endpoint)


def _spawn(command: list[str], log: BinaryIO) -> subprocess.Popen[bytes]:
    """Starts the broker in its own session (a terminal Ctrl-C must not kill it before the
    devices and the hub have stopped) and tied to this process's life."""
    preexec = die_with_parent if sys.platform.startswith("linux") else None
    with log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=preexec,
        )


def _wait_or_stop(process: subprocess.Popen[bytes], endpoint: BrokerEndpoint) -> None:
    try:
        wait_for_port(endpoint.host, endpoint.port, timeout_s=READY_TIMEOUT_S, process=process)
    except BrokerError:
        process.kill()
        process.wait()
        raise


FALLBACK_WARNING = (
    "mosquitto is not installed: falling back to the pure-pip amqtt broker. amqtt never enforces "
    "keepalive (a frozen client's last will never fires) and has no MQTT 5. Install mosquitto "
    "(apt-get install mosquitto) for a store."
)


def start_broker(spec: BrokerSpec, *, kind: BrokerKind | Literal["auto"] = "auto") -> BrokerProcess:
    """Starts the store broker: mosquitto when installed, otherwise amqtt with a loud warning.

    Args:
        spec: folder, address and credentials.
        kind: force one broker, or "auto".

    Raises:
        BrokerError: if the chosen broker cannot start.
    """
    if kind == "mosquitto" or (kind == "auto" and mosquitto_path() is not None):
        return start_mosquitto(spec)
    if kind == "auto":
        logger.warning(FALLBACK_WARNING)
        print(f"WARNING: {FALLBACK_WARNING}", file=sys.stderr)
    return start_amqtt(spec)
