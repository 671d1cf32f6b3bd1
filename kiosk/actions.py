"""Provides `ShopperActions`, the reserve/order half of the kiosk app (a base of `KioskApp`).

The card screen posts `ReserveRequested`/`OrderRequested`; this half makes the idempotency key
on the kiosk, sends the request in an exclusive worker, shows the confirmation screen and, for a
delivery order that is still queued, reads it again until central took it (or refused it). A
failed send keeps its key, so "Try again" can never make a second reservation or order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Final

from textual import work
from textual.app import App

from contracts.ids import new_ulid
from contracts.orders import DeliveryOrder
from kiosk.action_view import action_view
from kiosk.errors import ActionRefused, KioskError
from kiosk.hub_client import HubClient
from kiosk.screens.card import CardScreen
from kiosk.screens.confirmation import ConfirmationScreen
from kiosk.state import ActionKind, ActionResult, ActionState, KioskState

logger = logging.getLogger(__name__)

ORDER_POLL_S: Final = 1.0
ORDER_POLL_MAX: Final = 120
ACTION_FAILED_TEXT: Final = "Something went wrong on our side. Please ask a member of staff."


class ShopperActions(App[None]):
    """Reserve for pickup and order for delivery, from the product card."""

    hub_client: HubClient
    kiosk_state: KioskState
    _clock: Callable[[], datetime]
    device_key_prefix: str = "kiosk"

    def on_card_screen_reserve_requested(self, message: CardScreen.ReserveRequested) -> None:
        """Reserves one unit of the card's product for pickup."""
        self.start_action("reservation", message.gtin)

    def on_card_screen_order_requested(self, message: CardScreen.OrderRequested) -> None:
        """Orders one unit of the card's product for delivery."""
        self.start_action("order", message.gtin)

    def on_confirmation_screen_done_requested(
        self, _message: ConfirmationScreen.DoneRequested
    ) -> None:
        """Goes back home."""
        self.action_home()

    def on_confirmation_screen_retry_requested(
        self, _message: ConfirmationScreen.RetryRequested
    ) -> None:
        """Sends the failed action again with the same key."""
        state = self.kiosk_state.retry_action()
        if state is not self.kiosk_state and state.action is not None:
            self._show_action(state)
            self._send_action(state.action)

    def action_home(self) -> None:
        """Goes home (KioskApp defines it)."""
        raise NotImplementedError

    def start_action(self, kind: ActionKind, gtin: str, *, name: str | None = None) -> None:
        """Starts reserving or ordering one unit of `gtin` and shows its confirmation screen.

        Args:
            kind: reservation or order.
            gtin: the product.
            name: how to name it; defaults to the card's name when the card shows `gtin`.
        """
        card = self.kiosk_state.card
        label = name or (card.name if card is not None and card.gtin == gtin else gtin)
        now = self._clock()
        key = f"{self.device_key_prefix}-{new_ulid(int(now.timestamp() * 1000))}"
        state = self.kiosk_state.start_action(kind, gtin=gtin, name=label, quantity=1, key=key)
        self._show_action(state)
        if state.action is not None:
            self._send_action(state.action)

    def _show_action(self, state: KioskState) -> bool:
        """Makes `state` current and shows its confirmation; False when it was stale."""
        if state is self.kiosk_state or state.action is None:
            return False
        self.kiosk_state = state
        view = action_view(state.action, self._clock())
        if isinstance(self.screen, ConfirmationScreen):
            self.screen.show(view)
        elif len(self.screen_stack) > 1:
            self.switch_screen(ConfirmationScreen(view))
        else:
            self.push_screen(ConfirmationScreen(view))
        return True

    @work(exclusive=True, group="action", exit_on_error=False)
    async def _send_action(self, action: ActionState) -> None:
        try:
            result = await self._submit(action)
        except ActionRefused as exc:
            logger.info("kiosk: %s refused (%s): %s", action.kind, exc.code, exc)
            self._fail(action, str(exc), retryable=False)
            return
        except KioskError as exc:
            logger.warning("kiosk: %s key=%s not sent: %s", action.kind, action.key, exc)
            self._fail(action, str(exc), retryable=True)
            return
        except Exception:  # top of the worker task: shoppers never see a traceback
            logger.exception("kiosk: unexpected failure sending %s", action.kind)
            self._fail(action, ACTION_FAILED_TEXT, retryable=True)
            return
        if self._show_action(self.kiosk_state.with_action_result(action.seq, result)):
            await self._follow(action.seq, result)

    async def _submit(self, action: ActionState) -> ActionResult:
        client = self.hub_client
        if action.kind == "reservation":
            return await client.reserve(action.gtin, quantity=action.quantity, key=action.key)
        return await client.place_order(action.gtin, quantity=action.quantity, key=action.key)

    async def _follow(self, seq: int, result: ActionResult) -> None:
        """Reads a queued delivery order again until it is final (or the shopper moved on)."""
        if not isinstance(result, DeliveryOrder):
            return  # a reservation waits for staff: the pickup code is all the shopper needs
        order = result
        for _ in range(ORDER_POLL_MAX):
            if order.is_final:
                return
            await asyncio.sleep(ORDER_POLL_S)
            try:
                order = await self.hub_client.get_order(order.id)
            except KioskError as exc:
                logger.info("kiosk: order %s not refreshed: %s", order.id, exc)
                continue
            if not self._show_action(self.kiosk_state.with_action_result(seq, order)):
                return  # the shopper moved on

    def _fail(self, action: ActionState, message: str, *, retryable: bool) -> None:
        self._show_action(
            self.kiosk_state.with_action_error(action.seq, message, retryable=retryable)
        )
