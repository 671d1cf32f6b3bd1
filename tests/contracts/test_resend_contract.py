"""Resend contract: the `resend` command, `seq_unavailable` events, `DeviceState.delivered_seq`,
and every command documented in docs/contracts.md."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from contracts.errors import ContractError
from contracts.payloads import (
    MAX_RESEND_SPAN,
    DeviceCommand,
    DeviceState,
    SeqUnavailablePayload,
    parse_command,
)

TOO_WIDE = f'{{"id": "c", "command": "resend", "from_seq": 1, "to_seq": {MAX_RESEND_SPAN + 1}}}'
TOO_WIDE_BYTES = TOO_WIDE.encode()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"


def test_every_command_is_documented() -> None:
    documented = DOCS.read_text()
    commands = typing.get_args(DeviceCommand.model_fields["command"].annotation)
    missing = [name for name in commands if f"`{name}`" not in documented]
    assert not missing, f"commands missing from docs/contracts.md: {missing}"
    assert "`delivered_seq`" in documented or "delivered_seq" in documented


def test_resend_command_round_trips() -> None:
    raw = b'{"v": 1, "id": "c1", "command": "resend", "from_seq": 5, "to_seq": 9}'
    command = parse_command(raw)
    assert (command.command, command.from_seq, command.to_seq) == ("resend", 5, 9)
    assert parse_command(command.model_dump_json().encode()) == command


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"id": "c", "command": "resend", "from_seq": 5}', "from_seq and to_seq"),
        (b'{"id": "c", "command": "resend", "from_seq": 9, "to_seq": 5}', "from_seq <= to_seq"),
        (b'{"id": "c", "command": "resend", "from_seq": 0, "to_seq": 5}', "from_seq"),
        (TOO_WIDE_BYTES, "at most"),
        (b'{"id": "c", "command": "reboot"}', "command"),
    ],
)
def test_bad_resend_commands_are_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(ContractError, match=reason):
        parse_command(raw)


def test_what_is_this_still_needs_no_range() -> None:
    assert parse_command(b'{"id": "c", "command": "what_is_this"}').from_seq is None


def test_seq_unavailable_needs_an_ordered_range() -> None:
    ok = SeqUnavailablePayload(from_seq=3, to_seq=3, reason="pruned", command_id="c")
    assert ok.to_seq == 3
    with pytest.raises(ValueError, match="from_seq must be <= to_seq"):
        SeqUnavailablePayload(from_seq=4, to_seq=3, reason="pruned")


def test_device_state_delivered_seq_is_optional_and_not_negative() -> None:
    state = DeviceState(device="pos-1", profile="pos", status="online")
    assert state.delivered_seq is None
    with pytest.raises(ValueError, match="greater than or equal"):
        DeviceState(device="pos-1", profile="pos", status="online", delivered_seq=-1)
