"""Provides child-process supervision: start with logs, wait until ready, stop without orphans.

Children get `PR_SET_PDEATHSIG` on Linux, so even a supervisor killed with SIGKILL leaves no
process behind; a normal stop sends SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

STOP_GRACE_S = 10.0
READY_POLL_S = 0.1
_PR_SET_PDEATHSIG = 1


class ChildFailed(RuntimeError):
    """A child process exited early or did not become ready in time."""


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """How to start one child process of the store.

    Attributes:
        name: short name, also the log file name.
        argv: the command line.
        env: variables added to the supervisor's environment.
        ready_url: an HTTP URL that answers 200 once the child is ready, if any.
        foreground: inherit the terminal (the kiosk UI) instead of logging to a file.
    """

    name: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    ready_url: str | None = None
    foreground: bool = False


def aisle_argv(*args: str) -> tuple[str, ...]:
    """The command line that runs `aisle <args>` with this interpreter."""
    return (sys.executable, "-m", "aisle.cli", *args)


def die_with_parent() -> None:
    """Asks Linux to send this (child) process SIGTERM when its parent dies (`preexec_fn`)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    libc = ctypes.CDLL(libc_name, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Child:
    """A running child process started from a `ChildSpec`."""

    def __init__(self, spec: ChildSpec, *, log_dir: Path) -> None:
        self.spec = spec
        env = {**os.environ, **spec.env}
        preexec = die_with_parent if sys.platform.startswith("linux") else None
        if spec.foreground:
            self.log_path: Path | None = None
            self._process = subprocess.Popen(spec.argv, env=env, preexec_fn=preexec)
        else:
            log_dir.mkdir(parents=True, exist_ok=True)
            self.log_path = log_dir / f"{spec.name}.log"
            with self.log_path.open("ab") as log:
                self._process = subprocess.Popen(
                    spec.argv,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=preexec,
                    start_new_session=True,  # a terminal Ctrl-C reaches the supervisor only
                )

    @property
    def pid(self) -> int:
        return self._process.pid

    def poll(self) -> int | None:
        """Returns the exit code, or None while the child runs."""
        return self._process.poll()

    def wait(self, timeout_s: float | None = None) -> int:
        """Waits for the child to exit and returns its exit code."""
        return self._process.wait(timeout=timeout_s)

    def wait_ready(self, *, timeout_s: float) -> None:
        """Waits until the child's `ready_url` answers 200.

        Raises:
            ChildFailed: if the child exits first or is not ready within `timeout_s`.
        """
        if self.spec.ready_url is None:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.poll() is not None:
                name, code = self.spec.name, self.poll()
                raise ChildFailed(f"{name} exited with {code}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.spec.ready_url, timeout=1.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass  # not listening yet
            time.sleep(READY_POLL_S)
        name = self.spec.name
        raise ChildFailed(f"{name} not ready after {timeout_s:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """Stops the child: SIGTERM, then SIGKILL after `STOP_GRACE_S`."""
        if self.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            logger.warning("%s (pid %d) ignored SIGTERM; killing it", self.spec.name, self.pid)
            self._process.kill()
            self._process.wait()
