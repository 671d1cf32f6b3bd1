"""Fault-test fixtures: a restartable mosquitto of the test's own, a fresh hub database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_harness import RestartableBroker

from hub.db.connection import open_database


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[RestartableBroker]:
    """A mosquitto of this test alone, restartable on its port with its persistence."""
    broker = RestartableBroker("mosquitto", tmp_path / "broker")
    yield broker
    broker.stop()


@pytest.fixture
def hub_db_path(tmp_path: Path) -> Path:
    """A fresh, migrated hub database file."""
    path = tmp_path / "hub.db"
    open_database(path).close()
    return path
