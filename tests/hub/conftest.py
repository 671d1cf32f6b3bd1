"""Hub fixtures: a real database file, a running ingest on the session broker, a publisher."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_builders import unique_store
from hub_harness import Publisher, RunningIngest, ServedApp, start_ingest
from sqlite_utils import Database

from aisle.broker import BrokerEndpoint
from central.app import create_app as create_central_app
from central.repository import CentralRepository
from central.seed import DEMO_CATALOG_PATH, read_seed
from hub.db.connection import open_database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh hub database path (migrated on first open)."""
    path = tmp_path / "hub.db"
    open_database(path).close()
    return path


@pytest.fixture
def hub_db(db_path: Path) -> Iterator[Database]:
    """A connection to the hub database for the test's own reads and writes."""
    db = open_database(db_path, run_migrations=False)
    yield db
    db.close()


@pytest.fixture
def store_id() -> str:
    """A store id of this test alone."""
    return unique_store()


@pytest.fixture
def running_ingest(
    mqtt_broker: BrokerEndpoint, db_path: Path, store_id: str
) -> Iterator[RunningIngest]:
    """The hub's ingest for this test's store, on the session mosquitto."""
    running = start_ingest(mqtt_broker, db_path, store_id)
    yield running
    running.ingest.stop()


@pytest.fixture
def publisher(mqtt_broker: BrokerEndpoint, store_id: str) -> Iterator[Publisher]:
    """A device-side publisher on the session mosquitto."""
    client = Publisher(mqtt_broker, f"pub-{store_id}")
    yield client
    client.close()


@pytest.fixture
def central_repo(tmp_path: Path) -> CentralRepository:
    """Central's repository on a real SQLite file, loaded with the demo catalog."""
    repository = CentralRepository.from_path(tmp_path / "central.db")
    repository.load_seed(read_seed(DEMO_CATALOG_PATH))
    return repository


@pytest.fixture
def central(central_repo: CentralRepository) -> Iterator[ServedApp]:
    """The real central app served by uvicorn on a loopback port."""
    served = ServedApp(create_central_app(central_repo))
    yield served
    served.stop()
