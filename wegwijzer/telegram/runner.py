"""Running the bridge: start-up with retries, long polling or webhook, and a clean stop on a signal."""
from __future__ import annotations

import asyncio
import logging
import secrets
import signal

from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from wegwijzer.telegram.bridge import Bridge
from wegwijzer.telegram.logs import setup_logging
from wegwijzer.rasa.client import RasaClient
from wegwijzer.settings import TelegramSettings, log_level
from wegwijzer.telegram.telegram_calls import with_retries
from wegwijzer.telegram.webhook import start_webhook_server

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
FINISH_SECONDS = 5.0  # on stop, queued work gets this long to finish


class StartupFailed(Exception):
    pass


async def serve(settings: TelegramSettings, stop: asyncio.Event) -> None:
    """Run the bridge until ``stop`` is set."""
    rasa = RasaClient(settings.replicas, "telegram", timeout=settings.rasa_timeout)
    bridge = Bridge(settings, rasa)
    application = bridge.build_application()
    webhook = None
    try:
        if not await _initialize(application, stop):
            return
        await application.start()
        await bridge.register_commands(application)
        if settings.webhook_url:
            secret = settings.webhook_secret or secrets.token_urlsafe(32)
            webhook = await start_webhook_server(application, settings.webhook_url, settings.webhook_listen,
                                                 settings.webhook_port, secret)
            if not await with_retries(lambda: application.bot.set_webhook(settings.webhook_url, secret_token=secret,
                                                                          allowed_updates=ALLOWED_UPDATES), "setWebhook"):
                raise StartupFailed("Telegram did not accept the address in TELEGRAM_WEBHOOK_URL")
            log.info("Telegram bridge running with a webhook on %s:%d", settings.webhook_listen, settings.webhook_port)
        else:
            await application.updater.start_polling(timeout=settings.poll_timeout, allowed_updates=ALLOWED_UPDATES,
                                                    bootstrap_retries=-1, error_callback=_polling_error)
            log.info("Telegram bridge running with long polling; Rasa at %s", settings.rasa_url)
        await stop.wait()
        log.info("Telegram bridge stopping")
        if application.updater.running:
            await application.updater.stop()
        if webhook is not None:
            await webhook.cleanup()
            webhook = None
        await bridge.finish_chats(FINISH_SECONDS)
        await application.stop()
    finally:
        if application.updater.running:
            await application.updater.stop()
        if webhook is not None:
            await webhook.cleanup()
        if application.running:
            await application.stop()
        await application.shutdown()
        await rasa.aclose()


async def _initialize(application: Application, stop: asyncio.Event) -> bool:
    """Connect to the Bot API (getMe), retrying while it is unreachable; False when stopped meanwhile."""
    delay = 1.0
    while not stop.is_set():
        try:
            await application.initialize()
            return True
        except InvalidToken:  # its message contains the token: never log it
            raise StartupFailed("the Bot API refused the token in TELEGRAM_BOT_TOKEN") from None
        except NetworkError as exc:
            log.warning("Bot API unreachable (%s): retrying in %.0f s", type(exc).__name__, delay)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except asyncio.TimeoutError:
                delay = min(delay * 2, 60.0)
    return False


def _polling_error(error: Exception) -> None:
    log.warning("getting updates from Telegram failed (%s); trying again", type(error).__name__)


async def _run_until_signal(settings: TelegramSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)


def main() -> int:
    """``wegwijzer telegram``: 0 when stopped by a signal or when Telegram is off (no token)."""
    settings = TelegramSettings.from_env()
    if not settings.token:
        print("Telegram is off: TELEGRAM_BOT_TOKEN is not set")
        return 0
    setup_logging(log_level(), settings.token, settings.webhook_secret)
    try:
        asyncio.run(_run_until_signal(settings))
    except StartupFailed as exc:
        log.error("Telegram bridge not started: %s", exc)
        return 1
    except Exception:  # the filter takes the token out of the traceback
        log.exception("the Telegram bridge stopped because of an error")
        return 1
    return 0
