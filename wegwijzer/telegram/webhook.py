"""Webhook mode: a small aiohttp server that takes Telegram's updates and checks its secret token."""
from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_app(application: Application, path: str, secret: str) -> web.Application:
    """Accept POSTs on ``path`` that carry ``secret``; anything else gets 403 and is not looked at."""

    async def receive(request: web.Request) -> web.Response:
        if not _same_secret(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (ValueError, TypeError, KeyError, json.JSONDecodeError):
            update = None
        if update is None:
            log.warning("the webhook got a request that is not a Telegram update")
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response()

    app = web.Application()
    app.router.add_post(path, receive)
    return app


def _same_secret(given: str, secret: str) -> bool:
    """A constant-time comparison of bytes: ``compare_digest`` refuses str with non-ASCII characters, and a
    header may carry any bytes (aiohttp keeps undecodable ones as surrogates)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret.encode("utf-8"))


async def start_webhook_server(application: Application, public_url: str, listen: str, port: int,
                               secret: str) -> web.AppRunner:
    """Serve the webhook on ``listen:port`` at the path of ``public_url`` (a proxy in front does HTTPS)."""
    runner = web.AppRunner(webhook_app(application, urlsplit(public_url).path or "/", secret), access_log=None,
                            auto_decompress=False)
    await runner.setup()
    await web.TCPSite(runner, listen, port).start()
    return runner
