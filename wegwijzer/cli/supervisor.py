"""Keeps Wegwijzer's processes running: starts them in order and restarts one that dies, with backoff.

``scripts/start`` hands its processes to ``wegwijzer supervise``. Each runs in its own process group with its
output in ``LOG_DIR/NAME.log``; a process with a ready URL must answer there before the next one starts. When
one dies it alone is started again after a delay that doubles (``backoff`` up to ``max_backoff``) while it keeps
dying, and starts over once it has run for ``stable_seconds``. SIGINT (Ctrl-C), SIGTERM or SIGHUP stops every process
(SIGTERM, then SIGKILL after ``stop_seconds``). Lines about processes go to stdout without their output.
"""
from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


@dataclass
class Service:
    """One supervised process: ``NAME READY_URL COMMAND...`` (``-`` for no ready URL)."""

    name: str
    ready_url: str | None
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float = 0.0
    restart_at: float | None = None
    restarts: int = 0
    log: IO[bytes] | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, spec: str) -> "Service":
        words = shlex.split(spec)
        if len(words) < 3:
            raise ValueError(f"{spec!r}: expected NAME READY_URL COMMAND... (READY_URL '-' for none)")
        return cls(words[0], None if words[1] == "-" else words[1], words[2:])


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
        return True
    except OSError:
        return False


class Supervisor:
    def __init__(self, services: list[Service], log_dir: Path, backoff: float = 1.0, max_backoff: float = 60.0,
                 stable_seconds: float = 60.0, ready_seconds: float = 300.0, stop_seconds: float = 20.0) -> None:
        self.services, self.log_dir = services, log_dir
        self.backoff, self.max_backoff, self.stable_seconds = backoff, max_backoff, stable_seconds
        self.ready_seconds, self.stop_seconds = ready_seconds, stop_seconds
        self.stopping = False

    def say(self, line: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)

    def spawn(self, service: Service) -> None:
        if service.log is None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            service.log = open(self.log_dir / f"{service.name}.log", "ab")
        service.process = subprocess.Popen(service.command, stdout=service.log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True)
        service.started_at, service.restart_at = time.monotonic(), None
        self.say(f"{service.name} started (pid {service.process.pid})")

    def wait_ready(self, service: Service) -> bool:
        """Wait until ``service`` answers at its ready URL; a death meanwhile is restarted by ``check``."""
        deadline = time.monotonic() + self.ready_seconds
        while not self.stopping and time.monotonic() < deadline:
            if service.process is not None and service.process.poll() is None and answers(service.ready_url):
                return True
            for started in self.services:
                self.check(started)
            time.sleep(0.5)
        return False

    def check(self, service: Service) -> None:
        """Restart ``service`` when it died and its delay has passed."""
        now = time.monotonic()
        if service.restart_at is not None:
            if now >= service.restart_at and not self.stopping:
                service.restarts += 1
                self.spawn(service)
            return
        code = service.process.poll() if service.process else None
        if code is None or self.stopping:
            return
        ran = now - service.started_at
        service.delay = self.backoff if ran >= self.stable_seconds or not service.delay else \
            min(service.delay * 2, self.max_backoff)
        service.restart_at = now + service.delay
        self.say(f"{service.name} stopped (exit code {code}) after {ran:.0f} s; restarting in {service.delay:g} s "
                 f"(see {self.log_dir / (service.name + '.log')})")

    def stop(self, *_: object) -> None:
        self.stopping = True

    def stop_all(self) -> None:
        self.say("stopping every process")
        running = [s for s in self.services if s.process is not None and s.process.poll() is None]
        for service in reversed(running):
            service.process.terminate()
        deadline = time.monotonic() + self.stop_seconds
        for service in running:
            try:
                service.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{service.name} did not stop; killing it")
                service.process.kill()
                service.process.wait()
        for service in self.services:
            if service.log is not None:
                service.log.close()

    def run(self, ready_message: str = "") -> int:
        for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop_signal, self.stop)
        try:
            for service in self.services:
                if self.stopping:
                    break
                self.spawn(service)
                if service.ready_url and not self.wait_ready(service):
                    if not self.stopping:
                        self.say(f"{service.name} did not answer at {service.ready_url} within {self.ready_seconds:g} s")
                        return 1
            if not self.stopping and ready_message:
                print(ready_message, flush=True)
            while not self.stopping:
                for service in self.services:
                    self.check(service)
                time.sleep(0.2)
            return 0
        finally:
            self.stop_all()


def main(specs: list[str], log_dir: Path, ready_message: str = "", backoff: float = 1.0) -> int:
    try:
        services = [Service.parse(spec) for spec in specs]
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return Supervisor(services, log_dir, backoff=backoff).run(ready_message)
