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
from contracts.orders import DeliveryOrder, Reservation
from contracts.payloads import ScanPayload
from kiosk.errors import InvalidCode

View = Literal["home", "loading", "card", "unknown", "error", "confirm"]
ScanSource = Literal["scanner", "manual", "retry"]
Outcome = Literal["pending", "card", "unknown", "error"]
LookupResult = ProductCard | UnknownCode
ActionKind = Literal["reservation", "order"]
ActionPhase = Literal["sending", "done", "error"]
ActionResult = Reservation | DeliveryOrder

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
class ActionState:
    """A reservation or delivery order the shopper asked for from a card.

    Attributes:
        seq: the lookup/action number it was sent as; answers for older ones are stale.
        kind: reservation (pickup here) or order (delivery).
        gtin: the product.
        name: the product name, for the confirmation screen.
        quantity: units.
        key: the idempotency key made on the kiosk; every retry of this action reuses it, so
            the hub never makes two.
        phase: sending (waiting for the hub), done (the hub answered) or error.
        result: the hub's reservation or order once it answered (refreshed while it changes).
        error: a message for the shopper, in phase `error`.
        retryable: whether trying again may help (the hub was unreachable; not a refusal).
    """

    seq: int
    kind: ActionKind
    gtin: str
    name: str
    quantity: int
    key: str
    phase: ActionPhase = "sending"
    result: ActionResult | None = None
    error: str | None = None
    retryable: bool = False


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
        action: the reservation or order in view `confirm`, else None.
    """

    view: View = "home"
    lookup_seq: int = 0
    code: str | None = None
    card: ProductCard | None = None
    unknown: UnknownCode | None = None
    error: str | None = None
    history: tuple[ScanRecord, ...] = ()
    session_started_at: datetime | None = None
    action: ActionState | None = None

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
            action=None,
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
        """Returns to the home screen, keeping the session; a lookup or action in flight
        becomes stale."""
        return replace(self, view="home", card=None, unknown=None, error=None, action=None)

    def start_action(
        self, kind: ActionKind, *, gtin: str, name: str, quantity: int, key: str
    ) -> KioskState:
        """Starts reserving or ordering a product, with a kiosk-made idempotency `key`.

        Raises:
            ValueError: when `quantity` < 1 or `key` or `gtin` is empty.
        """
        if quantity < 1 or not key or not gtin:
            raise ValueError(f"need a gtin, quantity >= 1 and a key, got {gtin!r}, {quantity}")
        # Actions share the lookup counter: a lookup in flight becomes stale, and an answer for
        # an earlier action can never match a later one.
        seq = self.lookup_seq + 1
        action = ActionState(seq, kind, gtin, name, quantity, key)
        return replace(self, view="confirm", action=action, lookup_seq=seq)

    def retry_action(self) -> KioskState:
        """Sends the failed action again with the same key; `self` when there is none."""
        action = self.action
        if self.view != "confirm" or action is None or action.phase != "error":
            return self
        seq = self.lookup_seq + 1
        again = replace(action, seq=seq, phase="sending", error=None)
        return replace(self, action=again, lookup_seq=seq)

    def with_action_result(self, seq: int, result: ActionResult) -> KioskState:
        """Shows the hub's reservation or order for action `seq`; `self` if stale."""
        action = self.action
        if self.view != "confirm" or action is None or action.seq != seq:
            return self
        done = replace(action, phase="done", result=result, error=None)
        return replace(self, action=done)

    def with_action_error(self, seq: int, message: str, *, retryable: bool) -> KioskState:
        """Shows why action `seq` failed; `self` if stale. A result already shown stays."""
        action = self.action
        if self.view != "confirm" or action is None or action.seq != seq:
            return self
        if action.result is not None:
            return self  # a failed refresh keeps the confirmed reservation or order
        failed = replace(action, phase="error", error=message, retryable=retryable)
        return replace(self, action=failed)

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
