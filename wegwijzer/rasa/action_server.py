"""The action server for the ``actions`` package: rasa_sdk's app, answering only its own Rasa server.

rasa_sdk's ``create_app`` is reused as it is; a request middleware in front of every route but ``/health``
refuses, before any action runs:
- a call without ``ACTIONS_TOKEN`` (when it is set) in the ``Authorization`` header: 401;
- a body over ``body_limit`` bytes, also after inflating a deflate body (Rasa compresses with deflate when
  ``COMPRESS_ACTION_SERVER_REQUEST`` is on; rasa_sdk itself inflates without a limit): 413;
- any other content encoding (rasa_sdk would not inflate it): 415;
- a body that is not a JSON object (also one nested too deep to parse): 400.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import zlib
from dataclasses import dataclass

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from wegwijzer.rasa.endpoints import action_token_headers
from wegwijzer.settings import ActionServerSettings

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


@dataclass(frozen=True)
class Refusal:
    """Why a call is refused: the HTTP status and a short reason for the caller (no request content)."""

    status: int
    reason: str

    def as_response(self) -> HTTPResponse:
        return response.json({"error": self.reason}, status=self.status)


def is_authorized(authorization: str | None, token: str | None) -> bool:
    """Without a token every caller is; with one, only a caller that sends it (compared in constant time)."""
    if token is None:
        return True
    expected = action_token_headers(token)["Authorization"].encode("utf-8")
    return hmac.compare_digest((authorization or "").encode("utf-8", "replace"), expected)


def inflate(body: bytes, limit: int) -> bytes:
    """A deflate (zlib) body, inflated to at most ``limit`` bytes; raises ValueError when it is broken and
    OverflowError when it would grow beyond the limit (without ever holding more than limit + 1 bytes)."""
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ValueError("broken deflate body") from exc
    if len(data) > limit or inflater.unconsumed_tail:
        raise OverflowError("body too large once inflated")
    if not inflater.eof:
        raise ValueError("incomplete deflate body")
    return data


def check_call(authorization: str | None, encoding: str | None, body: bytes,
               settings: ActionServerSettings) -> tuple[dict | None, Refusal | None]:
    """The parsed action call, or why it is refused. The token is checked first, so an unknown caller learns
    nothing about what the server would accept."""
    if not is_authorized(authorization, settings.token):
        return None, Refusal(401, "unauthorized")
    if len(body) > settings.body_limit:
        return None, Refusal(413, "body too large")
    encoding = (encoding or "identity").strip().lower()
    if encoding == "deflate":
        try:
            body = inflate(body, settings.body_limit)
        except OverflowError:
            return None, Refusal(413, "body too large")
        except ValueError:
            return None, Refusal(400, "invalid body")
    elif encoding != "identity":
        return None, Refusal(415, "unsupported content encoding")
    try:
        call = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None, Refusal(400, "invalid body")
    if not isinstance(call, dict):
        return None, Refusal(400, "invalid body")
    return call, None


def build_app(settings: ActionServerSettings, package: str = "actions") -> Sanic:
    """rasa_sdk's app for ``package`` with the guard in front and no CORS (no browser page may call it)."""
    app = create_app(package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = settings.body_limit

    @app.on_request
    async def guard(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        stream = request.stream
        if stream is not None and stream.request_body:
            # The body was not read to its end: Sanic stopped at the size limit or at broken chunking and
            # runs this middleware from its error path (a body on a GET is not read either).
            too_large = stream.request_bytes > stream.request_max_size or stream.request_bytes_left > stream.request_max_size
            return Refusal(413, "body too large").as_response() if too_large else Refusal(400, "invalid body").as_response()
        call, refusal = check_call(request.headers.get("Authorization"), request.headers.get("Content-Encoding"),
                                   request.body or b"", settings)
        if refusal is not None:
            if request.method == "GET" and refusal.status != 401:
                return None  # a GET (the list of actions) has no body to check
            log.warning("refused a call to %r: %s", request.path[:80], refusal.status)
            return refusal.as_response()
        if request.headers.get("Content-Encoding") != "deflate":
            request.parsed_json = call  # rasa_sdk's handler inflates only exactly "deflate"; else it reads this
        return None

    return app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(settings: ActionServerSettings, package: str = "actions") -> None:
    """Serve until stopped. Refuses to listen beyond this machine without a token."""
    if not is_loopback(settings.host) and settings.token is None:
        raise SystemExit(f"ACTIONS_HOST={settings.host} is reachable from other machines: set ACTIONS_TOKEN "
                         "(and write Rasa's endpoints with it: wegwijzer endpoints)")
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = build_app(settings, package)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    log.info("action server on http://%s:%d (%s)", settings.host, settings.port,
             "token required" if settings.token else "no token: loopback only")
    app.run(settings.host, settings.port, workers=utils.number_of_sanic_workers(), access_log=False)
