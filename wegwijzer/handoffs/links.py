"""Signed links for advisers: accept, mark contacted, close, and read the transcript.

A link names the action, the handoff, the handoff's assignment number (so the links of an adviser
stop working once the handoff is reassigned) and an expiry time, signed with HMAC-SHA256. The
secret is ``WEGWIJZER_LINK_SECRET``; without it (development) a random secret is made once and
kept in ``var/link_secret``. The base address is ``WEGWIJZER_PUBLIC_URL``.
"""
from __future__ import annotations

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

ACTIONS = ("accept", "contacted", "closed", "transcript")
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


@dataclass(frozen=True)
class LinkClaim:
    """What a link says: do ``action`` on handoff ``handoff_id`` (assignment ``assignment``) until ``expires``."""

    action: str
    handoff_id: int
    assignment: int
    expires: int  # Unix time

    def message(self) -> bytes:
        return f"{self.action}:{self.handoff_id}:{self.assignment}:{self.expires}".encode()

    def signature(self, secret: bytes) -> str:
        return hmac.new(secret, self.message(), hashlib.sha256).hexdigest()

    def query(self, secret: bytes) -> dict[str, str]:
        return {"h": str(self.handoff_id), "a": str(self.assignment), "exp": str(self.expires),
                "sig": self.signature(secret)}


def make_link(action: str, handoff_id: int, assignment: int, *, secret: bytes, base_url: str,
              expires: int) -> str:
    claim = LinkClaim(action, handoff_id, assignment, expires)
    return f"{base_url}{PATH_PREFIX}/{action}?{urlencode(claim.query(secret))}"


def verify(action: str, fields: Mapping[str, str], secret: bytes, now: float | None = None) -> LinkClaim | None:
    """The claim of a link's fields when the signature is right and the link has not expired; else None."""
    if action not in ACTIONS:
        return None
    try:
        claim = LinkClaim(action, int(fields.get("h", "")), int(fields.get("a", "")), int(fields.get("exp", "")))
    except ValueError:
        return None
    given = str(fields.get("sig", "")).encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(claim.signature(secret).encode(), given):
        return None
    if claim.expires < (time.time() if now is None else now):
        return None
    return claim


@dataclass(frozen=True)
class AdviserLinks:
    accept: str
    contacted: str
    closed: str
    transcript: str
    expires: int


def adviser_links(handoff_id: int, assignment: int, env: Mapping[str, str] | None = None,
                  now: float | None = None) -> AdviserLinks:
    """The four links that go into a summary."""
    secret, base = link_secret(env), public_url(env)
    expires = int((time.time() if now is None else now) + link_valid_days(env) * 86400)
    made = {action: make_link(action, handoff_id, assignment, secret=secret, base_url=base, expires=expires)
            for action in ACTIONS}
    return AdviserLinks(expires=expires, **made)
