#!/usr/bin/env python3
"""Load test: simulated entrepreneurs chat through the website server's POST /api/message, on PostgreSQL and Redis
with one or more Rasa replicas, the way people use the widget.

Each user takes a persona from the shared evaluation (../shared/eval/personas.yml and personas_hard.yml), types
its opener and then answers what the assistant asks (the reply logic of ../shared/eval/simulate.py), waits a
human think time between messages (3-10 s, seeded; ``--think-scale`` shrinks it) and goes on until its handoff
is stored. When the server answers 503 (Rasa down) or 504 (no answer in time) the user sends the message again
after a pause, as the widget offers. Nothing here is a pass/fail check: it prints numbers.

    .venv/bin/python benchmarks/load.py --replicas 1,2 --mode rise        # users rise until p95 > 1 s
    .venv/bin/python benchmarks/load.py --replicas 2 --mode kill --users 10 --seconds 120
    .venv/bin/python benchmarks/load.py --replicas 2 --mode restart-postgres,restart-redis --users 6 --seconds 90

It starts its own stack (tests/replica_stack.py: a fresh PostgreSQL database, Redis, action server, replicas,
website server on free ports) and removes it afterwards. The restart modes restart the machine's PostgreSQL or
Redis: every other user of them notices.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.replica_stack import ReplicaStack  # noqa: E402

# ../shared/eval next to the checkout (or next to the folder of worktrees)
EVAL_DIR = next((d for d in (ROOT.parent / "shared" / "eval", ROOT.parent.parent / "shared" / "eval") if d.is_dir()),
                ROOT.parent / "shared" / "eval")
MAX_TURNS = 24
MAX_TRIES = 20  # tries of one message before the user gives up
CLOCK_TICKS = 100  # /proc/<pid>/stat counts CPU time in these (USER_HZ)
RESTART = {
    "restart-postgres": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart",
    "restart-redis": "redis-cli shutdown nosave; redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 "
                     "--save '' --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log",
}


@dataclass
class Tally:
    """What the users saw, per message."""

    latencies: list[tuple[float, float]] = field(default_factory=list)  # (time sent, seconds) of answered messages
    errors: dict[str, int] = field(default_factory=dict)  # HTTP status or error class -> count
    error_times: list[tuple[float, str]] = field(default_factory=list)
    started: list[str] = field(default_factory=list)  # conversation ids
    finished: list[str] = field(default_factory=list)  # the user saw its handoff stored
    gave_up: list[str] = field(default_factory=list)  # no handoff after MAX_TURNS (the simulated user got stuck)
    lost: list[str] = field(default_factory=list)  # the user stopped after repeated errors

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        self.error_times.append((time.monotonic(), kind))


class ConversationLost(Exception):
    """The user stopped: a message kept failing."""


def load_personas(eval_dir: Path) -> list[dict]:
    personas = []
    for name in ("personas.yml", "personas_hard.yml"):
        personas += [p for p in yaml.safe_load((eval_dir / name).read_text(encoding="utf-8"))["personas"]
                     if "organization" in p.get("expect", {})]  # only those that end in a handoff
    return personas


class User:
    """One person with the widget open: conversation after conversation until ``stop`` is set."""

    def __init__(self, number: int, web_url: str, simulate, personas: list[dict], tally: Tally, handoffs,
                 think_scale: float, seed: int) -> None:
        self.web_url, self.simulate, self.personas, self.tally = web_url, simulate, personas, tally
        self.handoffs, self.think_scale = handoffs, think_scale
        self.random = random.Random(seed * 1000 + number)
        self.address = str(ipaddress.ip_address("10.0.0.0") + number + 1)  # its own rate limit, as behind a proxy

    async def think(self) -> None:
        await asyncio.sleep(self.random.uniform(3.0, 10.0) * self.think_scale)

    async def send(self, http: aiohttp.ClientSession, session: str, message: str, language: str) -> list[dict]:
        """The replies; a message that got 503/504/429 or no answer is sent again after a pause, as the widget's
        "send again" button does; after ``MAX_TRIES`` the user gives up (ConversationLost)."""
        for _ in range(MAX_TRIES):
            start = time.monotonic()
            try:
                async with http.post(f"{self.web_url}/api/message", json={"session": session, "message": message,
                                                                          "language": language},
                                     headers={"X-Forwarded-For": self.address}) as response:
                    body = await response.json()
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                self.tally.error(type(exc).__name__)
                await self.think()
                continue
            if status == 200:
                self.tally.latencies.append((start, time.monotonic() - start))
                return body["messages"]
            self.tally.error(f"HTTP {status} {body.get('error', '')}".strip())
            if status not in (429, 503, 504):
                raise ConversationLost(f"HTTP {status}")
            await self.think()
        raise ConversationLost(f"no answer after {MAX_TRIES} tries")

    async def converse(self, http: aiohttp.ClientSession, persona: dict) -> None:
        session = str(uuid.UUID(int=self.random.getrandbits(128), version=4))
        conversation = f"web-{session}"
        self.tally.started.append(conversation)
        language, message = persona.get("lang", "nl"), persona["opener"]
        consented, given = False, set()
        for _ in range(MAX_TURNS):
            try:
                messages = await self.send(http, session, message, language)
            except ConversationLost:
                self.tally.lost.append(conversation)
                return
            if consented and await asyncio.to_thread(self.handoffs, conversation):
                self.tally.finished.append(conversation)
                return
            asked = self.simulate.what_is_asked(messages)
            consented = consented or asked == "consent"
            message = self.simulate.reply_for(asked, persona, messages, given)
            given.add(asked or "?")
            await self.think()
        self.tally.gave_up.append(conversation)

    async def run(self, stop: asyncio.Event) -> None:
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            await asyncio.sleep(self.random.uniform(0, 3.0) * self.think_scale)  # people do not all start at once
            while not stop.is_set():
                await self.converse(http, self.random.choice(self.personas))


# -- measuring -------------------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def shared_pids() -> dict[str, list[int]]:
    """PostgreSQL's and Redis's processes (shared with everything else on this machine)."""
    found: dict[str, list[int]] = {"postgres (shared)": [], "redis (shared)": []}
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            name = stat.read_text().strip()
        except OSError:
            continue
        if name.startswith("postgres"):
            found["postgres (shared)"].append(int(stat.parent.name))
        elif name.startswith("redis-server"):
            found["redis (shared)"].append(int(stat.parent.name))
    return found


def snapshot(stack: ReplicaStack) -> dict[str, tuple[float, float]]:
    """Process -> (CPU seconds so far, RSS MB); a restarted process is a new entry (its own pid)."""
    groups = {f"{name} ({pid})": [pid] for name, pid in stack.pids().items()} | shared_pids()
    return {name: (sum(map(cpu_seconds, pids)), sum(map(rss_mb, pids))) for name, pids in groups.items()}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report_window(label: str, tally: Tally, since: float, until: float, before: dict, after: dict,
                  users: int) -> dict:
    latencies = [seconds for sent, seconds in tally.latencies if since <= sent < until]
    errors = sum(1 for at, _ in tally.error_times if since <= at < until)
    elapsed = until - since
    rasa_cpu = sum(after[n][0] - before.get(n, (0.0, 0))[0] for n in after if n.startswith("rasa"))
    own_cpu = sum(after[n][0] - before.get(n, (0.0, 0))[0] for n in after if "shared" not in n)
    row = {"label": label, "users": users, "messages": len(latencies), "msg_s": len(latencies) / elapsed,
           "p50": percentile(latencies, 0.50), "p95": percentile(latencies, 0.95), "p99": percentile(latencies, 0.99),
           "errors": errors, "rasa_cpu_ms": 1000 * rasa_cpu / max(len(latencies), 1),
           "all_cpu_ms": 1000 * own_cpu / max(len(latencies), 1)}
    print(f"{label:<22} users {users:>3}  msgs {row['messages']:>5}  {row['msg_s']:5.2f} msg/s  "
          f"p50 {row['p50'] * 1000:6.0f} ms  p95 {row['p95'] * 1000:6.0f} ms  p99 {row['p99'] * 1000:6.0f} ms  "
          f"errors {errors:>3}  CPU/msg: Rasa {row['rasa_cpu_ms']:5.0f} ms, Wegwijzer total {row['all_cpu_ms']:5.0f} ms",
          flush=True)
    return row


def print_processes(before: dict, after: dict, elapsed: float) -> None:
    print("  process               CPU %   RSS MB")
    for name in sorted(after):
        cpu = after[name][0] - before.get(name, (0.0, 0))[0]
        print(f"  {name:<20} {100 * cpu / elapsed:6.1f} {after[name][1]:8.0f}")


def print_outcome(tally: Tally, counts: dict[str, int]) -> None:
    started = set(tally.started)
    handed = {c for c in started if counts.get(c, 0) >= 1}
    twice = sorted(c for c in started if counts.get(c, 0) > 1)
    print(f"  conversations started {len(started)}, completed to their handoff {len(handed)}, "
          f"unfinished when the run ended {len(started - handed) - len(tally.gave_up) - len(tally.lost)}, "
          f"no handoff after {MAX_TURNS} turns {len(tally.gave_up)}, lost after repeated errors {len(tally.lost)}, "
          f"handoff stored twice {len(twice)}")
    print(f"  what users saw besides answers: {tally.errors or 'nothing'}")


# -- modes -----------------------------------------------------------------------------------------------

async def run_users(stack: ReplicaStack, args: argparse.Namespace, schedule, personas, simulate) -> Tally:
    """``schedule(add_users, tally)`` decides when users join; then new conversations stop and running ones
    finish (``--drain`` seconds at most)."""
    tally = Tally()
    # pre-ping: the check survives a PostgreSQL restart (a failed check counts as "not yet")
    engine = create_engine(stack.database_url, future=True, pool_size=4, pool_pre_ping=True)

    def handoffs(conversation: str) -> int:
        try:
            with engine.connect() as connection:
                return connection.execute(text("SELECT count(*) FROM handoffs WHERE conversation_id = :c"),
                                          {"c": conversation}).scalar_one()
        except OperationalError:
            return 0

    stop, tasks = asyncio.Event(), []

    def add_users(count: int) -> None:
        for _ in range(count):
            user = User(len(tasks), stack.web_url, simulate, personas, tally, handoffs, args.think_scale, args.seed)
            tasks.append(asyncio.create_task(user.run(stop)))

    await schedule(add_users, tally)
    stop.set()
    drain_start = time.monotonic()
    done, pending = await asyncio.wait(tasks, timeout=args.drain)
    for task in pending:
        task.cancel()
    print(f"  drained in {time.monotonic() - drain_start:.0f} s ({len(pending)} users still talking were stopped)")
    engine.dispose()
    return tally


async def rise(stack: ReplicaStack, args, personas, simulate) -> list[dict]:
    rows = []

    async def schedule(add_users, tally: Tally) -> None:
        users = 0
        for level in args.levels:
            add_users(level - users)
            users = level
            await asyncio.sleep(args.warmup)
            since, before = time.monotonic(), snapshot(stack)
            await asyncio.sleep(args.seconds)
            after = snapshot(stack)
            rows.append(report_window(f"{stack.replicas} replica(s)", tally, since, time.monotonic(), before, after,
                                      users))
            if rows[-1]["p95"] > 1.0:
                print_processes(before, after, time.monotonic() - since)
                print(f"  p95 passed 1 s at {users} concurrent users")
                return
        print_processes(before, after, time.monotonic() - since)

    tally = await run_users(stack, args, schedule, personas, simulate)
    print_outcome(tally, stack.handoff_counts())
    return rows


async def disturb(stack: ReplicaStack, args, personas, simulate) -> None:
    """Steady users; one disturbance after another (``--mode kill,restart-postgres``), each in the middle of its
    own ``--seconds`` window: one replica killed (-9) and started again, or PostgreSQL / Redis restarted."""

    async def schedule(add_users, tally: Tally) -> None:
        add_users(args.users)
        await asyncio.sleep(args.warmup)
        for disturbance in args.mode.split(","):
            since, before = time.monotonic(), snapshot(stack)
            await asyncio.sleep(args.seconds / 2)
            hit, middle = time.monotonic(), snapshot(stack)
            if disturbance == "kill":
                stack.kill_replica(0)
                print(f"  {time.strftime('%H:%M:%S')} rasa-1 killed with SIGKILL; started again at once "
                      "(as the supervisor does)", flush=True)
                stack.start_replica(0, wait=False)
            else:
                print(f"  {time.strftime('%H:%M:%S')} {disturbance}", flush=True)
                subprocess.run(RESTART[disturbance], shell=True, check=False, capture_output=True)
                print(f"  {time.strftime('%H:%M:%S')} {disturbance}: the command returned after "
                      f"{time.monotonic() - hit:.1f} s", flush=True)
            await asyncio.sleep(args.seconds / 2)
            after, until = snapshot(stack), time.monotonic()
            report_window(f"before {disturbance}", tally, since, hit, before, middle, args.users)
            report_window(f"after {disturbance}", tally, hit, until, middle, after, args.users)
            slow = [(sent - hit, seconds) for sent, seconds in tally.latencies if hit <= sent < until and seconds > 1.0]
            errors = [(at - hit, kind) for at, kind in tally.error_times if hit <= at < until]
            kinds = sorted({kind for _, kind in errors})
            last_problem = max([t for t, _ in errors] + [t + s for t, s in slow], default=0.0)
            print(f"  after {disturbance}: {len(errors)} error answers {kinds or ''}, {len(slow)} answers over 1 s "
                  f"(slowest {max([s for _, s in slow], default=0):.1f} s); the last problem "
                  f"{last_problem:.1f} s after it", flush=True)

    tally = await run_users(stack, args, schedule, personas, simulate)
    print_outcome(tally, stack.handoff_counts())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", default=None,
                        help="comma-separated: one run per count, baseline first (default 1,2 for rise, else 2)")
    parser.add_argument("--mode", default="rise", help="rise, or disturbances one after another, comma-separated: "
                                                       f"kill, {', '.join(RESTART)}")
    parser.add_argument("--levels", default="4,8,16,32,64", help="rise: concurrent users per step")
    parser.add_argument("--users", type=int, default=8, help="kill/restart: concurrent users")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds per step (rise) or in all")
    parser.add_argument("--warmup", type=float, default=10, help="seconds after users join before measuring")
    parser.add_argument("--drain", type=float, default=180, help="seconds running conversations get to finish")
    parser.add_argument("--think-scale", type=float, default=1.0, help="multiplies the 3-10 s think time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="simulate.py and the personas")
    args = parser.parse_args()
    args.levels = [int(level) for level in args.levels.split(",")]
    if args.mode != "rise" and not set(args.mode.split(",")) <= {"kill", *RESTART}:
        parser.error(f"--mode: rise, or some of kill, {', '.join(RESTART)}")
    args.replicas = args.replicas or ("1,2" if args.mode == "rise" else "2")
    sys.path.insert(0, str(args.eval_dir))
    import simulate  # the shared evaluation's reply logic

    personas = load_personas(args.eval_dir)
    print(f"{len(personas)} personas; think time {3 * args.think_scale:g}-{10 * args.think_scale:g} s; seed {args.seed}")
    for replicas in (int(r) for r in args.replicas.split(",")):
        with tempfile.TemporaryDirectory(prefix="wegwijzer-load-") as workdir:
            stack = ReplicaStack(Path(workdir), replicas=replicas)
            started = time.monotonic()
            try:
                stack.start()
                print(f"== {replicas} Rasa replica(s) on PostgreSQL + Redis, ready in {time.monotonic() - started:.0f} s; "
                      f"mode {args.mode}", flush=True)
                if args.mode == "rise":
                    asyncio.run(rise(stack, args, personas, simulate))
                else:
                    asyncio.run(disturb(stack, args, personas, simulate))
            finally:
                stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
