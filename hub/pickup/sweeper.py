"""Provides `ReservationSweeper`: expires reservations whose hold time is over and gives their
units back to the shelf (a `release` movement each), on its own database connection.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database

from hub.db import reservations
from hub.db.connection import write_transaction

logger = logging.getLogger(__name__)


class ReservationSweeper:
    """Expires overdue reservations.

    Args:
        db: the database connection this sweeper owns.
        clock: returns the current UTC time.
        on_change: called after a sweep that expired something (e.g. wakes live views).
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime],
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._on_change = on_change

    def sweep_once(self) -> list[str]:
        """Expires every overdue reservation in one transaction.

        Returns:
            The ids of the reservations expired.
        """
        with write_transaction(self._db):
            expired = reservations.expire_due(self._db, now=self._clock())
        for reservation in expired:
            logger.info(
                "reservation expired id=%s gtin=%s released=%d device_id=%s",
                reservation.id,
                reservation.gtin,
                reservation.quantity,
                reservation.device,
            )
        if expired:
            self._on_change()
        return [reservation.id for reservation in expired]

    def run_forever(self, stop: threading.Event, *, interval_s: float) -> None:
        """Sweeps every `interval_s` until `stop` is set."""
        while not stop.is_set():
            try:
                self.sweep_once()
            except Exception:
                logger.exception("reservation sweep failed")
            stop.wait(interval_s)
