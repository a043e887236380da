"""The Telegram bridge's settings, read from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

TELEGRAM_API = "https://api.telegram.org"


@dataclass(frozen=True)
class TelegramSettings:
    """Everything the bridge needs; only the environment-backed fields are read by ``from_env``."""

    token: str | None = field(default=None, repr=False)  # never printed
    api_base_url: str = TELEGRAM_API
    rasa_url: str = "http://127.0.0.1:5005"
    webhook_url: str | None = None  # set: webhook mode; unset: long polling
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    poll_timeout: int = 30  # seconds one getUpdates long poll may wait
    # Seconds to wait for Rasa's answer to one message. Long on purpose: a message that timed out may have
    # reached Rasa, so it is never sent again; the user hears after ``busy_after`` that it is busy.
    rasa_timeout: float = 180.0
    busy_after: float = 8.0  # seconds without an answer before the user hears it is busy
    retry_for: float = 900.0  # seconds a message is retried while Rasa is down, then the user gets a way forward
    max_retry_delay: float = 30.0
    send_retry_for: float = 600.0  # seconds a reply is retried while Telegram is unreachable, then it is dropped
    send_max_delay: float = 60.0  # the longest wait between two tries of a reply
    chat_idle_seconds: float = 24 * 3600.0  # a chat's state is forgotten after this long without messages
    max_message_chars: int = 2000
    flood_messages: int = 10  # at most this many messages ...
    flood_seconds: float = 15.0  # ... per this many seconds per chat (a quick human stays well below)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "TelegramSettings":
        env = os.environ if env is None else env
        rasa_port = env.get("RASA_PORT") or "5005"
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=(env.get("TELEGRAM_API_BASE_URL") or TELEGRAM_API).rstrip("/"),
            rasa_url=(env.get("RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT") or 8443),
        )
