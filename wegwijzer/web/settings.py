"""The web server's settings, read from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

DEFAULT_PORT = 8000
MAX_MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class WebSettings:
    rasa_url: str = "http://127.0.0.1:5005"
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"
    allowed_origins: tuple[str, ...] = ()
    max_message_chars: int = MAX_MESSAGE_CHARS
    session_rate: int = 20           # messages per session per rate_window
    client_rate: int = 120           # messages per client address per rate_window
    rate_window: float = 60.0
    rasa_timeout: float = 30.0
    trust_proxy: bool = False        # the client address is in X-Forwarded-For (set only behind your own proxy)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "WebSettings":
        rasa_url = environ.get("RASA_URL") or f"http://127.0.0.1:{environ.get('RASA_PORT') or 5005}"
        return cls(
            rasa_url=rasa_url.rstrip("/"),
            port=int(environ.get("WEB_PORT") or DEFAULT_PORT),
            host=environ.get("WEB_HOST") or "127.0.0.1",
            allowed_origins=parse_origins(environ.get("WIDGET_ALLOWED_ORIGINS", "")),
            trust_proxy=parse_flag("WEB_TRUST_PROXY", environ.get("WEB_TRUST_PROXY", "")),
        )


def parse_flag(name: str, value: str) -> bool:
    """``true``/``false`` (any case; empty is false); anything else is refused rather than guessed."""
    flag = value.strip().lower()
    if flag not in ("", "true", "false"):
        raise ValueError(f"{name}: {value!r} is not true or false")
    return flag == "true"


def parse_origins(value: str) -> tuple[str, ...]:
    """``"https://a.nl, https://b.nl/"`` -> ``("https://a.nl", "https://b.nl")``; rejects anything but scheme://host[:port]."""
    origins = []
    for item in value.replace(",", " ").split():
        parts = urlsplit(item.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ValueError(f"WIDGET_ALLOWED_ORIGINS: {item!r} is not an origin like https://www.example.nl")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)
