"""Provides the central-outbox test harness: a settable clock and central on a fixed port."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import uvicorn
from hub_builders import T0
from hub_harness import WAIT_S, wait_until

from central.app import create_app as create_central_app
from central.repository import CentralRepository
from hub.outbox.store import OutboxWrite

BARISTA_OAT = "04012734004359"


@dataclass
class SetClock:
    """A clock the test moves by hand."""

    now: datetime = field(default=T0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Moves the clock forward."""
        self.now += timedelta(seconds=seconds)


def order_write(key: str, *, quantity: int = 1, gtin: str = BARISTA_OAT) -> OutboxWrite:
    """An order for central, as the hub queues it."""
    body = {"store": "demo", "lines": [{"gtin": gtin, "quantity": quantity}]}
    return OutboxWrite("order", key, "POST", "/v1/orders", json.dumps(body), ref=key)


class CentralOnPort:
    """Central served by uvicorn on a port chosen by the test, so it can stop and come back."""

    def __init__(self, repository: CentralRepository, port: int) -> None:
        self._repository = repository
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Serves central (again) on the same port."""
        config = uvicorn.Config(
            create_central_app(self._repository),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, name="central", daemon=True)
        self._thread.start()
        wait_until(lambda: server.started)

    def stop(self) -> None:
        """Stops serving (connections are refused until `start`)."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive(), "central did not stop"
        self._server = None
