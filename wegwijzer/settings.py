"""Every environment variable Wegwijzer reads, with its default and meaning: read here and nowhere else.

Each section reads one part of the system's settings. Every reader takes an optional ``env`` mapping
(tests pass a dict); without it the process environment is read. The variable names and defaults are
an external interface (README, ``scripts/start``, deployments): keep them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from wegwijzer.delivery import NotConfigured

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def environ(env: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """``env`` when given, else the process environment: the one place ``os.environ`` is read."""
    return os.environ if env is None else env


def parse_flag(name: str, value: str) -> bool:
    """``true``/``false`` (any case; empty is false); anything else is refused rather than guessed."""
    flag = value.strip().lower()
    if flag not in ("", "true", "false"):
        raise ValueError(f"{name}: {value!r} is not true or false")
    return flag == "true"


def _lenient_flag(value: str | None) -> bool:
    """``1``, ``true`` or ``yes`` (the SMTP variables have always accepted these)."""
    return (value or "").lower() in ("1", "true", "yes")


def _required(values: Mapping[str, str], name: str, channel: str) -> str:
    """A delivery channel's required variable; NotConfigured (the channel waits) when it is empty."""
    value = values.get(name)
    if not value:
        raise NotConfigured(f"{channel} is not configured ({name} is empty)")
    return value


# -- Logging ------------------------------------------------------------------------------------------

def log_level(env: Mapping[str, str] | None = None) -> str:
    """``WEGWIJZER_LOG_LEVEL`` (default ``INFO``): the Telegram bridge's log level."""
    return environ(env).get("WEGWIJZER_LOG_LEVEL", "INFO")


# -- Storage ------------------------------------------------------------------------------------------

def database_url(env: Mapping[str, str] | None = None) -> str:
    """``DATABASE_URL``: Wegwijzer's own database; default the SQLite file ``var/wegwijzer.db``."""
    url = environ(env).get("DATABASE_URL")
    if url:
        return url.replace("postgres://", "postgresql://", 1)
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'wegwijzer.db'}"


def tracker_database_url(env: Mapping[str, str] | None = None) -> str:
    """``TRACKER_DATABASE_URL``: Rasa's tracker store (conversations); default the SQLite file ``var/tracker.db``."""
    url = environ(env).get("TRACKER_DATABASE_URL")
    if url:
        return url.replace("postgres://", "postgresql://", 1)
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"


def database_timeout(env: Mapping[str, str] | None = None) -> float:
    """``WEGWIJZER_DB_TIMEOUT`` (seconds, default 5): how long an action waits for the database."""
    return float(environ(env).get("WEGWIJZER_DB_TIMEOUT", "5"))


# -- Rasa ---------------------------------------------------------------------------------------------

DEFAULT_RASA_PORT = 5005


def rasa_url(env: Mapping[str, str] | None = None) -> str:
    """``RASA_URL``, else ``http://127.0.0.1:$RASA_PORT`` (``RASA_PORT`` default 5005): the Rasa server."""
    values = environ(env)
    url = values.get("RASA_URL") or f"http://127.0.0.1:{values.get('RASA_PORT') or DEFAULT_RASA_PORT}"
    return url.rstrip("/")


