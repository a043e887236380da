"""The website server: the chat widget, its demo page, the chat API, the privacy and accessibility statements and
the advisers' pages.

Chat messages go on to Rasa's REST channel through the one Rasa client (same origin, or cross-origin
for the configured partner sites only).

Message texts, session ids, client addresses and query strings (the advisers' signed links) are
never logged (AVG/GDPR).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import signal
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from wegwijzer.logsafe import escape_controls, setup_logging
from wegwijzer.rasa.client import RasaClient, RasaNoAnswer, RasaRejected, RasaUnavailable
from wegwijzer.rasa.reply_marks import DATA_ERASED, mark_of
from wegwijzer.settings import WebSettings
from wegwijzer.texts import fill_contact
from wegwijzer.web import accessibility, adviser, privacy
from wegwijzer.web.rate_limit import RateLimiter

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {  # URL path -> (file in STATIC_DIR, content type)
    "/": ("demo.html", "text/html; charset=utf-8"),
    "/demo.css": ("demo.css", "text/css; charset=utf-8"),
    "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
    "/widget.css": ("widget.css", "text/css; charset=utf-8"),
}
DEMO_PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                    "form-action 'self'; frame-ancestors 'self'")
SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # crypto.randomUUID()
SENDER_PREFIX = "web-"  # the server names the Rasa sender, so a web request can never reach another channel's chat
LANGUAGES = ("nl", "en")
MAX_BODY_BYTES = 32 * 1024


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Method, path, status, size and time: no query string (an adviser link's signature is there), no client
    address, referrer or user agent. The path is decoded (``%0a`` is a line break): it is logged escaped."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %s %.3fs", escape_controls(request.method), escape_controls(request.path),
                         response.status, response.body_length, time)


SETTINGS = web.AppKey("settings", WebSettings)
SESSION_LIMIT = web.AppKey("session_limit", RateLimiter)
CLIENT_LIMIT = web.AppKey("client_limit", RateLimiter)
RASA = web.AppKey("rasa", RasaClient)
CHANNEL = "widget"  # the channel in the metadata of every message sent to Rasa


def json_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The one error shape of the API: ``{"error": code, "message": text}``; the widget words it for the user."""
    return web.json_response({"error": code, "message": message}, status=status, headers=headers)


_ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                413: "too_large", 429: "rate_limited"}
UNAVAILABLE = (503, "assistant_unavailable", "The assistant cannot be reached right now; the message did not reach it.")
NO_ANSWER = (504, "assistant_no_answer", "The assistant did not answer in time; the message may have reached it, "
                                         "so it is not sent again.")
BAD_REPLY = (502, "assistant_error", "The assistant gave an answer the web server cannot use.")


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """API errors as JSON; an unexpected error anywhere gives a short JSON 500, never a stack trace."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith("/api/"):
            raise
        return json_error(exc.status, _ERROR_CODES.get(exc.status, "error"), exc.reason)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the reason is logged by type only: its text may hold what the user typed
        logger.error("unexpected %s while handling %s %s", type(exc).__name__, escape_controls(request.method),
                     escape_controls(request.path))
        return json_error(500, "internal_error", "Something went wrong in the web server.")


def _origin_allowed(request: web.Request) -> bool:
    """No Origin (not a browser page), the server's own origin, or one of the configured partner sites."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin.rstrip("/").lower() in request.app[SETTINGS].allowed_origins:
        return True
    return urlsplit(origin).netloc.lower() == request.host.lower()


def _cors_headers(request: web.Request) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if origin is None or urlsplit(origin).netloc.lower() == request.host.lower():
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


async def preflight(request: web.Request) -> web.Response:
    if not _origin_allowed(request):
        return json_error(403, "origin_not_allowed", "This site may not use the Wegwijzer chat.")
    return web.Response(status=204, headers={**_cors_headers(request), "Access-Control-Allow-Methods": "POST",
                                             "Access-Control-Allow-Headers": "Content-Type",
                                             "Access-Control-Max-Age": "600"})


