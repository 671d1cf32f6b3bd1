"""Provides `ResendResponder`: the device's answer to the hub's `resend` commands.

The outbox publisher subscribes its own connection to the device's cmd topic and hands every
message to `handle` (on the publisher thread). A `resend` for `from_seq..to_seq` is answered
from the outbox: archived rows come back as the exact stored envelope bytes for the publisher to
publish again (same ids: the hub drops what it already has), rows still pending are left to the
normal drain, and what the device no longer holds is reported in one `seq_unavailable` event per
contiguous range, stored in the outbox like any event. The same range is reported once per
process, however often the hub asks. Other commands (`what_is_this`) are not for this client
and are ignored; a message that is not a valid command is logged and counted, never raised.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from contracts.errors import ContractError
from contracts.payloads import DeviceCommand, SeqUnavailablePayload, parse_command, payload_dict
from edge.errors import OutboxFull
from edge.outbox.archive import SeqRange
from edge.outbox.store import OutboxStore

logger = logging.getLogger(__name__)

LOG_PAYLOAD_BYTES = 200


@dataclass(frozen=True, slots=True)
class ResendStats:
    """Counters of a responder.

    Attributes:
        commands: resend commands handled.
        resent: archived events handed back for publishing.
        unavailable: seqs reported as no longer held (or never allocated).
        bad_messages: cmd-topic messages that were not valid commands.
    """

    commands: int
    resent: int
    unavailable: int
    bad_messages: int


class ResendResponder:
    """Answers `resend` commands from the outbox (publisher thread; `stats` from any thread)."""

    def __init__(self, outbox: OutboxStore, *, device_id: str) -> None:
        """Binds the responder to a device's outbox.

        Args:
            outbox: where the archived and pending events are.
            device_id: for log lines.
        """
        self._outbox = outbox
        self._device_id = device_id
        self._reported: set[tuple[int, int, str]] = set()
        self._lock = threading.Lock()
        self._counts = {"commands": 0, "resent": 0, "unavailable": 0, "bad": 0}

    def stats(self) -> ResendStats:
        """Current counters."""
        with self._lock:
            c = dict(self._counts)
        return ResendStats(c["commands"], c["resent"], c["unavailable"], c["bad"])

    def handle(self, payload: bytes) -> tuple[list[bytes], bool]:
        """Handles one cmd-topic message.

        Returns:
            The envelope bodies to publish again, oldest first, and whether new events were
            stored in the outbox (`seq_unavailable` reports: wake the drain).
        """
        try:
            command = parse_command(payload)
        except ContractError as exc:
            self._count("bad", 1)
            logger.warning(
                "device %s dropped command: %s payload=%r",
                self._device_id,
                exc,
                payload[:LOG_PAYLOAD_BYTES],
            )
            return [], False
        if command.command != "resend":
            return [], False
        return self._resend(command)

    def _resend(self, command: DeviceCommand) -> tuple[list[bytes], bool]:
        assert command.from_seq is not None and command.to_seq is not None  # the contract
        found = self._outbox.resend_lookup(command.from_seq, command.to_seq)
        self._count("commands", 1)
        self._count("resent", len(found.rows))
        missing = [(gap, "pruned") for gap in found.pruned]
        if found.never_allocated is not None:
            missing.append((found.never_allocated, "never_allocated"))
        stored = any([self._report(gap, reason, command.id) for gap, reason in missing])
        logger.info(
            "device %s resend %d..%d id=%s: %d again, %d pending, %d ranges not held",
            self._device_id,
            command.from_seq,
            command.to_seq,
            command.id,
            len(found.rows),
            len(found.pending),
            len(missing),
        )
        return [body for _, body in found.rows], stored

    def _report(self, gap: SeqRange, reason: str, command_id: str) -> bool:
        key = (gap.from_seq, gap.to_seq, reason)
        if key in self._reported:
            return False
        payload = SeqUnavailablePayload(
            from_seq=gap.from_seq,
            to_seq=gap.to_seq,
            reason="pruned" if reason == "pruned" else "never_allocated",
            command_id=command_id,
        )
        try:
            self._outbox.append("seq_unavailable", payload_dict(payload))
        except OutboxFull as exc:
            logger.warning("device %s cannot report unavailable seqs: %s", self._device_id, exc)
            return False
        self._reported.add(key)
        self._count("unavailable", gap.to_seq - gap.from_seq + 1)
        logger.warning(
            "device %s no longer holds seqs %d..%d (%s); reported to the hub",
            self._device_id,
            gap.from_seq,
            gap.to_seq,
            reason,
        )
        return True

    def _count(self, key: str, amount: int) -> None:
        with self._lock:
            self._counts[key] += amount
