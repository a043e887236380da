"""``wegwijzer supervise`` (scripts/start): a process that dies is restarted with backoff, the others keep
running, and Ctrl-C stops them all."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port

VENV_BIN = Path(sys.executable).parent


def wait_for_line(path: Path, pattern: str, seconds: float = 30, count: int = 1) -> list[re.Match]:
    """The matches of ``pattern`` in the supervisor's output, once there are ``count`` of them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = list(re.finditer(pattern, path.read_text(encoding="utf-8")))
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} not {count} times in {path.read_text(encoding='utf-8')}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_a_dying_process_is_restarted_with_backoff_the_others_keep_running_and_ctrl_c_stops_all(tmp_path):
    port = free_port()
    web = f"web http://127.0.0.1:{port}/ {sys.executable} -m http.server {port} --bind 127.0.0.1 --directory {tmp_path}"
    crashing = f"crasher - {sys.executable} -c 'import time; time.sleep(0.3); raise SystemExit(3)'"
    out = tmp_path / "supervisor.out"
    with open(out, "w") as output:
        supervisor = subprocess.Popen([VENV_BIN / "wegwijzer", "supervise", "--log-dir", str(tmp_path / "log"),
                                       "--backoff", "0.2", "--ready-message", "ALL READY",
                                       "--process", web, "--process", crashing], stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_line(out, "ALL READY")
        web_pid = int(wait_for_line(out, r"web started \(pid (\d+)\)")[0].group(1))
        stops = wait_for_line(out, r"crasher stopped \(exit code 3\).*restarting in ([\d.]+) s", count=4)
        delays = [float(m.group(1)) for m in stops]
        assert delays[:4] == [0.2, 0.4, 0.8, 1.6], "the delay doubles while it keeps dying"
        assert alive(web_pid), "the others keep running"

        os.kill(web_pid, signal.SIGKILL)
        wait_for_line(out, r"web stopped \(exit code -9\)")
        new_pid = int(wait_for_line(out, r"web started \(pid (\d+)\)", count=2)[1].group(1))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the restarted process does not answer")

        supervisor.send_signal(signal.SIGINT)   # Ctrl-C
        assert supervisor.wait(30) == 0
        assert not alive(new_pid)
        assert "stopping every process" in out.read_text(encoding="utf-8")
        assert (tmp_path / "log" / "web.log").exists() and (tmp_path / "log" / "crasher.log").exists()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


def test_rasa_replicas_are_supervised_on_consecutive_ports_and_need_shared_stores():
    base = {k: v for k, v in os.environ.items() if k not in ("RASA_REPLICAS", "TRACKER_DATABASE_URL", "LOCK_STORE_URL")}
    run = lambda env, *args: subprocess.run([VENV_BIN / "wegwijzer", "rasa-replicas", *args], env={**base, **env},
                                            capture_output=True, text=True)
    single = run({"RASA_PORT": "5005"}, "--endpoints", "var/endpoints.yml")
    assert single.returncode == 0 and single.stdout.splitlines() == [
        "rasa http://127.0.0.1:5005/ rasa run --model models --endpoints var/endpoints.yml --credentials "
        "credentials.yml --port 5005 --interface 127.0.0.1"], "one replica: the embedded default is unchanged"

    refused = run({"RASA_REPLICAS": "2"})
    assert refused.returncode == 2 and refused.stdout == ""
    assert "TRACKER_DATABASE_URL=postgresql://" in refused.stderr and "LOCK_STORE_URL=redis://" in refused.stderr

    shared = {"RASA_REPLICAS": "2", "RASA_PORT": "7000", "TRACKER_DATABASE_URL": "postgresql://u@db/rasa",
              "LOCK_STORE_URL": "redis://redis:6379/0"}
    specs = run(shared).stdout.splitlines()
    assert [spec.split()[:2] for spec in specs] == [["rasa-1", "http://127.0.0.1:7000/"], ["rasa-2", "http://127.0.0.1:7001/"]]
    assert [spec.split()[-3] for spec in specs] == ["7000", "7001"]
    assert run(shared, "--urls").stdout.strip() == "http://127.0.0.1:7000,http://127.0.0.1:7001"


def test_scripts_start_refuses_several_replicas_without_shared_stores_before_any_work(tmp_path):
    """Runs the real script up to its check; skipped when the venv is not current (the script would install)."""
    root = Path(__file__).resolve().parents[2]
    wanted = subprocess.run("cat pyproject.toml constraints.txt requirements/encoder.txt | sha256sum", shell=True,
                            cwd=root, capture_output=True, text=True).stdout.split()[0]
    stamp = VENV_BIN.parent / ".wegwijzer-installed"
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        pytest.skip("the virtual environment is not current: scripts/start would install packages")
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DATABASE_URL", "LOCK_STORE_URL")}
    env.update(RASA_REPLICAS="2", WEGWIJZER_VENV=str(VENV_BIN.parent))
    result = subprocess.run([root / "scripts" / "start"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "RASA_REPLICAS=2 needs every replica to share conversations and locks" in result.stderr
    assert "training" not in result.stdout, "refused before any work"
