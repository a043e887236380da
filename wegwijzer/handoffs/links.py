"""The adviser's signed link to a handoff's page: accept, mark contacted, close, and read the transcript.

The link's token names the handoff, the handoff's assignment number (so an adviser's link stops
working once the handoff is reassigned) and an expiry time, signed with HMAC-SHA256 (truncated to
132 bits, so the link stays short). Opening it only shows the page; every change is a button (a
POST that carries the token). The secret is ``WEGWIJZER_LINK_SECRET``; without it (development) a
random secret is made once and kept in ``var/link_secret``. The base address is ``WEGWIJZER_PUBLIC_URL``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlencode

from wegwijzer.settings import PROJECT_ROOT, configured_link_secret, link_valid_days, public_url

ACTIONS = ("accept", "contacted", "closed")
PATH_PREFIX = "/adviseur"
SECRET_FILE = PROJECT_ROOT / "var" / "link_secret"


def link_secret(env: Mapping[str, str] | None = None, secret_file: Path = SECRET_FILE) -> bytes:
    """The signing secret: from the environment, else the development secret file (made when missing)."""
    configured = configured_link_secret(env)
    if configured:
        return configured.encode()
    if not secret_file.exists():
        _create_secret_file(secret_file)
    return _read_secret_file(secret_file)


def _create_secret_file(secret_file: Path) -> None:
    """Write the secret to a private temporary file, then link it into place: the file appears complete
    or not at all, and when two processes race, the first link wins and both use its secret."""
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = secret_file.with_name(f".{secret_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, secret_file)
        except FileExistsError:
            pass  # another process was first: use its secret
    finally:
        temporary.unlink(missing_ok=True)


def _read_secret_file(secret_file: Path, tries: int = 50, pause: float = 0.02) -> bytes:
    """The file's secret; an empty file (written by an older version, or being written) is read again."""
    for _ in range(tries):
        value = secret_file.read_text().strip()
        if value:
            return value.encode()
        time.sleep(pause)
    raise RuntimeError(f"{secret_file} is empty: delete it or set WEGWIJZER_LINK_SECRET")


TOKEN_SEPARATOR = "."  # not in the base64url alphabet of the signature
SIGNATURE_CHARACTERS = 22  # 132 bits of the HMAC-SHA256, in base64url


@dataclass(frozen=True)
class HandoffToken:
    """What an adviser's link says: handoff ``handoff_id`` (assignment ``assignment``) until ``expires``.

    As text: ``<handoff>.<assignment>.<expiry, base 36>.<signature>``, about 40 characters, so that the
    link in the e-mail stays short: ``https://host/adviseur?t=7.1.tbx4k0.Xq3...``.
    """

    handoff_id: int
    assignment: int
    expires: int  # Unix time

    def message(self) -> bytes:
        return f"handoff:{self.handoff_id}:{self.assignment}:{self.expires}".encode()

    def signature(self, secret: bytes) -> str:
        digest = hmac.new(secret, self.message(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARACTERS]

    def text(self, secret: bytes) -> str:
        return TOKEN_SEPARATOR.join((str(self.handoff_id), str(self.assignment), _base36(self.expires),
                                     self.signature(secret)))


@dataclass(frozen=True)
class LinkClaim:
    """A verified token and the step the adviser asks for (accept, contacted, closed, or None to look)."""

    action: str | None
    handoff_id: int
    assignment: int
    expires: int


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


def _number(text: str, base: int) -> int:
    if not text or not text.isascii() or not text.isalnum() or len(text) > 12:
        raise ValueError(text)
    return int(text, base)


def verify(token: str, secret: bytes, action: str | None = None, now: float | None = None) -> LinkClaim | None:
    """The claim of a token when its signature is right and it has not expired; else None."""
    if action is not None and action not in ACTIONS:
        return None
    parts = str(token or "").split(TOKEN_SEPARATOR)
    if len(parts) != 4:
        return None
    try:
        token_fields = HandoffToken(_number(parts[0], 10), _number(parts[1], 10), _number(parts[2], 36))
    except ValueError:
        return None
    given = parts[3].encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(token_fields.signature(secret).encode(), given):
        return None
    if token_fields.expires < (time.time() if now is None else now):
        return None
    return LinkClaim(action, token_fields.handoff_id, token_fields.assignment, token_fields.expires)


@dataclass(frozen=True)
class AdviserLinks:
    """The one link a summary carries: the handoff page, where the adviser accepts, marks contacted or
    closes (each a button, a POST) and can read the conversation."""

    page: str
    expires: int


def page_url(base_url: str, token: str, path: str = "") -> str:
    return f"{base_url}{PATH_PREFIX}{path}?{urlencode({'t': token})}"


def make_link(handoff_id: int, assignment: int, *, secret: bytes, base_url: str, expires: int) -> str:
    return page_url(base_url, HandoffToken(handoff_id, assignment, expires).text(secret))


def adviser_links(handoff_id: int, assignment: int, env: Mapping[str, str] | None = None,
                  now: float | None = None) -> AdviserLinks:
    """The link that goes into a summary."""
    expires = int((time.time() if now is None else now) + link_valid_days(env) * 86400)
    return AdviserLinks(make_link(handoff_id, assignment, secret=link_secret(env), base_url=public_url(env),
                                  expires=expires), expires)
