"""Provides the fault-test harness: a broker that restarts on its own port, till processes to
kill, the hub's real ingest, a TCP proxy to cut, and the exact accounting each test ends with."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fault_device import expected_units
from sqlite_utils import Database

from aisle.broker import (
    BrokerEndpoint,
    BrokerKind,
    BrokerProcess,
    BrokerSpec,
    free_port,
    start_broker,
)
from hub.config import BrokerAddress
from hub.db.connection import open_database
from hub.ingest.mqtt_ingest import MqttIngest
from hub.ingest.processor import EventProcessor

DEVICE_SCRIPT = Path(__file__).resolve().parent / "fault_device.py"
REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60.0


def wait_until(predicate: Callable[[], bool], *, timeout_s: float = WAIT_S, what: str) -> None:
    """Polls `predicate` until it holds; fails the test naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not reached within {timeout_s} s")
        time.sleep(0.02)


def utc_now() -> datetime:
    """The real clock, UTC."""
    return datetime.now(UTC)


class RestartableBroker:
    """A managed broker (mosquitto or amqtt) that can stop and start again on the same port and
    data folder (mosquitto keeps its sessions and queued messages there)."""

    def __init__(self, kind: BrokerKind, data_dir: Path) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        sock.close()
        self.spec = BrokerSpec(data_dir, "aisle-fault", secrets.token_urlsafe(12), port=port)
        self.kind = kind
        self._process: BrokerProcess | None = None
        self.start()

    @property
    def endpoint(self) -> BrokerEndpoint:
        """Where the broker listens (the same across restarts)."""
        assert self._process is not None, "broker not running"
        return self._process.endpoint

    def start(self) -> None:
        """Starts the broker (again)."""
        self._process = start_broker(self.spec, kind=self.kind)

    def stop(self) -> None:
        """Stops the broker (SIGTERM: mosquitto saves its state first)."""
        if self._process is not None:
            self._process.stop()


def broker_address(endpoint: BrokerEndpoint, *, port: int | None = None) -> BrokerAddress:
    """The hub's view of a broker, optionally through another port (a proxy)."""
    return BrokerAddress(
        endpoint.host, port or endpoint.port, False, endpoint.username, endpoint.password
    )


@dataclass
class Till:
    """A till process (`fault_device.py`) that can be killed and started again."""

    endpoint: BrokerEndpoint
    store: str
    device: str
    outbox: Path
    count: int
    rate: float = 200.0
    clock_offset_s: float = 0.0
    port: int | None = None
    serve: bool = False
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Starts (or restarts) the till."""
        argv = [sys.executable, str(DEVICE_SCRIPT), f"--port={self.port or self.endpoint.port}"]
        argv += [f"--username={self.endpoint.username}", f"--store={self.store}"]
        argv += [f"--device={self.device}", f"--outbox={self.outbox}", f"--count={self.count}"]
        argv += [f"--rate={self.rate}", f"--clock-offset-s={self.clock_offset_s}"]
        argv += ["--serve"] if self.serve else []
        env = {**os.environ, "AISLE_MQTT_PASSWORD": self.endpoint.password}
        out = subprocess.PIPE if self.serve else subprocess.DEVNULL
        self.process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.PIPE)

    def kill9(self) -> None:
        """SIGKILL, as a power cut would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def wait_done(self, timeout_s: float = WAIT_S) -> None:
        """Waits until the till delivered everything and exited 0."""
        assert self.process is not None
        try:
            code = self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"till {self.device} did not finish within {timeout_s} s")
        err = self.process.stderr.read().decode() if self.process.stderr else ""
        assert code == 0, f"till {self.device} exited {code}: {err[-2000:]}"

    def finish(self, timeout_s: float = WAIT_S) -> str:
        """Stops a serving till with SIGTERM; returns its output (it must exit 0)."""
        assert self.process is not None
        self.process.terminate()
        try:
            out, err = self.process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"till {self.device} did not stop within {timeout_s} s")
        assert self.process.returncode == 0, f"till {self.device}: {err.decode()[-2000:]}"
        return out.decode()

    def stop(self) -> None:
        """Kills the till if it still runs (test teardown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@dataclass
class HubProcess:
    """`python -m hub` as its own process (central unreachable: ingest does not need it)."""

    endpoint: BrokerEndpoint
    store: str
    db_path: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Starts (or restarts) the hub."""
        argv = [sys.executable, "-m", "hub", "--store", self.store, "--db", str(self.db_path)]
        argv += ["--broker-url", f"mqtt://{self.endpoint.username}@127.0.0.1:{self.endpoint.port}"]
        argv += ["--central-url", f"http://127.0.0.1:{free_port()}", "--port", "0"]
        env = {**os.environ, "AISLE_MQTT_PASSWORD": self.endpoint.password}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT
            )

    def kill9(self) -> None:
        """SIGKILL: whatever batch is open dies uncommitted and unacknowledged."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM (a clean stop), SIGKILL if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@dataclass
class RunningIngest:
    """The hub's real ingest (paho, batch writer, processor) on a database file."""

    ingest: MqttIngest
    processor: EventProcessor

    def stop(self) -> None:
        """Disconnects and stops the writer."""
        self.ingest.stop()


