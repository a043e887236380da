"""Starting the real action server and Rasa server on free ports, for end-to-end tests."""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from wegwijzer.storage.engine import PROJECT_ROOT
from wegwijzer.rasa.endpoints import write_endpoints

VENV_BIN = Path(sys.executable).parent
MODELS = PROJECT_ROOT / "models"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no answer from {url} within {seconds}s")


@dataclass
class Assistant:
    """The action server and Rasa server, with their own database and tracker store in ``workdir``."""

    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    actions_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": f"sqlite:///{self.workdir / 'wegwijzer.db'}",
                # where the action server finds the conversations it must erase
                "TRACKER_DATABASE_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
                # as scripts/start: the action server answers only calls with this token, on loopback
                "ACTIONS_TOKEN": self.actions_token, "ACTIONS_PORT": str(self.actions_port), "ACTIONS_HOST": "127.0.0.1",
                "RASA_TELEMETRY_ENABLED": "false",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self) -> None:
        subprocess.run([VENV_BIN / "wegwijzer", "data", "load"], env=self.env, check=True, capture_output=True)
        write_endpoints(self.workdir / "endpoints.yml", {"ACTIONS_TOKEN": self.actions_token},
                        f"http://127.0.0.1:{self.actions_port}/webhook",
                        self.workdir / "tracker.db")
        self.start_actions()
        self.start_rasa()

    def _spawn(self, name: str, args: list) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")
        process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def start_actions(self) -> None:
        process = self._spawn("actions", [VENV_BIN / "wegwijzer", "actions"])
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", 120, process)

    def start_rasa(self) -> None:
        process = self._spawn("rasa", [VENV_BIN / "rasa", "run", "--model", str(MODELS), "--endpoints",
                                       str(self.workdir / "endpoints.yml"), "--credentials", "credentials.yml",
                                       "--port", str(self.rasa_port), "--interface", "127.0.0.1"])
        wait_for(f"{self.url}/", 300, process)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def say(self, sender: str, message: str) -> list[dict]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(f"{self.url}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"[]")

    def handoffs(self) -> list[dict]:
        out = subprocess.run([VENV_BIN / "wegwijzer", "handoffs", "list", "--json"], env=self.env, check=True,
                             capture_output=True, text=True)
        return json.loads(out.stdout)
