"""Provides the `--chain-broker` / `--chain-credentials` options of `aisle store up`: the store
broker bridged to a chain broker (`BridgeSpec`, mosquitto only; see docs/scale.md).

    aisle store up --chain-broker chain.example.net:1883 --chain-credentials var/chain-login

The credentials file holds one line `username:password` (the password may contain ':'), is kept
out of argv and process listings, and must not be readable by group or others (chmod 600).
Every bad value is refused before anything starts, with a message that says what to fix.
"""

from __future__ import annotations

import argparse
import stat
from pathlib import Path

from aisle.broker import BridgeSpec

HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]")


class ChainOptionError(ValueError):
    """A `--chain-broker` or `--chain-credentials` value that cannot be used."""


def parse_address(value: str) -> tuple[str, int]:
    """Splits `HOST:PORT` (IPv6 as `[::1]:PORT`).

    Raises:
        ChainOptionError: if it is not HOST:PORT with a port in 1..65535.
    """
    host, sep, port_text = value.strip().rpartition(":")
    if not sep or not host or not port_text:
        raise ChainOptionError(f"--chain-broker {value!r}: expected HOST:PORT, e.g. chain:1883")
    if not set(host) <= HOST_CHARS:
        raise ChainOptionError(f"--chain-broker {value!r}: {host!r} is not a host name or address")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ChainOptionError(f"--chain-broker {value!r}: port must be a number in 1..65535")
    return host.removeprefix("[").removesuffix("]"), int(port_text)


def read_credentials(path: Path) -> tuple[str, str]:
    """Reads `username:password` from a private file.

    Raises:
        ChainOptionError: if the file is missing, readable by others, or not `user:password`.
    """
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ChainOptionError(f"--chain-credentials {path}: cannot read it ({exc})") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ChainOptionError(
            f"--chain-credentials {path}: readable by group or others; chmod 600 {path}"
        )
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    username, sep, password = lines[0].partition(":") if len(lines) == 1 else ("", "", "")
    if not sep or not username or not password:
        raise ChainOptionError(f"--chain-credentials {path}: expected one line 'username:password'")
    return username, password


def chain_bridge(
    address: str | None, credentials: Path | None, *, store_id: str
) -> BridgeSpec | None:
    """The bridge the options ask for (None without `--chain-broker`).

    Raises:
        ChainOptionError: for a bad address, a bad or missing credentials file, or credentials
            without an address.
    """
    if address is None:
        if credentials is not None:
            raise ChainOptionError("--chain-credentials needs --chain-broker HOST:PORT")
        return None
    host, port = parse_address(address)
    if credentials is None:
        raise ChainOptionError(
            "--chain-broker needs --chain-credentials FILE (one line 'username:password')"
        )
    username, password = read_credentials(credentials)
    return BridgeSpec(store_id, host, port, username, password)


def add_chain_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds `--chain-broker` and `--chain-credentials` to `aisle store up`."""
    parser.add_argument(
        "--chain-broker",
        metavar="HOST:PORT",
        help="bridge the store broker to this chain broker (mosquitto only; docs/scale.md)",
    )
    parser.add_argument(
        "--chain-credentials",
        type=Path,
        metavar="FILE",
        help="the chain broker login: one line 'username:password', chmod 600",
    )
