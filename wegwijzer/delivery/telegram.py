"""Telegram delivery to an adviser's chat with python-telegram-bot (``TELEGRAM_BOT_TOKEN``,
``TELEGRAM_API_BASE_URL`` for another Bot API server)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from wegwijzer.delivery import NotConfigured, PermanentFailure, TemporaryFailure

DEFAULT_API = "https://api.telegram.org"


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_url: str = DEFAULT_API

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "TelegramSettings":
        token = env.get("TELEGRAM_BOT_TOKEN")
        if not token:
            raise NotConfigured("Telegram is not configured (TELEGRAM_BOT_TOKEN is empty)")
        return cls(token, (env.get("TELEGRAM_API_BASE_URL") or DEFAULT_API).rstrip("/"))


def chat_ref(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


async def send_telegram(settings: TelegramSettings, chat_id: str, text: str) -> None:
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
