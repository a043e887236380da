"""What docs/dependency-audit.md relies on for aiohttp 3.9.5 (pinned by Rasa): checked, so a change shows up."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import aiohttp
import aiohttp.http_parser

from wegwijzer.storage.engine import PROJECT_ROOT
from tests.servers import free_port, wait_for

VENV_BIN = Path(sys.executable).parent


def test_the_audited_aiohttp_is_installed_so_an_upgrade_means_a_new_audit():
    assert aiohttp.__version__ == "3.9.5", "aiohttp changed: audit it again (docs/dependency-audit.md)"


def test_aiohttp_parses_requests_with_its_c_parser_not_the_pure_python_one():
    # The request-smuggling advisories (CVE-2024-52304, CVE-2025-53643, CVE-2025-69224) are in the pure-Python parser
    assert aiohttp.http_parser.HttpRequestParser is aiohttp.http_parser.HttpRequestParserC
    for path in [*(PROJECT_ROOT / "scripts").iterdir(), PROJECT_ROOT / ".ci" / "run"]:
        assert "AIOHTTP_NO_EXTENSIONS" not in path.read_text(encoding="utf-8"), path


def peak_memory_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_the_website_server_does_not_inflate_compressed_request_bodies(tmp_path):
    """CVE-2025-69223: aiohttp inflates a compressed request body as it arrives, without a limit. Ten requests of
    190 kB that inflate to 200 MB each took the website server to 1.1 GB; with ``auto_decompress=False`` 52 MB."""
    port = free_port()
    env = {**os.environ, "WEB_PORT": str(port), "WEB_HOST": "127.0.0.1", "RASA_URL": "http://127.0.0.1:9",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    process = subprocess.Popen([VENV_BIN / "wegwijzer", "web"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", 60, process)
        before = peak_memory_kb(process.pid)
        bomb = zlib.compress(b" " * 200_000_000, 9)
        statuses: list = []

        def send() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.request("POST", "/api/message", body=bomb,
                                   headers={"Content-Type": "application/json", "Content-Encoding": "deflate"})
                statuses.append(connection.getresponse().status)
            except (OSError, http.client.HTTPException) as exc:
                statuses.append(type(exc).__name__)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(0.5)
        grown_mb = (peak_memory_kb(process.pid) - before) / 1024
        assert process.poll() is None
        assert all(isinstance(s, int) and 400 <= s < 500 for s in statuses), statuses
        assert grown_mb < 100, f"the website server grew by {grown_mb:.0f} MB inflating compressed bodies"
    finally:
        process.terminate()
        process.wait(30)
