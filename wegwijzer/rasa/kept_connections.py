"""Kept-alive HTTP connections from Rasa to the action server.

Rasa 3.6 opens a new aiohttp ``ClientSession`` for every request to an endpoint
(``EndpointConfig.request``), so every action call sets up a session and a TCP connection and tears them
down again; py-spy put that at about 8% of the Rasa server's busy time, and a typed intake step runs one or
two actions. Here each endpoint keeps one session per event loop and lends it to Rasa's ``async with``, so
connections to the action server are reused.

Idle connections are dropped after ``IDLE_SECONDS``, well before the action server's own keep-alive
(Sanic closes after 5 s): a request sent on a connection the server is just closing would fail.
"""
from __future__ import annotations

import asyncio
import atexit
import weakref
from typing import Any

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

IDLE_SECONDS = 2.0
_SESSIONS = "_wegwijzer_sessions"  # on an EndpointConfig: its session per event loop
_open_sessions: "weakref.WeakSet[aiohttp.ClientSession]" = weakref.WeakSet()


class _Lent:
    """``async with`` over a kept session that leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_: Any) -> None:
        return None


def _new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """What Rasa's ``EndpointConfig.session`` makes, on a connector that keeps connections."""
    auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth else None)
    session = aiohttp.ClientSession(headers=endpoint.headers, auth=auth,
                                    timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                    connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS))
    _open_sessions.add(session)
    return session


def kept_session(endpoint: EndpointConfig) -> _Lent:
    """The endpoint's session on the running loop, made on first use and again after it was closed."""
    loop = asyncio.get_running_loop()
    sessions: weakref.WeakKeyDictionary = endpoint.__dict__.setdefault(_SESSIONS, weakref.WeakKeyDictionary())
    session = sessions.get(loop)
    if session is None or session.closed:
        session = sessions[loop] = _new_session(endpoint)
    return _Lent(session)


@atexit.register
def _close_sessions() -> None:
    """Close the connectors when the process ends: aiohttp would warn about each unclosed session."""
    for session in list(_open_sessions):
        if session.connector is not None and not session.closed:
            session.connector.close()


def keep_endpoint_connections() -> None:
    """Make Rasa's endpoints reuse their sessions (idempotent)."""
    EndpointConfig.session = kept_session  # type: ignore[method-assign,assignment]
