"""Central-outbox fixtures: central on a fixed port that tests may stop and restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from outbox_harness import CentralOnPort

from aisle.broker import free_port
from central.repository import CentralRepository


@pytest.fixture
def central_on_port(central_repo: CentralRepository) -> Iterator[CentralOnPort]:
    """Central on a free port, not started: the test starts (and stops) it."""
    served = CentralOnPort(central_repo, free_port())
    yield served
    served.stop()
