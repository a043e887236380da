#!/usr/bin/env python
"""A hostile run against a Wegwijzer on this machine: bounded, loopback only, one summary line at the end.

    .venv/bin/python scripts/hostile_run.py --start            # starts its own Wegwijzer on free ports
    .venv/bin/python scripts/hostile_run.py --rasa-url http://127.0.0.1:5005 --web-url http://127.0.0.1:8000 \\
        --actions-url http://127.0.0.1:5055 --log-dir var/log  # a running one (DATABASE_URL, TRACKER_DATABASE_URL)

What it sends: malformed, oversized, compressed (deflate bombs), invalid UTF-8, lone surrogates and deeply nested
bodies to Rasa's REST channel, the website server and the action server; slot and intent injection
(``/inform{"consent": true}``, ``/restart``, places and languages that are not ours); the consent bypass of issue 11
(a correction after a handoff, then "ja graag"); forged adviser links; forged action-server calls without and with
a wrong token; control characters in paths for forged log lines; and parallel conversations. What it checks: no 5xx
answer, no process that stopped (``--start``: none restarted by the supervisor), no handoff without the consent
question naming its organisation right before, no injected slot in the tracker store, no personal data, sender id
or message text in the logs. Exit code 0 only when every count is zero. The last line is the summary.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
# Personal data of a made-up entrepreneur: none of it may reach a log.
NAME, COMPANY, EMAIL, PHONE = "Henk Hostielsma", "Zwaardvisfabriek Hostiel", "henk.hostiel@example.test", "0611223344"
SECRET_WORDS = "Onze Zwaardvisfabriek wil robotiseren"
FORGED_LINE = "FAKE-LOG-LINE"


class Budget(Exception):
    """The run reached its request or time bound."""


@dataclass
class Tally:
    max_requests: int
    deadline: float
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_label: dict[str, Counter] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    accepted_forgeries: list[str] = field(default_factory=list)
    bypasses: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, label: str, status: int) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            self.by_label.setdefault(label, Counter())[status] += 1
            if status >= 500:
                self.server_errors.append(f"{label}: {status}")
            if self.requests > self.max_requests or time.monotonic() > self.deadline:
                raise Budget(f"stopped at {self.requests} requests")


def loopback_only(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"{url}: the hostile run only talks to this machine (127.0.0.1)")
    return parts.hostname, parts.port or 80


class Client:
    """Raw HTTP to one server: any body, any header, counted in the tally."""

    def __init__(self, url: str, tally: Tally, timeout: float = 60.0) -> None:
        self.host, self.port = loopback_only(url)
        self.tally, self.timeout = tally, timeout

    def request(self, label: str, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            status, data = response.status, response.read()
        except (OSError, http.client.HTTPException):
            status, data = 0, b""  # the server closed the connection (a refused oversized body does)
        finally:
            connection.close()
        self.tally.count(label, status)
        return status, data

    def json(self, label: str, path: str, payload: object, headers: dict[str, str] | None = None) -> tuple[int, object]:
        status, data = self.request(label, "POST", path, json.dumps(payload).encode(),
                                    {"Content-Type": "application/json", **(headers or {})})
        try:
            return status, json.loads(data or b"null")
        except ValueError:
            return status, None

    def raw_line(self, label: str, request_line: bytes) -> int:
        """A request whose first line is sent as it is (control characters in the path)."""
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
            sock.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            reply = b""
            try:
                while chunk := sock.recv(65536):
                    reply += chunk
            except OSError:
                pass
        match = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
        status = int(match.group(1)) if match else 0
        self.tally.count(label, status)
        return status


# -- the conversations ------------------------------------------------------------------------------

def texts(replies: object) -> str:
    messages = replies.get("messages", []) if isinstance(replies, dict) else replies
    return " ".join(str(m.get("text") or "") for m in messages or [] if isinstance(m, dict))


def button(replies: object, word: str) -> str | None:
    for message in replies or []:
        for choice in (message.get("buttons") or []) if isinstance(message, dict) else []:
            if word.lower() in str(choice.get("title", "")).lower():
                return choice.get("payload")
    return None


class Conversation:
    """One conversation over Rasa's REST channel that watches for handoffs stored without consent."""

    def __init__(self, rasa: Client, handoffs: "Handoffs | None", sender: str) -> None:
        self.rasa, self.handoffs, self.sender = rasa, handoffs, sender
        self.last_bot_text = ""
        self.seen = 0

    def say(self, text: str) -> list:
        status, replies = self.rasa.json("conversation", "/webhooks/rest/webhook", {"sender": self.sender, "message": text})
        replies = replies if isinstance(replies, list) else []
        if self.handoffs is None:  # checked once at the end (parallel conversations)
            return replies
        stored = self.handoffs.of(self.sender)
        for handoff in stored[self.seen:]:
            organisation = handoff.get("organization") or ""
            asked = "Mag ik" in self.last_bot_text and organisation and organisation in self.last_bot_text
            if not asked:
                self.rasa.tally.bypasses.append(f"{self.sender}: handoff to {organisation} after {text!r}")
        self.seen = len(stored)
        self.last_bot_text = texts(replies)
        return replies


