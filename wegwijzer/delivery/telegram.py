"""Telegram delivery to an adviser's chat with python-telegram-bot.

Configured by ``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_API_BASE_URL`` (``wegwijzer.settings.TelegramDeliverySettings``).
"""
from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from wegwijzer.delivery import PermanentFailure, TemporaryFailure
from wegwijzer.settings import TelegramDeliverySettings


def chat_ref(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


async def send_telegram(settings: TelegramDeliverySettings, chat_id: str, text: str) -> None:
    bot = Bot(settings.token, base_url=f"{settings.api_url}/bot")
    try:
        async with bot:
            await bot.send_message(chat_id=chat_ref(chat_id), text=text, disable_web_page_preview=True)
    except (Forbidden, BadRequest, InvalidToken) as exc:
        raise PermanentFailure(f"Telegram {type(exc).__name__}") from None
    except (RetryAfter, TimedOut, NetworkError) as exc:
        raise TemporaryFailure(f"Telegram {type(exc).__name__}") from None
    except TelegramError as exc:
        raise TemporaryFailure(f"Telegram {type(exc).__name__}") from None