def rasa_urls(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """``RASA_URLS``: the Rasa replicas, comma-separated (``http://rasa-1:5005,http://rasa-2:5005``); unset, the one
    server of ``rasa_url``. Each conversation goes to one replica (see ``wegwijzer.rasa.client``)."""
    values = environ(env)
    urls = tuple(url.strip().rstrip("/") for url in values.get("RASA_URLS", "").split(",") if url.strip())
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(f"RASA_URLS: {url!r} is not an address like http://127.0.0.1:5005")
    if len(set(urls)) != len(urls):
        raise ValueError("RASA_URLS names a replica twice")
    return urls or (rasa_url(values),)


MAX_RASA_REPLICAS = 16
SHARED_STORE_SCHEMES = ("postgresql", "postgres", "mysql", "mssql", "oracle")  # a SQL server, not a file


@dataclass(frozen=True)
class RasaReplicaSettings:
    """The Rasa servers ``scripts/start`` runs: ``RASA_REPLICAS`` (default 1) on consecutive ports from ``RASA_PORT``
    (5005). Several replicas must share conversations and locks, so they need ``TRACKER_DATABASE_URL`` (a SQL
    server, e.g. PostgreSQL) and ``LOCK_STORE_URL`` (Redis)."""

    count: int = 1
    first_port: int = DEFAULT_RASA_PORT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "RasaReplicaSettings":
        values = environ(env)
        raw = (values.get("RASA_REPLICAS") or "1").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_RASA_REPLICAS:
            raise ValueError(f"RASA_REPLICAS: {raw!r} is not a number from 1 to {MAX_RASA_REPLICAS}")
        count = int(raw)
        if count > 1:
            missing = []
            tracker = values.get("TRACKER_DATABASE_URL", "")
            if urlsplit(tracker).scheme.split("+")[0] not in SHARED_STORE_SCHEMES:
                missing.append("TRACKER_DATABASE_URL=postgresql://user:pass@host:5432/db (the conversations, shared; "
                               "a SQLite file cannot be shared)")
            if urlsplit(values.get("LOCK_STORE_URL", "")).scheme not in ("redis", "rediss"):
                missing.append("LOCK_STORE_URL=redis://host:6379/0 (the conversation locks, shared)")
            if missing:
                raise ValueError(f"RASA_REPLICAS={count} needs every replica to share conversations and locks; set\n  "
                                 + "\n  ".join(missing))
        return cls(count=count, first_port=int(values.get("RASA_PORT") or DEFAULT_RASA_PORT))

    @property
    def ports(self) -> list[int]:
        return [self.first_port + number for number in range(self.count)]


# -- Web server (wegwijzer web) -----------------------------------------------------------------------

DEFAULT_WEB_PORT = 8000
MAX_MESSAGE_CHARS = 2000  # one chat message, in the widget and in Telegram


@dataclass(frozen=True)
class WebSettings:
    """The website server: ``WEB_PORT``, ``WEB_HOST``, ``RASA_URLS`` or ``RASA_URL``/``RASA_PORT``, ``WIDGET_ALLOWED_ORIGINS``,
    ``WEB_TRUST_PROXY``; the other fields are fixed limits."""

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_urls: tuple[str, ...] = ()  # several replicas (RASA_URLS); empty: rasa_url alone
    port: int = DEFAULT_WEB_PORT
    host: str = "127.0.0.1"
    allowed_origins: tuple[str, ...] = ()
    max_message_chars: int = MAX_MESSAGE_CHARS
    session_rate: int = 20           # messages per session per rate_window
    client_rate: int = 120           # messages per client address per rate_window
    rate_window: float = 60.0
    rasa_timeout: float = 30.0
    trust_proxy: bool = False        # the client address is in X-Forwarded-For (set only behind your own proxy)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "WebSettings":
        values = environ(env)
        replicas = rasa_urls(values)
        return cls(
            rasa_url=replicas[0],
            rasa_urls=replicas if len(replicas) > 1 else (),
            port=int(values.get("WEB_PORT") or DEFAULT_WEB_PORT),
            host=values.get("WEB_HOST") or "127.0.0.1",
            allowed_origins=parse_origins(values.get("WIDGET_ALLOWED_ORIGINS", "")),
            trust_proxy=parse_flag("WEB_TRUST_PROXY", values.get("WEB_TRUST_PROXY", "")),
        )

    @property
    def replicas(self) -> tuple[str, ...]:
        """Every Rasa replica the client may use, in order."""
        return self.rasa_urls or (self.rasa_url,)


def parse_origins(value: str) -> tuple[str, ...]:
    """``"https://a.nl, https://b.nl/"`` -> ``("https://a.nl", "https://b.nl")``; rejects anything but scheme://host[:port]."""
    origins = []
    for item in value.replace(",", " ").split():
        parts = urlsplit(item.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ValueError(f"WIDGET_ALLOWED_ORIGINS: {item!r} is not an origin like https://www.example.nl")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


# -- Telegram (the bridge, and delivery to advisers' chats) -------------------------------------------

TELEGRAM_API = "https://api.telegram.org"


def telegram_api_url(env: Mapping[str, str] | None = None) -> str:
    """``TELEGRAM_API_BASE_URL`` (default the public Bot API): another Bot API server, e.g. the tests' fake."""
    return (environ(env).get("TELEGRAM_API_BASE_URL") or TELEGRAM_API).rstrip("/")


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram bridge: ``TELEGRAM_BOT_TOKEN`` (none: Telegram off), ``TELEGRAM_API_BASE_URL``,
    ``RASA_URLS`` or ``RASA_URL``/``RASA_PORT``, ``TELEGRAM_WEBHOOK_URL`` (none: long polling), ``TELEGRAM_WEBHOOK_SECRET``,
    ``TELEGRAM_WEBHOOK_LISTEN`` and ``TELEGRAM_WEBHOOK_PORT``; the other fields are fixed limits."""

    token: str | None = field(default=None, repr=False)  # never printed
    api_base_url: str = TELEGRAM_API
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_urls: tuple[str, ...] = ()  # several replicas (RASA_URLS); empty: rasa_url alone
    webhook_url: str | None = None  # set: webhook mode; unset: long polling
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    poll_timeout: int = 30  # seconds one getUpdates long poll may wait
    # Seconds to wait for Rasa's answer to one message. Long on purpose: a message that timed out may have
    # reached Rasa, so it is never sent again; the user hears after ``busy_after`` that it is busy.
    rasa_timeout: float = 180.0
    busy_after: float = 8.0  # seconds without an answer before the user hears it is busy
    typing_after: float = 1.0  # seconds without an answer before Telegram shows "typing..."
    typing_every: float = 4.5  # Telegram shows it for 5 seconds (or until the next message): renewed this often
    retry_for: float = 900.0  # seconds a message is retried while Rasa is down, then the user gets a way forward
    max_retry_delay: float = 30.0
    send_retry_for: float = 600.0  # seconds a reply is retried while Telegram is unreachable, then it is dropped
    send_max_delay: float = 60.0  # the longest wait between two tries of a reply
    chat_idle_seconds: float = 24 * 3600.0  # a chat's state is forgotten after this long without messages
    max_message_chars: int = MAX_MESSAGE_CHARS
    flood_messages: int = 10  # at most this many messages ...
    flood_seconds: float = 15.0  # ... per this many seconds per chat (a quick human stays well below)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "TelegramSettings":
        values = environ(env)
        replicas = rasa_urls(values)
        return cls(
            token=values.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=telegram_api_url(values),
            rasa_url=replicas[0],
            rasa_urls=replicas if len(replicas) > 1 else (),
            webhook_url=values.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_secret=values.get("TELEGRAM_WEBHOOK_SECRET") or None,
            webhook_listen=values.get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=int(values.get("TELEGRAM_WEBHOOK_PORT") or 8443),
        )

    @property
    def replicas(self) -> tuple[str, ...]:
        """Every Rasa replica the client may use, in order."""
        return self.rasa_urls or (self.rasa_url,)


@dataclass(frozen=True)
class TelegramDeliverySettings:
    """Telegram messages to advisers: ``TELEGRAM_BOT_TOKEN`` (required), ``TELEGRAM_API_BASE_URL``."""

    token: str = field(repr=False)
    api_url: str = TELEGRAM_API

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "TelegramDeliverySettings":
        values = environ(env)
        return cls(_required(values, "TELEGRAM_BOT_TOKEN", "Telegram"), telegram_api_url(values))


# -- E-mail (SMTP) ------------------------------------------------------------------------------------

DEFAULT_FROM = "Wegwijzer Overijssel <wegwijzer@localhost>"
IMPLICIT_TLS_PORT = 465
LOCAL_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class SmtpSettings:
    """E-mail: ``SMTP_HOST`` (required), ``SMTP_PORT`` (25, 587 with STARTTLS, 465 with SSL), ``SMTP_STARTTLS``,
    ``SMTP_SSL``, ``SMTP_USER``, ``SMTP_PASSWORD``, ``SMTP_FROM``."""

    host: str
    port: int = 25
    starttls: bool = False
    implicit_tls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_FROM
    timeout: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SmtpSettings":
        values = environ(env)
        host = _required(values, "SMTP_HOST", "e-mail")
        starttls, ssl_wanted = _lenient_flag(values.get("SMTP_STARTTLS")), _lenient_flag(values.get("SMTP_SSL"))
        default_port = IMPLICIT_TLS_PORT if ssl_wanted else 587 if starttls else 25
        port = int(values.get("SMTP_PORT") or default_port)
        implicit_tls = ssl_wanted or port == IMPLICIT_TLS_PORT
        settings = cls(host=host, port=port, starttls=starttls and not implicit_tls, implicit_tls=implicit_tls,
                       user=values.get("SMTP_USER") or None, password=values.get("SMTP_PASSWORD") or None,
                       sender=values.get("SMTP_FROM") or DEFAULT_FROM)
        settings.refuse_plain_login()
        return settings

    def refuse_plain_login(self) -> None:
        """A password only over TLS, or to a mail server on this machine."""
        if self.user and not (self.starttls or self.implicit_tls) and self.host.lower() not in LOCAL_HOSTS:
            raise NotConfigured("e-mail is not configured safely (SMTP_USER without SMTP_STARTTLS or SMTP_SSL: "
                                "the password would travel unencrypted)")


# -- Webhooks to organisations' CRMs ------------------------------------------------------------------

def webhook_secret(secret_env: str | None, env: Mapping[str, str] | None = None) -> bytes:
    """The HMAC secret of an organisation's webhook, from the variable that ``webhook_secret_env`` in
    ``organisations.yml`` names (e.g. ``NOVEL_T_WEBHOOK_SECRET``)."""
    value = environ(env).get(secret_env or "")
    if not secret_env or not value:
        raise NotConfigured(f"webhook secret is not set (environment variable {secret_env or '?'})")
    return value.encode()


# -- Outbox worker ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutboxSettings:
    """The outbox: ``WEGWIJZER_OUTBOX_LEASE``, ``WEGWIJZER_OUTBOX_BACKOFF``, ``WEGWIJZER_OUTBOX_MAX_BACKOFF``
    (seconds) and ``WEGWIJZER_OUTBOX_MAX_ATTEMPTS``."""

    lease: timedelta = timedelta(seconds=120)  # how long a claim holds before another run may take the row
    backoff: timedelta = timedelta(seconds=30)  # first retry delay; doubles each attempt
    max_backoff: timedelta = timedelta(hours=6)
    max_attempts: int = 10
    not_configured_delay: timedelta = timedelta(seconds=60)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "OutboxSettings":
        values = environ(env)

        def seconds(name: str, default: timedelta) -> timedelta:
            value = values.get(name)
            return timedelta(seconds=float(value)) if value else default

        return cls(lease=seconds("WEGWIJZER_OUTBOX_LEASE", cls.lease),
                   backoff=seconds("WEGWIJZER_OUTBOX_BACKOFF", cls.backoff),
                   max_backoff=seconds("WEGWIJZER_OUTBOX_MAX_BACKOFF", cls.max_backoff),
                   max_attempts=int(values.get("WEGWIJZER_OUTBOX_MAX_ATTEMPTS") or cls.max_attempts))

    def retry_delay(self, attempts: int) -> timedelta:
        return min(self.backoff * (2 ** max(attempts - 1, 0)), self.max_backoff)


def outbox_poll_seconds(env: Mapping[str, str] | None = None) -> float:
    """``WEGWIJZER_OUTBOX_POLL`` (seconds, default 5): the worker's pause between passes."""
    return float(environ(env).get("WEGWIJZER_OUTBOX_POLL") or 5)


# -- Handoffs: advisers' links and retention ----------------------------------------------------------

DEFAULT_PUBLIC_URL = "http://localhost:8000"
DEFAULT_LINK_DAYS = 30
DEFAULT_RETENTION_DAYS = 90


def public_url(env: Mapping[str, str] | None = None) -> str:
    """``WEGWIJZER_PUBLIC_URL`` (default ``http://localhost:8000``): the address in advisers' links and mails."""
    return (environ(env).get("WEGWIJZER_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


def configured_link_secret(env: Mapping[str, str] | None = None) -> str | None:
    """``WEGWIJZER_LINK_SECRET``: the secret that signs advisers' links (none: a development secret file)."""
    return environ(env).get("WEGWIJZER_LINK_SECRET") or None


def link_valid_days(env: Mapping[str, str] | None = None) -> int:
    """``WEGWIJZER_LINK_DAYS`` (default 30): how long an adviser's link works."""
    return int(environ(env).get("WEGWIJZER_LINK_DAYS") or DEFAULT_LINK_DAYS)


def retention_days(env: Mapping[str, str] | None = None) -> int:
    """``WEGWIJZER_RETENTION_DAYS`` (default 90): personal data is removed this long after a conversation."""
    return int(environ(env).get("WEGWIJZER_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


# -- Action server (wegwijzer actions) ----------------------------------------------------------------

DEFAULT_ACTIONS_PORT = 5055
ACTION_BODY_LIMIT = 1024 * 1024  # bytes, before and after decompression


@dataclass(frozen=True)
class ActionServerSettings:
    """The action server: ``ACTIONS_HOST`` (default 127.0.0.1), ``ACTIONS_PORT`` (5055) and ``ACTIONS_TOKEN``
    (none: any caller that reaches the port is served, so only on loopback); the body limit is fixed."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_ACTIONS_PORT
    token: str | None = None
    body_limit: int = ACTION_BODY_LIMIT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "ActionServerSettings":
        values = environ(env)
        return cls(host=values.get("ACTIONS_HOST") or "127.0.0.1",
                   port=int(values.get("ACTIONS_PORT") or DEFAULT_ACTIONS_PORT),
                   token=actions_token(values))


def actions_token(env: Mapping[str, str] | None = None) -> str | None:
    """``ACTIONS_TOKEN``: the secret Rasa sends to the action server (``wegwijzer endpoints`` writes it)."""
    return environ(env).get("ACTIONS_TOKEN", "").strip() or None

