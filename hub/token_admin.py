"""Provides `aisle hub add-token` and `aisle hub revoke-token`: API tokens for devices and kiosks.

`add-token` makes a random token, stores only its SHA-256 in the hub database and shows the token
once: on stdout, or written to `--token-file` (mode 600, never printed). `revoke-token` revokes
every live token of a device; the next request with one of them gets 401.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from hub.db import api_tokens
from hub.db.connection import open_database, write_transaction

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def add_token(db_path: Path, *, device: str, role: str, created_by: str = "cli") -> str:
    """Issues a token for `device` in the hub database at `db_path` and returns it.

    Raises:
        ValueError: if the role or the device id is not acceptable.
    """
    db = open_database(db_path)
    try:
        with write_transaction(db):
            return api_tokens.issue_token(
                db, device=device, role=role, now=datetime.now(UTC), created_by=created_by
            )
    finally:
        db.close()


def write_token_file(path: Path, token: str) -> None:
    """Writes a token to `path`, readable by its owner only (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    path.chmod(0o600)


def _add_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aisle hub add-token", description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="hub database file")
    parser.add_argument("--device", required=True, help="device, kiosk or service id (1-64)")
    parser.add_argument(
        "--role",
        required=True,
        choices=api_tokens.TOKEN_ROLES,
        help="kiosk (cards, reservations, orders), device, or service (also hub administration)",
    )
    parser.add_argument(
        "--token-file", type=Path, help="write the token here (mode 600) instead of printing it"
    )
    return parser


def add_token_main(argv: Sequence[str]) -> int:
    """Runs `aisle hub add-token`; returns 0, or 2 for bad input."""
    args = _add_parser().parse_args(list(argv))
    try:
        token = add_token(args.db, device=args.device, role=args.role)
    except ValueError as exc:
        print(f"aisle hub add-token: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.token_file is not None:
        write_token_file(args.token_file, token)
        print(f"wrote the {args.role} token of {args.device!r} to {args.token_file}")
    else:
        print(token)
    return EXIT_OK


def revoke_token_main(argv: Sequence[str]) -> int:
    """Runs `aisle hub revoke-token`; returns 0, or 2 when the device had no live token."""
    parser = argparse.ArgumentParser(prog="aisle hub revoke-token", description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="hub database file")
    parser.add_argument("--device", required=True, help="whose tokens to revoke")
    args = parser.parse_args(list(argv))
    db = open_database(args.db)
    try:
        with write_transaction(db):
            revoked = api_tokens.revoke_device_tokens(db, args.device, now=datetime.now(UTC))
    finally:
        db.close()
    if revoked == 0:
        print(f"aisle hub revoke-token: {args.device!r} has no live token", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"revoked {revoked} token(s) of {args.device!r}")
    return EXIT_OK


def token_is_live(db_path: Path, token: str) -> bool:
    """True when `token` is a live (not revoked) token of the hub database at `db_path`."""
    db = open_database(db_path)
    try:
        return api_tokens.find_live_token(db, token) is not None
    finally:
        db.close()


def ensure_token_file(db_path: Path, token_file: Path, *, device: str, role: str) -> str:
    """Returns the live token kept in `token_file`, issuing (and writing) a new one if needed.

    A file whose token was revoked, or that belongs to another database, is replaced.

    Raises:
        ValueError: if the role or the device id is not acceptable.
    """
    if token_file.exists():
        kept = token_file.read_text(encoding="utf-8").strip()
        if kept and token_is_live(db_path, kept):
            return kept
    token = add_token(db_path, device=device, role=role, created_by="aisle store up")
    write_token_file(token_file, token)
    return token
