"""Wegwijzer as in production, on free ports: PostgreSQL (a database of its own), Redis (the lock store), the
action server, several Rasa replicas and the website server. Used by the replica end-to-end test and
``benchmarks/load.py``."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from wegwijzer.rasa.endpoints import write_endpoints
from tests.servers import MODELS, VENV_BIN, free_port, wait_for

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class ReplicaStack:
    workdir: Path
    replicas: int = 2
    database: str = field(default_factory=lambda: f"wegwijzer_replicas_{secrets.token_hex(4)}")
    actions_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    actions_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    rasa_ports: list[int] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rasa_ports = self.rasa_ports or [free_port() for _ in range(self.replicas)]

    @property
    def database_url(self) -> str:
        return POSTGRES_URL.rsplit("/", 1)[0] + "/" + self.database

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.database_url, "TRACKER_DATABASE_URL": self.database_url,
                "LOCK_STORE_URL": REDIS_URL, "ACTIONS_TOKEN": self.actions_token,
                "ACTIONS_PORT": str(self.actions_port), "ACTIONS_HOST": "127.0.0.1",
                "RASA_URLS": ",".join(self.rasa_urls), "WEB_PORT": str(self.web_port), "WEB_HOST": "127.0.0.1",
                # each simulated user has its own address (X-Forwarded-For), as behind the province's proxy
                "WEB_TRUST_PROXY": "true", "RASA_TELEMETRY_ENABLED": "false",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}

    def start(self) -> None:
        """Everything, ready; the replicas load their models at the same time."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.database}"'))
        admin.dispose()
        for command in (["db", "init"], ["data", "load"]):
            subprocess.run([VENV_BIN / "wegwijzer", *command], env=self.env, check=True, capture_output=True)
        write_endpoints(self.workdir / "endpoints.yml", self.env, f"http://127.0.0.1:{self.actions_port}/webhook",
                        self.workdir / "unused-tracker.db")
        actions = self._spawn("actions", [VENV_BIN / "wegwijzer", "actions"])
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", 120, actions)
        for number in range(self.replicas):
            self.start_replica(number, wait=False)
        for number in range(self.replicas):
            wait_for(f"{self.rasa_urls[number]}/", 600, self.processes[f"rasa-{number + 1}"])
        web = self._spawn("web", [VENV_BIN / "wegwijzer", "web"])
        wait_for(f"{self.web_url}/health", 60, web)

    def start_replica(self, number: int, wait: bool = True) -> None:
        name = f"rasa-{number + 1}"
        process = self._spawn(name, [VENV_BIN / "rasa", "run", "--model", str(MODELS), "--endpoints",
                                     str(self.workdir / "endpoints.yml"), "--credentials", "credentials.yml",
                                     "--port", str(self.rasa_ports[number]), "--interface", "127.0.0.1"])
        if wait:
            wait_for(f"{self.rasa_urls[number]}/", 600, process)

    def kill_replica(self, number: int) -> None:
        """SIGKILL: no chance to finish a message or release a lock."""
        process = self.processes.pop(f"rasa-{number + 1}")
        process.send_signal(signal.SIGKILL)
        process.wait(30)

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items() if process.poll() is None}

    def _spawn(self, name: str, args: list) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")
        process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes[name] = process
        return process

    def handoff_counts(self) -> dict[str, int]:
        """Handoffs per conversation id."""
        engine = create_engine(self.database_url, future=True)
        try:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT conversation_id, count(*) FROM handoffs GROUP BY conversation_id"))
                return {conversation: count for conversation, count in rows}
        finally:
            engine.dispose()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        finally:
            admin.dispose()