async def post_message(request: web.Request) -> web.Response:
    """``{"session": id, "message": text, "language": "nl"|"en"}`` -> ``{"messages": [{"text", "buttons"}]}``, with
    ``"erased": true`` when the user's data was just erased."""
    if not _origin_allowed(request):
        return json_error(403, "origin_not_allowed", "This site may not use the Wegwijzer chat.")
    cors = _cors_headers(request)
    settings = request.app[SETTINGS]
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the JSON parser goes
        return json_error(400, "invalid_json", "The request body must be JSON.", cors)
    if not isinstance(body, dict):
        return json_error(400, "invalid_json", "The request body must be a JSON object.", cors)
    session, message, language = body.get("session"), body.get("message"), body.get("language", "nl")
    if not isinstance(session, str) or not SESSION_ID.fullmatch(session):
        return json_error(400, "invalid_session", "session must be a UUID in lower-case hexadecimal.", cors)
    if not isinstance(message, str) or not message.strip():
        return json_error(400, "empty_message", "message must be a non-empty text.", cors)
    if not _is_text(message):
        return json_error(400, "invalid_text", "message must be valid Unicode text.", cors)
    if len(message) > settings.max_message_chars:
        return json_error(413, "message_too_long",
                          f"message is longer than {settings.max_message_chars} characters.", cors)
    if language not in LANGUAGES:
        return json_error(400, "invalid_language", "language must be 'nl' or 'en'.", cors)
    wait = request.app[CLIENT_LIMIT].hit(client_address(request)) or request.app[SESSION_LIMIT].hit(session)
    if wait:
        return json_error(429, "rate_limited", "Too many messages; wait a moment.",
                          {**cors, "Retry-After": str(math.ceil(wait))})
    try:
        replies = await request.app[RASA].send(SENDER_PREFIX + session, message.strip(), {"language": language})
    except RasaUnavailable:  # certainly not handled by Rasa: the widget may offer to send it again
        return json_error(*UNAVAILABLE, cors)
    except RasaNoAnswer:  # Rasa may have it: sending it again could fill a form slot twice
        return json_error(*NO_ANSWER, cors)
    except RasaRejected:
        return json_error(*BAD_REPLY, cors)
    answer: dict[str, Any] = {"messages": [m for m in map(_widget_message, replies) if m]}
    if any(mark_of(reply) == DATA_ERASED for reply in replies):
        answer["erased"] = True  # the widget clears the conversation from the screen
    return web.json_response(answer, headers=cors)


def _is_text(value: str) -> bool:
    """False for a lone surrogate (JSON allows ``"\\ud800"``): it is no character, and Rasa's tracker store fails on it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def client_address(request: web.Request) -> str:
    """The address the per-client limit counts (in memory only, never logged): the connecting peer, or with
    ``trust_proxy`` the last X-Forwarded-For entry, the one our own proxy added (earlier entries are whatever
    the client sent, so a client could change them at will)."""
    if request.app[SETTINGS].trust_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.remote or ""


def _widget_message(reply: Any) -> dict[str, Any] | None:
    if not isinstance(reply, dict):
        return None
    text = reply.get("text") if isinstance(reply.get("text"), str) else ""
    buttons = [{"title": b["title"], "payload": b["payload"]} for b in reply.get("buttons") or []
               if isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)]
    return {"text": text, "buttons": buttons} if text or buttons else None


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _static(filename: str, content_type: str):
    """Serve a static file with the province's contact details filled in (read once, revalidated by ETag)."""
    body = fill_contact((STATIC_DIR / filename).read_text(encoding="utf-8")).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Content-Type": content_type, "Cache-Control": "no-cache", "ETag": etag}
    if filename.endswith(".html"):
        headers["Content-Security-Policy"] = DEMO_PAGE_POLICY
    else:  # the widget is loaded by partner sites too
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"

    async def serve(request: web.Request) -> web.StreamResponse:
        if etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers={k: v for k, v in headers.items() if k != "Content-Type"})
        return web.Response(body=body, headers=headers)

    return serve


async def _security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")


def create_app(settings: WebSettings | None = None) -> web.Application:
    """The aiohttp application; ``settings`` default to the environment (``WebSettings.from_env``)."""
    settings = settings or WebSettings.from_env()
    app = web.Application(middlewares=[json_errors], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[SESSION_LIMIT] = RateLimiter(settings.session_rate, settings.rate_window)
    app[CLIENT_LIMIT] = RateLimiter(settings.client_rate, settings.rate_window)

    async def rasa_client(app: web.Application) -> AsyncIterator[None]:
        app[RASA] = RasaClient(settings.replicas, CHANNEL, timeout=settings.rasa_timeout)
        yield
        await app[RASA].aclose()

    app.cleanup_ctx.append(rasa_client)
    app.on_response_prepare.append(_security_headers)
    app.router.add_post("/api/message", post_message)
    app.router.add_route("OPTIONS", "/api/message", preflight)
    app.router.add_get("/health", health)
    for url, (filename, content_type) in STATIC_FILES.items():
        app.router.add_get(url, _static(filename, content_type))
    privacy.add_routes(app)
    accessibility.add_routes(app)
    adviser.add_routes(app)
    return app


def run(settings: WebSettings) -> None:
    """Serve until interrupted."""
    setup_logging()
    print(f"Wegwijzer web server on http://{settings.host}:{settings.port}/ (Rasa at {settings.rasa_url})", flush=True)
    try:
        asyncio.run(_serve(settings))
    except KeyboardInterrupt:
        pass


async def _serve(settings: WebSettings) -> None:
    """``run_app`` cannot switch off aiohttp's inflating of compressed request bodies, which has no size limit
    (CVE-2025-69223): a compressed body stays compressed here and is refused as not JSON."""
    runner = web.AppRunner(create_app(settings), access_log_class=PathOnlyAccessLogger, auto_decompress=False)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
