"""The one Rasa client with several replicas (RASA_URLS): each conversation stays on the replica its sender id
hashes to, moves on only when that replica refused the connection, and is never sent twice after sending."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from wegwijzer.rasa.client import RasaClient, RasaNoAnswer, RasaUnavailable, home_replica
from wegwijzer.settings import WebSettings
from wegwijzer.web.server import create_app
from tests.servers import free_port

REPLICAS_HOSTS = ["rasa-1", "rasa-2", "rasa-3"]
REPLICAS = [f"http://{host}:5005" for host in REPLICAS_HOSTS]


def test_the_home_replica_is_the_same_in_every_process():
    """Not Python's hash(), which differs per process (PYTHONHASHSEED): every web server and bridge agrees."""
    senders = [f"web-{n}" for n in range(20)]
    code = ("from wegwijzer.rasa.client import home_replica; "
            f"print([home_replica(s, 3) for s in {senders!r}])")
    seen = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                           capture_output=True, text=True, check=True).stdout for seed in ("1", "2")}
    assert seen == {f"{[home_replica(s, 3) for s in senders]}\n"}


def test_conversations_spread_over_the_replicas():
    counts = [0, 0, 0]
    for n in range(3000):
        counts[home_replica(f"web-{n:08x}", 3)] += 1
    assert all(900 < count < 1100 for count in counts), counts


def recording_transport(calls: list[str], answer) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        return answer(request.url.host, len(calls))
    return httpx.MockTransport(handler)


def ok(host: str) -> httpx.Response:
    return httpx.Response(200, json=[{"recipient_id": "x", "text": f"from {host}"}])


async def test_every_message_of_a_conversation_goes_to_its_home_replica():
    calls: list[str] = []
    client = RasaClient(REPLICAS, "widget", transport=recording_transport(calls, lambda host, _: ok(host)))
    try:
        for sender in ("web-a", "web-b", "web-c", "web-d"):
            for _ in range(3):
                await client.send(sender, "hallo")
    finally:
        await client.aclose()
    homes = [f"rasa-{home_replica(s, 3) + 1}" for s in ("web-a", "web-b", "web-c", "web-d") for _ in range(3)]
    assert calls == homes


async def test_a_refused_connection_moves_the_conversation_to_the_next_replica_once():
    calls: list[str] = []
    sender = "web-failover"
    home = f"rasa-{home_replica(sender, 3) + 1}"
    following = f"rasa-{(home_replica(sender, 3) + 1) % 3 + 1}"

    def answer(host: str, _count: int) -> httpx.Response:
        if host == home:
            raise httpx.ConnectError("refused")
        return ok(host)
    client = RasaClient(REPLICAS, "widget", transport=recording_transport(calls, answer), down_seconds=60)
    try:
        first = await client.send(sender, "hallo")
        second = await client.send(sender, "nog een")
    finally:
        await client.aclose()
    assert first == [{"recipient_id": "x", "text": f"from {following}"}] and second == first
    assert calls == [home, following, following], "the refusing replica is skipped while it is down"


@pytest.mark.parametrize("problem", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("closed")])
async def test_a_message_that_may_have_reached_its_replica_goes_to_no_other(problem):
    calls: list[str] = []

    def answer(host: str, _count: int) -> httpx.Response:
        raise problem
    client = RasaClient(REPLICAS, "widget", transport=recording_transport(calls, answer))
    try:
        with pytest.raises(RasaNoAnswer):
            await client.send("web-x", "ja, dat mag")
    finally:
        await client.aclose()
    assert calls == [f"rasa-{home_replica('web-x', 3) + 1}"]


async def test_a_server_error_is_retried_on_the_same_replica_not_moved():
    calls: list[str] = []

    def answer(host: str, count: int) -> httpx.Response:
        return httpx.Response(503) if count == 1 else ok(host)
    client = RasaClient(REPLICAS, "widget", attempts=3, backoff=0.01, transport=recording_transport(calls, answer))
    try:
        await client.send("web-y", "hallo")
    finally:
        await client.aclose()
    assert calls == [f"rasa-{home_replica('web-y', 3) + 1}"] * 2


async def test_every_replica_down_is_unavailable_after_the_attempts():
    calls: list[str] = []

    def answer(host: str, _count: int) -> httpx.Response:
        raise httpx.ConnectError("refused")
    client = RasaClient(REPLICAS, "widget", attempts=2, backoff=0.01, transport=recording_transport(calls, answer))
    try:
        with pytest.raises(RasaUnavailable, match="3 replicas did not answer after 2 attempts"):
            await client.send("web-z", "hallo")
    finally:
        await client.aclose()
    assert sorted(calls) == sorted(REPLICAS_HOSTS * 2)



async def test_the_web_server_with_one_replica_down_answers_every_session():
    """Real sockets: one replica's port is closed (refused); the user sees only answers."""
    received: list[str] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body["sender"])
        return web.json_response([{"recipient_id": body["sender"], "text": "Welkom"}])
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    rasa = TestServer(app)
    await rasa.start_server()
    alive = str(rasa.make_url("")).rstrip("/")
    settings = WebSettings(rasa_urls=(f"http://127.0.0.1:{free_port()}", alive), rasa_timeout=5)
    client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    sessions = [f"00000000-0000-4000-8000-{n:012x}" for n in range(8)]
    try:
        for session in sessions:
            response = await client.post("/api/message", json={"session": session, "message": "Hallo"})
            assert response.status == 200 and (await response.json())["messages"][0]["text"] == "Welkom"
    finally:
        await client.close()
        await rasa.close()
    assert sorted(received) == sorted(f"web-{s}" for s in sessions), "each message reached Rasa exactly once"


@pytest.mark.parametrize("command", ["web", "telegram"])
def test_a_wrong_replica_list_stops_the_channel_with_a_clear_message(command):
    env = {**os.environ, "RASA_URLS": "http://rasa-1:5005,rasa-2", "TELEGRAM_BOT_TOKEN": "1:x"}
    result = subprocess.run([sys.executable, "-m", "wegwijzer.cli.main", command], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.strip() == \
        f"wegwijzer {command}: RASA_URLS: 'rasa-2' is not an address like http://127.0.0.1:5005"
