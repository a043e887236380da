"""The bridge's own texts (``texts.yml``, contact details filled in from ``data/contact.yml``), in Dutch and English."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from wegwijzer.texts import fill_contact

TEXTS_FILE = Path(__file__).with_name("texts.yml")


@lru_cache(maxsize=1)
def _texts() -> dict:
    return yaml.safe_load(fill_contact(TEXTS_FILE.read_text(encoding="utf-8")))


def say(key: str, language: str, **values: object) -> str:
    """The text ``key`` in ``language`` (Dutch when the language is unknown), with ``values`` filled in."""
    variants = _texts()[key]
    return variants.get(language, variants["nl"]).format(**values)


def command_descriptions(language: str) -> dict[str, str]:
    """Command name -> menu description, in the order of ``texts.yml``."""
    return {name: variants[language] for name, variants in _texts()["commands"].items()}


def language_of(language_code: str | None) -> str:
    """The bridge's language for a Telegram ``language_code`` ("en-GB" -> "en"); Dutch otherwise."""
    return "en" if (language_code or "").lower().startswith("en") else "nl"
