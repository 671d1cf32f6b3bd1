"""Provides the `aisle` console command, dispatching each subcommand to the module that owns it.

Subcommands are looked up in a plain registry so `aisle --help` imports nothing heavy, and each
app keeps its own `main(argv) -> int` entry point.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

# subcommand -> ("module:function", one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "store": ("aisle.store:main", "run the whole store: broker, central, hub, devices, kiosk"),
    "broker": ("aisle.broker_cli:main", "run the store's MQTT broker (managed mosquitto)"),
    "hub": ("hub.__main__:main", "run the store hub (ingest, ledger, API, dashboard)"),
    "edge": ("edge.__main__:main", "run one edge agent (kiosk or glasses profile)"),
    "kiosk": (
        "aisle.kiosk_runner:main",
        "run the kiosk terminal UI with its in-process edge agent",
    ),
    "central": ("central.__main__:main", "run the reference central catalog service"),
    "bench": ("aisle.bench:main", "run a benchmark and print JSON"),
}


def _load(target: str) -> Callable[[list[str]], int]:
    module_name, func_name = target.split(":")
    func: Callable[[list[str]], int] = getattr(importlib.import_module(module_name), func_name)
    return func


def _usage() -> str:
    lines = ["usage: aisle <command> [options]", "", "commands:"]
    lines += [f"  {name:<8} {help_text}" for name, (_, help_text) in COMMANDS.items()]
    lines += ["", "Run `aisle <command> --help` for the options of each command."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one `aisle` subcommand.

    Args:
        argv: arguments after the program name; defaults to `sys.argv[1:]`.

    Returns:
        The subcommand's exit code (2 for an unknown command).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"aisle: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    return _load(COMMANDS[name][0])(rest)


if __name__ == "__main__":
    raise SystemExit(main())