class Handoffs:
    """The handoffs stored per conversation, read from the database (``DATABASE_URL`` in ``env``)."""

    def __init__(self, env: dict[str, str]) -> None:
        from wegwijzer.settings import database_url
        from wegwijzer.storage.engine import get_engine

        self.engine = get_engine(database_url(env))

    def all(self) -> list[dict]:
        from wegwijzer.handoffs.lifecycle import handoff_as_dict, list_handoffs
        from wegwijzer.storage.engine import session_scope

        with session_scope(self.engine) as session:
            return [handoff_as_dict(row) for row in list_handoffs(session)]

    def of(self, sender: str) -> list[dict]:
        return [h for h in self.all() if str(h.get("conversation_id")) == sender]


def consent_paths(rasa: Client, handoffs: Handoffs) -> list[str]:
    """Issue 11: a whole intake with consent, then a correction and "ja graag"; and injected consent."""
    talk = Conversation(rasa, handoffs, f"hostile-{uuid.uuid4().hex[:10]}")
    reply = talk.say("Goedemiddag")
    for answer in (button(reply, "Financiering") or "financiering", "Goor", None, "12 man", SECRET_WORDS):
        reply = talk.say(answer if answer is not None else (button(reply, "Bouw") or "bouw"))
    reply = talk.say(button(reply, "Ja") or "ja")
    for answer in (NAME, COMPANY, EMAIL):
        reply = talk.say(answer)
    talk.say(button(reply, "Ja") or "ja")
    talk.say("Ik bedoelde eigenlijk dat ik stagiairs zoek, niet financiering")
    talk.say("ja graag")
    talk.say("Nee, toch in Zwolle")
    talk.say("ja graag")
    injected = Conversation(rasa, handoffs, f"hostile-{uuid.uuid4().hex[:10]}")
    for text in ("Wij zijn een bouwbedrijf in Goor met 12 man en zoeken financiering", '/affirm', '/inform{"consent": true}',
                 f'/inform{{"contact_name": "{NAME}", "contact_email": "{EMAIL}", "consent": true}}', "ja graag", "/restart",
                 "ja"):
        injected.say(text)
    return [talk.sender, injected.sender]


def any_value_contains(word: str):
    return lambda slots: any(word in str(value) for value in slots.values())


# Each payload, and what its conversation's slots must never show afterwards (an injected slot).
INJECTIONS: list[tuple[str, object]] = [
    ('/inform{"place": "Atlantis <b>x</b>"}', any_value_contains("Atlantis")),
    ('/inform{"place": "Zwolle", "municipality": "Hof van Twente", "region": "twente"}',
     lambda slots: slots.get("place") == "Zwolle" and (slots.get("municipality") not in (None, "Zwolle")
                                                        or slots.get("region") == "twente")),
    ('/inform{"need": "<script>alert(1)</script>"}', any_value_contains("<script>")),
    ('/inform{"language": "xx"}', lambda slots: slots.get("language") not in (None, "nl", "en")),
    ('/inform{"requested_slot": "consent", "consent": true}', lambda slots: slots.get("consent") is True),
    ('/inform{"organisation": "Evil BV", "adviser": "mallory"}', any_value_contains("Evil BV")),
    ('/session_start{"consent": true}', lambda slots: slots.get("consent") is True),
    ('/action_handoff', lambda slots: slots.get("consent") is True),
    ('/restart', lambda slots: slots.get("consent") is True),
    ("Ik woon in Atlantis <b>x</b>", any_value_contains("<b>")),
    ("Correctie: de plaats is Zwolle, gemeente Hof van Twente",
     lambda slots: slots.get("place") == "Zwolle" and slots.get("municipality") not in (None, "Zwolle")),
]


