"""Provides shared fixtures: real MQTT brokers on loopback, shared data, the error-log guard."""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisle.broker import BrokerEndpoint, BrokerKind, BrokerSpec, start_broker

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The shared data folder: `$AISLE_SHARED_DATA`, else `../shared/data` beside the repo."""
    return Path(os.environ.get("AISLE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; skips the test with the reason when it is absent."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (set AISLE_SHARED_DATA to its folder)")
    return path


def _start(kind: BrokerKind, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerEndpoint]:
    spec = BrokerSpec(
        data_dir=tmp_path_factory.mktemp(f"broker-{kind}"),
        username="aisle-test",
        password=secrets.token_urlsafe(12),
    )
    broker = start_broker(spec, kind=kind)
    try:
        yield broker.endpoint
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def mqtt_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerEndpoint]:
    """A session-wide mosquitto on a random loopback port with a password file."""
    yield from _start("mosquitto", tmp_path_factory)


@pytest.fixture(scope="session")
def fallback_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerEndpoint]:
    """A session-wide amqtt (the pure-pip fallback broker) on a random loopback port."""
    yield from _start("amqtt", tmp_path_factory)


@pytest.fixture(params=["mosquitto", "amqtt"])
def any_broker(
    request: pytest.FixtureRequest,
) -> BrokerEndpoint:
    """Each broker aisle supports, one test run per broker."""
    name = "mqtt_broker" if request.param == "mosquitto" else "fallback_broker"
    endpoint: BrokerEndpoint = request.getfixturevalue(name)
    return endpoint


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_error_log(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test that logged at ERROR or above, unless it is marked `allow_error_log`."""
    handler = _ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("allow_error_log") is None:
        lines = [f"{r.name}: {r.getMessage()}" for r in handler.records[:5]]
        pytest.fail("ERROR logged during the test:\n" + "\n".join(lines))


def _silence_stderr() -> None:
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Silences stderr once pytest has reported everything and restored its file descriptors.

    zxing-cpp's nanobind bindings print a reference-leak report during interpreter finalization
    (a trait of its bindings, not of aisle); it would follow pytest's summary and bury it. atexit
    handlers run after pytest's own cleanup and before that finalization.
    """
    del config
    atexit.register(_silence_stderr)
