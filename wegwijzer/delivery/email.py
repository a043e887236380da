"""E-mail over SMTP with the standard library, configured by ``SMTP_*`` (``wegwijzer.settings.SmtpSettings``).

TLS: ``SMTP_STARTTLS=true`` upgrades a plain connection (port 587), ``SMTP_SSL=true`` or port 465
uses implicit TLS. A user name and password are never sent without TLS, except to a mail server
on this machine (localhost, 127.0.0.1).
"""
from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from wegwijzer.delivery import PermanentFailure, TemporaryFailure
from wegwijzer.handoffs.summary import Message
from wegwijzer.settings import SmtpSettings

MESSAGE_ID_DOMAIN = "wegwijzer.overijssel"
# Headers up to RFC 5322's 998 characters stay on one line: the standard 78 folds long subjects, and
# some mail clients then show the subject with a leading space or break it in the wrong place.
MAIL_POLICY = policy.default.clone(max_line_length=998)


def message_id(idempotency_key: str) -> str:
    """The same Message-ID for every attempt of one outbox row, so mail systems can drop a repeat."""
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{MESSAGE_ID_DOMAIN}>"


def build_email(settings: SmtpSettings, to: str, message: Message, idempotency_key: str) -> EmailMessage:
    mail = EmailMessage(policy=MAIL_POLICY)
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