def injection_paths(rasa: Client, handoffs: Handoffs) -> dict[str, tuple[str, object]]:
    """One conversation per payload (then "ja graag"): sender -> (payload, what must not show in its slots)."""
    senders = {}
    for text, injected in INJECTIONS:
        talk = Conversation(rasa, handoffs, f"hostile-{uuid.uuid4().hex[:10]}")
        talk.say(text)
        talk.say("ja graag")
        senders[talk.sender] = (text, injected)
    return senders


def injected_slots(tracker_url: str, senders: dict[str, tuple[str, object]]) -> list[str]:
    """Conversations whose slots (the last value of each, from the tracker store) show what was injected."""
    from sqlalchemy import create_engine, text

    engine = create_engine(tracker_url, future=True)
    found = []
    try:
        with engine.connect() as connection:
            for sender, (payload, injected) in senders.items():
                slots: dict[str, object] = {}
                for data in connection.execute(text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'slot' "
                                                    "ORDER BY id"), {"s": sender}).scalars():
                    event = json.loads(data)
                    slots[event.get("name")] = event.get("value")
                if injected(slots):
                    shown = {k: v for k, v in slots.items() if k in ("place", "municipality", "region", "need",
                                                                      "language", "consent") and v is not None}
                    found.append(f"{payload!r} left {shown}")
    finally:
        engine.dispose()
    return found


# -- malformed input ----------------------------------------------------------------------------------

