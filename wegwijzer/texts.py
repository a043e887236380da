"""Texts that belong to no organisation: the province's contact details (``data/contact.yml``) and a text in the conversation's language."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from wegwijzer.settings import PROJECT_ROOT, public_url

CONTACT_FILE = PROJECT_ROOT / "data" / "contact.yml"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
PRIVACY_PAGE = "/privacy"


@dataclass(frozen=True)
class Contact:
    """How to reach the province's people."""

    phone: str
    phone_international: str
    email: str
    address: str
    website: str

    @property
    def phone_link(self) -> str:
        """``tel:`` and the digits of the phone number: a link target."""
        return "tel:" + "".join(c for c in self.phone if c.isdigit())

    def value(self, name: str) -> str:
        if name not in ("phone", "phone_international", "phone_link", "email", "address", "website"):
            raise KeyError(f"{{{{{name}}}}} is not a contact detail (see {CONTACT_FILE.name})")
        return getattr(self, name)


def read_contact(path: Path = CONTACT_FILE) -> Contact:
    fields = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Contact(**{name: str(fields[name]) for name in ("phone", "phone_international", "email", "address",
                                                            "website")})


@lru_cache(maxsize=1)
def province_contact() -> Contact:
    return read_contact()


def fill_contact(text: str, contact: Contact | None = None) -> str:
    """``"Bel {{phone}}"`` -> ``"Bel "`` plus the phone number in the file; an unknown ``{{name}}`` raises KeyError."""
    contact = contact or province_contact()
    return PLACEHOLDER.sub(lambda match: contact.value(match.group(1)), text)


def in_language(language: str | None, nl: str, en: str) -> str:
    """The English text in an English conversation, else the Dutch one (Dutch is the default)."""
    return en if language == "en" else nl


def privacy_url(env: Mapping[str, str] | None = None) -> str:
    """The privacy statement's public address: ``WEGWIJZER_PUBLIC_URL`` + ``/privacy``."""
    return public_url(env) + PRIVACY_PAGE


def fill_links(text: str, env: Mapping[str, str] | None = None) -> str:
    """``{privacy_url}`` in an assistant's reply -> the privacy statement's public address.

    ``domain.yml`` writes it ``{{privacy_url}}``: Rasa fills in slots written ``{name}`` and passes doubled braces
    on as single ones, so the address follows ``WEGWIJZER_PUBLIC_URL`` instead of being written into the model.
    """
    return text.replace("{privacy_url}", privacy_url(env)) if "{privacy_url}" in text else text
