"""Provides the kiosk's pure view-model: the session, the lookup in flight and its result.

No Textual import and no clock: the app passes `now` in and renders what this module computes.
Every change returns a new `KioskState`; a result that arrives for a lookup that is no longer the
current one is dropped here, so a slow answer never replaces a newer scan's card.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal

from contracts.cards import ProductCard, UnknownCode
from contracts.gtin import is_valid_gtin, upce_to_upca
from contracts.payloads import ScanPayload
from kiosk.errors import InvalidCode

View = Literal["home", "loading", "card", "unknown", "error"]
ScanSource = Literal["scanner", "manual", "retry"]
Outcome = Literal["pending", "card", "unknown", "error"]
LookupResult = ProductCard | UnknownCode

MAX_HISTORY: Final = 20
MAX_CODE_CHARS: Final = 256


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One lookup of the session, newest last in `KioskState.history`.

    Attributes:
        seq: the lookup number within the session (1, 2, ...).
        code: the code sent to the hub (GTIN-14 when the scan carried one).
        source: scanner (edge agent over MQTT), manual (typed) or retry.
        at: when the lookup started.
        outcome: pending until the hub answers.
        name: the product name once the card arrived.
    """

    seq: int
    code: str
    source: ScanSource
    at: datetime
    outcome: Outcome = "pending"
    name: str | None = None


@dataclass(frozen=True, slots=True)
class KioskState:
    """What the kiosk shows and remembers for one shopper session.

    Attributes:
        view: which screen the app shows.
        lookup_seq: number of the latest lookup; results for older ones are stale.
        code: the code of the latest lookup.
        card: the product card, in view `card`.
        unknown: the hub's answer for a code it does not know, in view `unknown`.
        error: a message a shopper can read, in view `error`.
        history: this session's lookups, oldest first, at most `MAX_HISTORY`.
        session_started_at: time of the session's first lookup; None before it.
    """

    view: View = "home"
    lookup_seq: int = 0
    code: str | None = None
    card: ProductCard | None = None
    unknown: UnknownCode | None = None
    error: str | None = None
    history: tuple[ScanRecord, ...] = ()
    session_started_at: datetime | None = None

    def start_lookup(self, code: str, source: ScanSource, now: datetime) -> KioskState:
        """Starts a lookup of `code`; any lookup still in flight becomes stale."""
        if not code or len(code) > MAX_CODE_CHARS:
            raise ValueError(f"code must be 1..{MAX_CODE_CHARS} characters, got {len(code)}")
        seq = self.lookup_seq + 1
        record = ScanRecord(seq=seq, code=code, source=source, at=now)
        return replace(
            self,
            view="loading",
            lookup_seq=seq,
            code=code,
            card=None,
            unknown=None,
            error=None,
            history=(*self.history, record)[-MAX_HISTORY:],
            session_started_at=self.session_started_at or now,
        )

    def is_current(self, seq: int) -> bool:
        """Tells whether `seq` is the latest lookup and still waiting for its answer."""
        return seq == self.lookup_seq and self.view == "loading"

    def with_result(self, seq: int, result: LookupResult) -> KioskState:
        """Shows the hub's answer to lookup `seq`; returns `self` unchanged if it is stale."""
        if not self.is_current(seq):
            return self
        if isinstance(result, ProductCard):
            history = self._mark(seq, "card", result.name)
            return replace(self, view="card", card=result, history=history)
        return replace(self, view="unknown", unknown=result, history=self._mark(seq, "unknown"))

    def with_error(self, seq: int, message: str) -> KioskState:
        """Shows `message` for lookup `seq`; returns `self` unchanged if it is stale."""
        if not self.is_current(seq):
            return self
        return replace(self, view="error", error=message, history=self._mark(seq, "error"))

    def go_home(self) -> KioskState:
        """Returns to the home screen, keeping the session; a lookup in flight becomes stale."""
        return replace(self, view="home", card=None, unknown=None, error=None)

    def end_session(self) -> KioskState:
        """Forgets the session (history included), keeping the lookup counter monotonic."""
        return KioskState(lookup_seq=self.lookup_seq)

    def _mark(self, seq: int, outcome: Outcome, name: str | None = None) -> tuple[ScanRecord, ...]:
        return tuple(
            replace(record, outcome=outcome, name=name) if record.seq == seq else record
            for record in self.history
        )


def code_from_scan(scan: ScanPayload) -> str:
    """Returns the code to look up for a scan: its GTIN-14 when it carries one, else its text."""
    return scan.gtin if scan.gtin is not None else scan.text


def parse_typed_code(text: str) -> str:
    """Checks a code typed by a shopper and returns its digits, ready to look up.

    Spaces and dashes are ignored. Eight digits may be an EAN-8 or a UPC-E: either reading with
    a valid check digit is accepted, and the hub tries both.

    Raises:
        InvalidCode: with a message for the shopper when the text is not a valid GTIN.
    """
    digits = "".join(char for char in text if char not in " -")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise InvalidCode("Type the 8, 12, 13 or 14 digits printed under the barcode.")
    if is_valid_gtin(digits):
        return digits
    if len(digits) == 8 and digits[0] in "01" and is_valid_gtin(upce_to_upca(digits)):
        return digits
    raise InvalidCode(f"{digits} does not look right (its last digit does not match). Try again.")