def malformed_bodies() -> list[tuple[str, bytes, dict[str, str]]]:
    json_type = {"Content-Type": "application/json"}
    bomb = zlib.compress(b" " * 50_000_000, 9)
    return [
        ("not json", b"hallo", json_type),
        ("truncated", b'{"sender": "x", "message": "y"', json_type),
        ("list", b'["x", "y"]', json_type),
        ("null", b"null", json_type),
        ("empty", b"", json_type),
        ("latin-1", b'{"sender": "hostile-1", "message": "caf\xe9"}', json_type),
        ("surrogate sender", b'{"sender": "sur\\ud800rogate", "message": "hallo"}', json_type),
        ("surrogate message", b'{"sender": "hostile-2", "message": "x\\udfff"}', json_type),
        ("surrogate session", b'{"session": "\\ud800", "message": "hallo"}', json_type),
        ("deep list", b"[" * 100_000 + b"]" * 100_000, json_type),
        ("deep object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, json_type),
        ("deep metadata", b'{"sender": "hostile-3", "message": "x", "metadata": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
         json_type),
        ("long text", json.dumps({"sender": "hostile-4", "session": str(uuid.uuid4()), "message": "a" * 100_000}).encode(),
         json_type),
        ("2001 chars", json.dumps({"sender": "hostile-5", "session": str(uuid.uuid4()), "message": "b" * 2001}).encode(),
         json_type),
        ("3 MB", b'{"message": "' + b"c" * 3_000_000 + b'"}', json_type),
        ("deflate bomb", bomb, {**json_type, "Content-Encoding": "deflate"}),
        ("gzip", b"\x1f\x8b\x08\x00" + bomb, {**json_type, "Content-Encoding": "gzip"}),
        ("form body", b"sender=x&message=y", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("newline sender", json.dumps({"sender": f"x\n{FORGED_LINE}", "message": "x"}).encode(), json_type),
        ("numbers", b'{"sender": 1e999, "message": 12, "session": 1}', json_type),
    ]


def malformed_paths(rasa: Client, web: Client, actions: Client, token_free: bool) -> list[str]:
    refused_wrongly = []
    for name, body, headers in malformed_bodies():
        status, _ = rasa.request(f"rest {name}", "POST", "/webhooks/rest/webhook", body, headers)
        if 200 <= status < 300 and name not in ("form body",):
            refused_wrongly.append(f"rest accepted {name}")
        web.request(f"web {name}", "POST", "/api/message", body, headers)
        status, _ = actions.request(f"actions {name}", "POST", "/webhook", body, headers)
        if 200 <= status < 300 and not token_free:
            refused_wrongly.append(f"action server accepted {name} without token")
    web.request("adviser form", "POST", "/adviseur/closed", b"--x\r\nbroken", {"Content-Type": "multipart/form-data; boundary=x"})
    web.request("adviser form latin-1", "POST", "/adviseur/closed", b"t=\xff&outcome=helped",
                {"Content-Type": "application/x-www-form-urlencoded"})
    return refused_wrongly


def forged_links(web: Client) -> list[str]:
    accepted = []
    expires = int(time.time()) + 86400
    for token in (f"1.1.{expires:x}.{'A' * 22}", "1.1.zzzzzzzzzz.deadbeef", "-1.x..", "1' OR '1'='1.1.1.\u0000",
                  "1.1.1", "1.1.1.1.1", "9" * 40):
        for path in ("/adviseur", "/adviseur/gesprek"):
            status, _ = web.request("link page", "GET", f"{path}?{urlencode({'t': token})}")
            if 200 <= status < 300:
                accepted.append(f"GET {path}")
        for action in ("accept", "contacted", "closed"):
            status, _ = web.request(f"link {action}", "POST", f"/adviseur/{action}",
                                    urlencode({"t": token, "outcome": "helped"}).encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded"})
            if 200 <= status < 300:
                accepted.append(f"POST {action}")
    return accepted


def forged_action_calls(actions: Client, sender: str) -> list[str]:
    call = {"next_action": "action_handoff", "sender_id": sender, "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": sender, "slots": {"consent": True, "need": "kennis", "place": "Goor",
                                                       "contact_name": NAME, "contact_email": EMAIL},
                        "latest_message": {"text": "ja"}, "events": [], "paused": False, "followup_action": None,
                        "active_loop": {}, "latest_action_name": "action_listen"}}
    accepted = []
    body = json.dumps(call).encode()
    for label, headers in (("no token", {}), ("wrong token", {"Authorization": "Bearer wrong"}),
                           ("query token", {}), ("bare token", {"Authorization": "wrong"})):
        path = "/webhook?token=wrong" if label == "query token" else "/webhook"
        for next_action in ("action_handoff", "action_erase_data"):
            payload = json.dumps({**call, "next_action": next_action}).encode()
            status, _ = actions.request(f"forged {label}", "POST", path, payload,
                                        {"Content-Type": "application/json", **headers})
            if 200 <= status < 300:
                accepted.append(f"{label} {next_action}")
        status, _ = actions.request(f"forged deflate {label}", "POST", path, zlib.compress(body),
                                    {"Content-Type": "application/json", "Content-Encoding": "deflate", **headers})
        if 200 <= status < 300:
            accepted.append(f"{label} deflate")
    return accepted


def log_injection(rasa: Client, web: Client, actions: Client) -> None:
    for client in (rasa, web, actions):
        client.raw_line("log injection", f"GET /x%0a{FORGED_LINE}%0d%0a{FORGED_LINE} HTTP/1.1".encode())
        client.raw_line("log injection", f"GET /x%1b[31m{FORGED_LINE} HTTP/1.1".encode())
        client.request("log injection", "GET", f"/webhooks/rest/%0a{FORGED_LINE}", headers={"User-Agent": f"x\t{FORGED_LINE}"})


def parallel_conversations(rasa: Client, web: Client, handoffs: Handoffs, count: int) -> tuple[list[str], list[str]]:
    """``count`` conversations at once over Rasa's REST channel, and a few through the website server."""
    senders = [f"hostile-par-{i}-{uuid.uuid4().hex[:8]}" for i in range(count)]
    sessions = [str(uuid.uuid4()) for _ in range(min(count, 10))]

    def rest(sender: str) -> None:
        talk = Conversation(rasa, None, sender)
        for text in ("Hallo", "Wij zijn een metaalbedrijf uit Hengelo met 35 man en willen robotiseren", "ja graag"):
            talk.say(text)

    def widget(session: str) -> None:
        for text in ("Hallo", f"Ik ben {NAME}, bel me op {PHONE}", "ja graag"):
            web.json("widget", "/api/message", {"session": session, "message": text, "language": "nl"})

    with ThreadPoolExecutor(max_workers=count + len(sessions)) as pool:
        futures = [pool.submit(rest, s) for s in senders] + [pool.submit(widget, s) for s in sessions]
        for future in futures:
            future.result()
    for sender in senders:
        for handoff in handoffs.of(sender):  # none of them answered a consent question
            rasa.tally.bypasses.append(f"{sender}: handoff to {handoff.get('organization')} in a parallel conversation")
    return senders, sessions


# -- the logs -------------------------------------------------------------------------------------

def personal_lines(log_dir: Path, markers: list[str]) -> tuple[list[str], list[str]]:
    """Log lines holding personal data, a sender id, a session or a message text; and forged log lines."""
    personal, forged = [], []
    for path in sorted(log_dir.glob("*.log")):
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            hits = [m for m in markers if m in line]
            if hits:
                personal.append(f"{path.name}:{number}: {line[:200]}")
            if line.lstrip("\x1b[31m").startswith(FORGED_LINE):
                forged.append(f"{path.name}:{number}")
    return personal, forged


# -- a Wegwijzer of its own -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class OwnWegwijzer:
    """Every process scripts/start runs, under ``wegwijzer supervise``, on free ports in a temporary folder."""

    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": f"sqlite:///{self.workdir / 'wegwijzer.db'}",
                "TRACKER_DATABASE_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
                "ACTIONS_TOKEN": self.token, "ACTIONS_PORT": str(self.actions_port), "ACTIONS_HOST": "127.0.0.1",
                "RASA_PORT": str(self.rasa_port), "RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
                "WEB_PORT": str(self.web_port), "WEB_HOST": "127.0.0.1", "WEGWIJZER_LINK_SECRET": self.token,
                "WEGWIJZER_PUBLIC_URL": f"http://127.0.0.1:{self.web_port}", "RASA_TELEMETRY_ENABLED": "false",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}

    def __post_init__(self) -> None:
        self.token = secrets.token_urlsafe(32)

    def start(self, ready_seconds: float = 420) -> None:
        wegwijzer = str(VENV_BIN / "wegwijzer")
        for command in (["db", "init"], ["data", "load"]):
            subprocess.run([wegwijzer, *command], env=self.env, check=True, capture_output=True, cwd=ROOT)
        subprocess.run([wegwijzer, "endpoints", "--out", str(self.workdir / "endpoints.yml"), "--action-url",
                        f"http://127.0.0.1:{self.actions_port}/webhook", "--tracker-sqlite",
                        str(self.workdir / "tracker.db")], env=self.env, check=True, capture_output=True, cwd=ROOT)
        rasa = (f"{VENV_BIN / 'rasa'} run --model {ROOT / 'models'} --endpoints {self.workdir / 'endpoints.yml'} "
                f"--credentials {ROOT / 'credentials.yml'} --port {self.rasa_port} --interface 127.0.0.1")
        specs = [f"actions http://127.0.0.1:{self.actions_port}/health {wegwijzer} actions",
                 f"rasa http://127.0.0.1:{self.rasa_port}/ {rasa}",
                 f"web http://127.0.0.1:{self.web_port}/health {wegwijzer} web",
                 f"outbox - {wegwijzer} outbox work"]
        arguments = [wegwijzer, "supervise", "--log-dir", str(self.log_dir), "--ready-message", "READY"]
        for spec in specs:
            arguments += ["--process", spec]
        self.output = open(self.workdir / "supervisor.out", "w")
        self.process = subprocess.Popen(arguments, env=self.env, cwd=ROOT, stdout=self.output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + ready_seconds
        while "READY" not in (self.workdir / "supervisor.out").read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"Wegwijzer did not start: {(self.workdir / 'supervisor.out').read_text()[-2000:]}")
            time.sleep(1)

    @property
    def log_dir(self) -> Path:
        return self.workdir / "log"

    def restarts(self) -> list[str]:
        return re.findall(r"^\S+ (\w+) stopped \(exit code", (self.workdir / "supervisor.out").read_text(), re.M)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.process:
            self.output.close()


# -- the run ----------------------------------------------------------------------------------------

def alive(client: Client, path: str) -> bool:
    try:
        status, _ = client.request("health", "GET", path)
    except Budget:
        return True
    return status == 200


def hostile_run(rasa_url: str, web_url: str, actions_url: str, log_dir: Path, env: dict[str, str], conversations: int,
                max_requests: int, max_seconds: float, restarts=lambda: []) -> dict:
    started = time.monotonic()
    tally = Tally(max_requests=max_requests, deadline=started + max_seconds)
    rasa, web, actions = Client(rasa_url, tally), Client(web_url, tally), Client(actions_url, tally)
    handoffs = Handoffs(env)
    before = {h.get("id") for h in handoffs.all()}
    senders, sessions, notes = [], [], []
    token_free = not env.get("ACTIONS_TOKEN")
    tracker_url = env.get("TRACKER_DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    injected: list[str] = []
    try:
        notes += malformed_paths(rasa, web, actions, token_free)
        tally.accepted_forgeries += forged_links(web)
        tally.accepted_forgeries += forged_action_calls(actions, f"hostile-{uuid.uuid4().hex[:10]}")
        log_injection(rasa, web, actions)
        senders += consent_paths(rasa, handoffs)
        injection_senders = injection_paths(rasa, handoffs)
        senders += list(injection_senders)
        parallel, sessions = parallel_conversations(rasa, web, handoffs, conversations)
        senders += parallel
        injected = injected_slots(tracker_url, injection_senders)
    except Budget as exc:
        notes.append(str(exc))
    time.sleep(2)  # let the processes write their last log lines
    crashed = list(restarts())
    for name, client, path in (("rasa", rasa, "/"), ("web", web, "/health"), ("actions", actions, "/health")):
        if not alive(client, path):
            crashed.append(name)
    markers = [NAME, COMPANY, EMAIL, PHONE, SECRET_WORDS, "Henk", "Hostielsma", *senders, *sessions]
    personal, forged = personal_lines(log_dir, markers) if log_dir.is_dir() else ([], [])
    new_handoffs = [h for h in handoffs.all() if h.get("id") not in before]
    return {"requests": tally.requests, "5xx": tally.server_errors, "crashed": crashed, "bypasses": tally.bypasses,
            "injected": injected, "personal": personal, "forged_log_lines": forged,
            "accepted_forgeries": tally.accepted_forgeries, "notes": notes, "statuses": dict(tally.statuses),
            "by_label": {label: dict(counts) for label, counts in tally.by_label.items()},
            "seconds": round(time.monotonic() - started),
            "handoffs": len(new_handoffs)}


def summary(result: dict) -> str:
    return (f"hostile run: {result['requests']} requests, {len(result['5xx'])} 5xx, {len(result['crashed'])} crashed "
            f"processes, {len(result['bypasses'])} consent bypasses, {len(result['injected'])} injected slots, "
            f"{len(result['personal'])} personal-data lines in logs, {len(result['forged_log_lines'])} forged log lines, "
            f"{len(result['accepted_forgeries'])} forged calls or links accepted")


def failed(result: dict) -> bool:
    return any(result[key] for key in ("5xx", "crashed", "bypasses", "injected", "personal", "forged_log_lines",
                                       "accepted_forgeries"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", action="store_true", help="start a Wegwijzer of its own on free ports")
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    parser.add_argument("--web-url", default="http://127.0.0.1:8000")
    parser.add_argument("--actions-url", default="http://127.0.0.1:5055")
    parser.add_argument("--log-dir", type=Path, default=ROOT / "var" / "log")
    parser.add_argument("--conversations", type=int, default=50, help="parallel conversations")
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--json", type=Path, help="also write the details to this file")
    args = parser.parse_args(argv)
    own = None
    workdir = None
    try:
        if args.start:
            workdir = tempfile.TemporaryDirectory(prefix="hostile-")
            own = OwnWegwijzer(Path(workdir.name))
            print("starting a Wegwijzer of its own (a minute or two)", flush=True)
            own.start()
            result = hostile_run(f"http://127.0.0.1:{own.rasa_port}", f"http://127.0.0.1:{own.web_port}",
                                 f"http://127.0.0.1:{own.actions_port}", own.log_dir, own.env, args.conversations,
                                 args.max_requests, args.max_seconds, own.restarts)
        else:
            result = hostile_run(args.rasa_url, args.web_url, args.actions_url, args.log_dir, dict(os.environ),
                                 args.conversations, args.max_requests, args.max_seconds)
    finally:
        if own is not None:
            own.stop()
        if workdir is not None:
            workdir.cleanup()
    for key in ("5xx", "crashed", "bypasses", "injected", "personal", "forged_log_lines", "accepted_forgeries", "notes"):
        for item in result[key][:20]:
            print(f"  {key}: {item}")
    print(f"  answers by status: {dict(sorted(result['statuses'].items()))}; new handoffs: {result['handoffs']}; "
          f"{result['seconds']} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(summary(result))
    return 1 if failed(result) else 0


if __name__ == "__main__":
    sys.exit(main())
