"""Benchmark: Wegwijzer over the REST webhook against a bare Rasa assistant of the same version.

    python benchmarks/conversation.py [--conversations 10] [--concurrent 20]

Starts Wegwijzer (action server, Rasa server, SQLite database and tracker store) and a bare
assistant made with ``rasa init`` (trained here, no custom actions), plays the same number of
conversations against each, one user at a time and then ``--concurrent`` users at once, and prints
per-message latency (p50, p95), messages per second and resident memory of every process. Wegwijzer
plays one whole intake twice: answered with the buttons, and typed in Dutch.
Prints numbers; asserts nothing. The target: Wegwijzer's p95 at most 1.5x the baseline's.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import VENV_BIN, Assistant, free_port, wait_for  # noqa: E402

# The same intake twice: once answering with the buttons, once typing every answer in Dutch as people do
# (the NLU, the place and size parsers and the need and sector keywords all run on typed text).
BUTTONS_SCRIPT = [
    "Goedemiddag",
    '/inform{"need":"kennis"}',
    "Enschede",
    '/inform{"sector":"ict"}',
    '/inform{"employees":"2-9"}',
    "We willen onze planningssoftware slimmer maken met AI.",
    "/affirm",
    "Ruben Kuipers",
    "Kuipers Software",
    "ruben@kuiperssoftware.example",
    "/affirm",
]
TYPED_SCRIPT = [
    "goedemiddag, ik zoek hulp voor mijn bedrijf",
    "iets met innovatie denk ik",
    "we zitten in enschede",
    "we maken software voor transportbedrijven",
    "we zijn met zijn zessen",
    "We willen onze planningssoftware slimmer maken met AI.",
    "ja graag",
    "Ruben Kuipers",
    "Kuipers Software",
    "ruben@kuiperssoftware.example",
    "ja dat mag",
]
SCRIPTS = {"buttons": BUTTONS_SCRIPT, "typed": TYPED_SCRIPT}
BASELINE_SCRIPT = ["hello", "I am sad", "yes", "great", "are you a bot?", "bye", "hi", "I am happy", "no", "goodbye"]


def post(url: str, sender: str, message: str) -> float:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def play(url: str, script: list[str], conversations: int, latencies: list[float],
         steps: dict[int, list[float]] | None = None) -> None:
    for _ in range(conversations):
        sender = f"bench-{uuid.uuid4().hex[:10]}"
        for step, message in enumerate(script):
            latency = post(url, sender, message)
            latencies.append(latency)
            if steps is not None:
                steps.setdefault(step, []).append(latency)


def measure(url: str, script: list[str], conversations: int, users: int) -> dict:
    latencies: list[float] = []
    steps: dict[int, list[float]] = {}
    per_user = max(1, conversations // users) if users > 1 else conversations
    threads = [threading.Thread(target=play, args=(url, script, per_user, latencies, steps)) for _ in range(users)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    ordered = sorted(latencies)
    return {"messages": len(ordered), "p50": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], "per_second": len(ordered) / seconds,
            "steps": {step: statistics.median(values) for step, values in sorted(steps.items())}}


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            continue
    return total / 1024


def start_baseline(workdir: Path) -> tuple[subprocess.Popen, str, float]:
    project = workdir / "baseline"
    project.mkdir()
    start = time.perf_counter()
    subprocess.run([VENV_BIN / "rasa", "init", "--no-prompt", "--init-dir", str(project)], check=True,
                   capture_output=True)
    train_seconds = time.perf_counter() - start
    port = free_port()
    log = open(workdir / "baseline.log", "ab")
    process = subprocess.Popen([VENV_BIN / "rasa", "run", "--port", str(port), "--interface", "127.0.0.1"],
                               cwd=project, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/", 300, process)
    return process, url, train_seconds


def report(name: str, result: dict) -> None:
    print(f"  {name:<28} {result['messages']:>5} msgs  p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  "
          f"{result['per_second']:6.1f} msg/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10, help="conversations per measurement")
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--steps", action="store_true", help="also print the median latency of every message (1 user)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        (workdir / "wegwijzer").mkdir()
        wegwijzer = Assistant(workdir / "wegwijzer")
        wegwijzer.start()
        baseline, baseline_url, baseline_train = start_baseline(workdir)
        try:
            for url, script in ((wegwijzer.url, BUTTONS_SCRIPT), (wegwijzer.url, TYPED_SCRIPT), (baseline_url, BASELINE_SCRIPT)):
                play(url, script, 1, [])  # warm-up
            handoffs_before = len(wegwijzer.handoffs())
            results = {"baseline, 1 user": measure(baseline_url, BASELINE_SCRIPT, args.conversations, 1)}
            for name, script in SCRIPTS.items():
                results[f"wegwijzer {name}, 1 user"] = measure(wegwijzer.url, script, args.conversations, 1)
            results[f"baseline, {args.concurrent} users"] = measure(baseline_url, BASELINE_SCRIPT, args.concurrent * 2,
                                                                     args.concurrent)
            for name, script in SCRIPTS.items():
                results[f"wegwijzer {name}, {args.concurrent} users"] = measure(wegwijzer.url, script,
                                                                                args.concurrent * 2, args.concurrent)
            print("per-message latency over the REST webhook (database and actions included for Wegwijzer):")
            for name, result in results.items():
                report(name, result)
            if args.steps:
                for name, script in SCRIPTS.items():
                    medians = results[f"wegwijzer {name}, 1 user"]["steps"]
                    print(f"median per message, Wegwijzer {name}, 1 user:")
                    for step, message in enumerate(script):
                        print(f"  {medians[step]:7.1f} ms  {message}")
            for name in SCRIPTS:
                one = results[f"wegwijzer {name}, 1 user"]["p95"] / results["baseline, 1 user"]["p95"]
                many = (results[f"wegwijzer {name}, {args.concurrent} users"]["p95"]
                        / results[f"baseline, {args.concurrent} users"]["p95"])
                print(f"p95 ratio Wegwijzer ({name})/baseline: {one:.2f}x (1 user), {many:.2f}x "
                      f"({args.concurrent} users); target <= 1.5x")
            played = len(SCRIPTS) * (args.conversations + args.concurrent * 2)
            print(f"handoffs stored: {len(wegwijzer.handoffs()) - handoffs_before} of {played} conversations "
                  "(each script is a whole intake: fewer means a script no longer fits the conversation)")
            print("resident memory:")
            print(f"  Wegwijzer Rasa server   {rss_mb(wegwijzer.processes['rasa'].pid):7.0f} MB")
            print(f"  Wegwijzer action server {rss_mb(wegwijzer.processes['actions'].pid):7.0f} MB")
            print(f"  baseline Rasa server    {rss_mb(baseline.pid):7.0f} MB")
            print(f"baseline: rasa init with training took {baseline_train:.0f} s")
        finally:
            wegwijzer.stop_all()
            baseline.terminate()
            baseline.wait(30)


if __name__ == "__main__":
    main()
