"""Provides `aisle hub add-user`: creates a staff account in a hub database.

The password comes from a prompt (typed twice, not echoed) or from the environment variable
named by `--password-env` (for scripts); it is never a command-line argument.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from hub.db import staff as staff_db
from hub.db.connection import open_database, write_transaction
from hub.domain.dashboard.forms import check_new_user
from hub.domain.passwords import hash_password
from hub.domain.staff import ROLES

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser of `aisle hub add-user`."""
    parser = argparse.ArgumentParser(prog="aisle hub add-user", description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="hub database file")
    parser.add_argument("--username", required=True, help="login name (3-64: A-Z a-z 0-9 . _ -)")
    parser.add_argument("--role", required=True, choices=ROLES, help="associate or manager")
    parser.add_argument(
        "--password-env", metavar="NAME", help="read the password from this environment variable"
    )
    return parser


def _password(
    args: argparse.Namespace, environ: Mapping[str, str], prompt: Callable[[str], str]
) -> tuple[str, str]:
    if args.password_env:
        value = environ.get(args.password_env)
        if value is None:
            raise KeyError(args.password_env)
        return value, value
    return prompt("password: "), prompt("password again: ")


def _store_user(db_path: Path, values: Mapping[str, str], password: str) -> staff_db.StaffUser:
    db = open_database(db_path)
    try:
        with write_transaction(db):
            return staff_db.add_user(
                db,
                values["username"],
                role=values["role"],
                password_hash=hash_password(password),
                created_by="cli",
                now=datetime.now(UTC),
            )
    finally:
        db.close()


def add_user_main(
    argv: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
) -> int:
    """Runs `aisle hub add-user`; returns 0, or 2 for bad input (each problem printed).

    Args:
        argv: the arguments after `add-user`.
        environ: the environment (defaults to `os.environ`).
        prompt: reads a password without echo (defaults to `getpass.getpass`).
    """
    args = build_parser().parse_args(list(argv))
    try:
        password, again = _password(args, os.environ if environ is None else environ, prompt)
    except KeyError as exc:
        print(f"aisle hub add-user: environment variable {exc.args[0]} is not set", file=sys.stderr)
        return EXIT_BAD_INPUT
    check = check_new_user(
        {"username": args.username, "role": args.role, "password": password,
         "password_again": again}
    )  # fmt: skip
    if not check.ok:
        for name, message in check.errors.items():
            print(f"aisle hub add-user: {name}: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        user = _store_user(args.db, check.values, password)
    except staff_db.UsernameTaken as exc:
        print(f"aisle hub add-user: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"added {user.role} {user.username!r} to {args.db}")
    return EXIT_OK