def start_ingest(address: BrokerAddress, db_path: Path, store: str) -> RunningIngest:
    """Starts ingest for `store` (persistent session) and waits for its subscriptions."""
    processor = EventProcessor(
        open_database(db_path, run_migrations=False), store_id=store, clock=utc_now
    )
    ingest = MqttIngest(address, store_id=store, processor=processor)
    ingest.start()
    assert ingest.wait_subscribed(WAIT_S), "ingest did not subscribe"
    return RunningIngest(ingest, processor)


def applied_count(db_path: Path) -> int:
    """Events in the hub database (read on a fresh connection)."""
    db = open_database(db_path, run_migrations=False)
    try:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        db.close()


def complete(db_path: Path, device: str, count: int) -> bool:
    """Whether the hub holds seqs 1..count of `device` and no open gap of it."""
    db = open_database(db_path, run_migrations=False)
    try:
        have = db.execute(
            "SELECT COUNT(DISTINCT seq) FROM events WHERE device = ? AND seq BETWEEN 1 AND ?",
            [device, count],
        ).fetchone()[0]
        gaps = db.execute(
            "SELECT COUNT(*) FROM seq_gaps WHERE device = ? AND filled = 0", [device]
        ).fetchone()[0]
        return int(have) == count and int(gaps) == 0
    finally:
        db.close()


def outbox_delivered(path: Path) -> int:
    """A till's last seq once every row of its outbox is acknowledged (else 0), read from its
    outbox file while it runs."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(path, timeout=5)
    try:
        depth = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        row = conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()
        return 0 if depth or row is None else int(row[0])
    finally:
        conn.close()


@dataclass
class Accounting:
    """The exact account of one fault test."""

    name: str
    sent: int = 0
    applied: int = 0
    lost: int = 0
    duplicates_applied: int = 0
    redeliveries_ignored: int = 0
    dead_letters: int = 0
    open_gaps: int = 0
    ledger_ok: bool = True
    extra: dict[str, object] = field(default_factory=dict)

    def line(self) -> str:
        """One line for the CI log."""
        extra = " ".join(f"{k}={v}" for k, v in self.extra.items())
        return (
            f"ACCOUNTING {self.name}: sent={self.sent} applied={self.applied} lost={self.lost}"
            f" duplicates_applied={self.duplicates_applied}"
            f" redeliveries_ignored={self.redeliveries_ignored} dead_letters={self.dead_letters}"
            f" open_gaps={self.open_gaps} ledger={'ok' if self.ledger_ok else 'MISMATCH'} {extra}"
        ).rstrip()


def account(name: str, db: Database, sent: Mapping[str, int]) -> Accounting:
    """Counts, per device, events sent (seqs 1..N) against what the hub applied, and checks the
    ledger's sales against the sales the tills rang up."""
    result = Accounting(name)
    expected: dict[str, int] = {}
    for device, count in sent.items():
        total, distinct, in_range = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT seq), COUNT(DISTINCT CASE WHEN seq BETWEEN 1 AND ?"
            " THEN seq END) FROM events WHERE device = ?",
            [count, device],
        ).fetchone()
        result.sent += count
        result.applied += int(distinct)
        result.duplicates_applied += int(total) - int(distinct)
        result.lost += count - int(in_range)
        for gtin, units in expected_units(count).items():
            expected[gtin] = expected.get(gtin, 0) + units
    result.redeliveries_ignored = int(
        db.execute("SELECT COALESCE(SUM(duplicates), 0) FROM devices").fetchone()[0]
    )
    result.dead_letters = int(db.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0])
    result.open_gaps = int(
        db.execute("SELECT COUNT(*) FROM seq_gaps WHERE filled = 0").fetchone()[0]
    )
    rows = db.execute(
        "SELECT gtin, -SUM(quantity) FROM stock_movements WHERE kind = 'sale' GROUP BY gtin"
    ).fetchall()
    result.ledger_ok = {str(g): int(q) for g, q in rows} == expected
    return result


def report(accounting: Accounting, capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the accounting line (outside pytest's capture) and asserts a clean account."""
    with capsys.disabled():
        print(f"\n{accounting.line()}")
    assert accounting.lost == 0, accounting.line()
    assert accounting.duplicates_applied == 0, accounting.line()
    assert accounting.applied == accounting.sent, accounting.line()
    assert accounting.open_gaps == 0, accounting.line()
    assert accounting.ledger_ok, accounting.line()


class TcpProxy:
    """A TCP proxy on a fixed local port that can be cut (every connection closed, no new ones
    accepted) and healed, to cut the hub off from the broker."""

    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.heal()

    def heal(self) -> None:
        """Accepts connections again."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Closes the listener and every proxied connection."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        if listener is not None:
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the other side
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self._target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        while True:
            try:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
            except OSError:
                break
        for sock in (src, dst):
            with contextlib.suppress(OSError):  # the pair is going down either way
                sock.shutdown(socket.SHUT_RDWR)
