"""E-mail over SMTP with the standard library, configured by ``SMTP_*`` environment variables.

TLS: ``SMTP_STARTTLS=true`` upgrades a plain connection (port 587), ``SMTP_SSL=true`` or port 465
uses implicit TLS. A user name and password are never sent without TLS, except to a mail server
on this machine (localhost, 127.0.0.1).
"""
from __future__ import annotations

import hashlib
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Mapping

from wegwijzer.delivery import NotConfigured, PermanentFailure, TemporaryFailure
from wegwijzer.handoffs.summary import Message

DEFAULT_FROM = "Wegwijzer Overijssel <wegwijzer@localhost>"
MESSAGE_ID_DOMAIN = "wegwijzer.overijssel"
IMPLICIT_TLS_PORT = 465
LOCAL_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    starttls: bool = False
    implicit_tls: bool = False
    user: str | None = None
    password: str | None = None
    sender: str = DEFAULT_FROM
    timeout: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "SmtpSettings":
        host = env.get("SMTP_HOST")
        if not host:
            raise NotConfigured("e-mail is not configured (SMTP_HOST is empty)")
        starttls, ssl_wanted = _flag(env.get("SMTP_STARTTLS")), _flag(env.get("SMTP_SSL"))
        default_port = IMPLICIT_TLS_PORT if ssl_wanted else 587 if starttls else 25
        port = int(env.get("SMTP_PORT") or default_port)
        implicit_tls = ssl_wanted or port == IMPLICIT_TLS_PORT
        settings = cls(host=host, port=port, starttls=starttls and not implicit_tls, implicit_tls=implicit_tls,
                       user=env.get("SMTP_USER") or None, password=env.get("SMTP_PASSWORD") or None,
                       sender=env.get("SMTP_FROM") or DEFAULT_FROM)
        settings.refuse_plain_login()
        return settings

    def refuse_plain_login(self) -> None:
        """A password only over TLS, or to a mail server on this machine."""
        if self.user and not (self.starttls or self.implicit_tls) and self.host.lower() not in LOCAL_HOSTS:
            raise NotConfigured("e-mail is not configured safely (SMTP_USER without SMTP_STARTTLS or SMTP_SSL: "
                                "the password would travel unencrypted)")


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def message_id(idempotency_key: str) -> str:
    """The same Message-ID for every attempt of one outbox row, so mail systems can drop a repeat."""
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{MESSAGE_ID_DOMAIN}>"


def build_email(settings: SmtpSettings, to: str, message: Message, idempotency_key: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(idempotency_key)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    return mail


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.implicit_tls:
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def send_email(settings: SmtpSettings, to: str, message: Message, idempotency_key: str) -> None:
    """Send one message (blocking: call it in a thread). 5xx answers are permanent, the rest temporary."""
    settings.refuse_plain_login()
    mail = build_email(settings, to, message, idempotency_key)
    try:
        with _connect(settings) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        failure = PermanentFailure if all(code >= 500 for code in codes) else TemporaryFailure
        raise failure(f"SMTP recipient refused ({', '.join(map(str, codes))})") from None
    except smtplib.SMTPResponseException as exc:
        failure = PermanentFailure if exc.smtp_code >= 500 and exc.smtp_code != 530 else TemporaryFailure
        raise failure(f"SMTP {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError, socket.timeout) as exc:
        raise TemporaryFailure(f"SMTP {type(exc).__name__}") from None
