"""Two Rasa replicas on PostgreSQL and Redis behind the website server: conversations are spread over both,
one replica is killed (SIGKILL) in the middle of the conversations, and every conversation still finishes
to its handoff, exactly once, without the user seeing an error."""
from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from tests.conftest import require_service
from tests.replica_stack import ReplicaStack
from tests.servers import MODELS
from wegwijzer.rasa.client import home_replica

pytestmark = pytest.mark.slow
PER_REPLICA = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    if not list(MODELS.glob("*.tar.gz")):
        pytest.fail("no trained model in models/: scripts/test trains one before running the tests")
    running = ReplicaStack(tmp_path_factory.mktemp("replicas"), replicas=2)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def say(stack: ReplicaStack, session: str, message: str) -> list[dict]:
    """One message through the website server; anything but 200 is an error the user would see."""
    body = json.dumps({"session": session, "message": message, "language": "nl"}).encode()
    request = urllib.request.Request(f"{stack.web_url}/api/message", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200
        return json.loads(response.read())["messages"]


def button(messages: list[dict], word: str) -> str:
    for message in messages:
        for choice in message.get("buttons") or []:
            if word.lower() in choice["title"].lower():
                return choice["payload"]
    raise AssertionError(f"no button with {word!r} in {messages}")


# The intake of tests/e2e/test_e2e.py: each step is the user's answer to the previous replies.
STEPS = [lambda r: "Goedemiddag", lambda r: button(r, "Personeel"), lambda r: "Deventer", lambda r: button(r, "Bouw"),
         lambda r: "25 man", lambda r: "Mijn monteurs moeten leren werken met warmtepompen.",
         lambda r: button(r, "Ja"), lambda r: "Erik Nijland", lambda r: "Nijland Installatietechniek",
         lambda r: "erik@nijlandinstallatie.example", lambda r: button(r, "Ja")]
KILL_BEFORE_STEP = 6  # after the referral, before the contact form: the conversations are half-way


def sessions_on_each_replica() -> dict[int, list[str]]:
    chosen: dict[int, list[str]] = {0: [], 1: []}
    while min(map(len, chosen.values())) < PER_REPLICA:
        session = str(uuid.uuid4())
        home = home_replica(f"web-{session}", 2)
        if len(chosen[home]) < PER_REPLICA:
            chosen[home].append(session)
    return chosen


def test_a_killed_replica_loses_no_conversation_and_stores_no_handoff_twice(stack):
    homes = sessions_on_each_replica()
    sessions = homes[0] + homes[1]
    replies = {session: [] for session in sessions}
    for step_number, step in enumerate(STEPS):
        if step_number == KILL_BEFORE_STEP:
            stack.kill_replica(0)
        for session in sessions:  # the conversations take turns, as people chatting at the same time
            replies[session] = say(stack, session, step(replies[session]))
    counts = stack.handoff_counts()
    assert {session: counts.get(f"web-{session}", 0) for session in sessions} == {s: 1 for s in sessions}
    for session in sessions:
        assert "werkdagen" in " ".join(m["text"] for m in replies[session]), "the user was told the handoff is stored"
    web_log = (stack.workdir / "web.log").read_text(errors="replace")
    assert "refused the connection" in web_log, "the conversations of the killed replica moved to the other one"
    assert "Nijland" not in web_log and not any(s in web_log for s in sessions), "no personal data in the log"
