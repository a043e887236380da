"""Rasa's endpoint requests reuse their connection, keep their headers and survive a server that drops it."""
from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from wegwijzer.rasa import kept_connections
from wegwijzer.rasa.kept_connections import keep_endpoint_connections


@pytest.fixture
async def server():
    """An HTTP server that answers with the number of the connection the request came on and the Authorization
    header; ``keep_alive`` is its idle limit. Connections are told apart by their transport object, held here:
    a client port can come back on loopback (Linux reuses it when the server closed first)."""
    transports: list = []

    async def answer(request: web.Request) -> web.Response:
        if request.path == "/fail":
            return web.json_response({"error": "no"}, status=500)
        number = next((n for n, seen in enumerate(transports) if seen is request.transport), None)
        if number is None:
            transports.append(request.transport)
            number = len(transports) - 1
        return web.json_response({"connection": number, "auth": request.headers.get("Authorization")})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runners = []

    async def start(keep_alive: float = 75.0) -> str:
        runner = web.AppRunner(app, keepalive_timeout=keep_alive)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    start.transports = transports  # type: ignore[attr-defined]
    yield start
    for runner in runners:
        await runner.cleanup()


async def until_closed(transport, limit: float = 10.0) -> None:
    """Wait until the server has closed ``transport`` on its own and the client had a moment to see it.
    aiohttp's server may close an idle connection up to a second after its keep-alive, so a fixed sleep
    raced with it on a busy machine."""
    waited = 0.0
    while not transport.is_closing():
        assert waited < limit, "the server never closed the idle connection"
        await asyncio.sleep(0.05)
        waited += 0.05
    await asyncio.sleep(0.1)


async def test_requests_share_one_connection_with_the_endpoint_headers(server):
    keep_endpoint_connections()
    endpoint = EndpointConfig(await server(), headers={"Authorization": "Bearer secret"})
    first = await endpoint.request(json={}, method="post", subpath="webhook")
    second = await endpoint.request(json={}, method="post", subpath="webhook")
    assert first["connection"] == second["connection"] == 0
    assert first["auth"] == second["auth"] == "Bearer secret"


async def test_an_idle_connection_is_dropped_before_the_server_drops_it(server, monkeypatch):
    monkeypatch.setattr(kept_connections, "IDLE_SECONDS", 0.2)
    keep_endpoint_connections()
    endpoint = EndpointConfig(await server(keep_alive=5.0))
    connections = [(await endpoint.request(method="get"))["connection"]]
    await asyncio.sleep(1.0)  # past the client's idle limit (its cleanup may come one period late), not the server's
    connections.append((await endpoint.request(method="get"))["connection"])
    assert connections == [0, 1]


async def test_a_connection_the_server_closed_is_not_reused(server):
    keep_endpoint_connections()
    endpoint = EndpointConfig(await server(keep_alive=0.1))
    first = await endpoint.request(method="get")
    await until_closed(server.transports[0])
    second = await endpoint.request(method="get")
    assert (first["connection"], second["connection"]) == (0, 1)


async def test_an_error_answer_leaves_the_session_usable(server):
    keep_endpoint_connections()
    endpoint = EndpointConfig(await server())
    with pytest.raises(ClientResponseError):
        await endpoint.request(method="get", subpath="fail")
    assert (await endpoint.request(method="get"))["auth"] is None


async def test_each_endpoint_keeps_its_own_session(server):
    keep_endpoint_connections()
    url = await server()
    signed = EndpointConfig(url, headers={"Authorization": "Bearer one"})
    plain = EndpointConfig(url)
    assert (await signed.request(method="get"))["auth"] == "Bearer one"
    assert (await plain.request(method="get"))["auth"] is None
