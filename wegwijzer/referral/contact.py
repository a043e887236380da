"""Validating what an entrepreneur types in the contact questions: name, company name, e-mail or phone."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from wegwijzer.referral.ordinary_words import WORDS_DIR, read_word_file
from wegwijzer.referral.text import normalize

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?:\+|00)?[0-9][0-9 \-().]{8,18}[0-9]")
MAX_NAME_WORDS = 6
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class ContactDetails:
    email: str | None = None
    phone: str | None = None


def parse_contact(text: str) -> ContactDetails | None:
    """E-mail and/or phone from a message; None when neither is valid."""
    email = _EMAIL.search(text or "")
    phone = _PHONE.search(_EMAIL.sub(" ", text or ""))
    phone_number = _normalise_phone(phone.group(0)) if phone else None
    if not email and not phone_number:
        return None
    return ContactDetails(email.group(0).lower() if email else None, phone_number)


def _normalise_phone(raw: str) -> str | None:
    digits = re.sub(r"\D", "", raw)
    if raw.strip().startswith("+") or digits.startswith("00"):
        digits = digits[2:] if digits.startswith("00") else digits
        if digits.startswith("31"):
            digits = "0" + digits[2:]
        else:
            return "+" + digits if 8 <= len(digits) <= 15 else None
    if len(digits) == 10 and digits.startswith("0"):
        return digits
    return None


@lru_cache(maxsize=2)
def _word_list(name: str) -> frozenset[str]:
    return read_word_file(WORDS_DIR / name)


def is_command(text: str) -> bool:
    """Whether the message is exactly a command ("stop", "opnieuw", "help"), not a free answer."""
    return normalize(text) in _word_list("commands.txt")


def is_reply(text: str) -> bool:
    """Whether the message starts as a reply to a yes/no question: "nee, liever niet", "ja hoor"."""
    first = normalize(text).split()[:1]
    return bool(first) and first[0] in _word_list("bare_replies.txt")


def is_question(text: str) -> bool:
    return (text or "").strip().endswith("?")


def is_free_text_answer(text: str) -> bool:
    """While a name, company or description is asked, the message is the answer unless it is exactly a
    command, clearly a question, a yes or no, or a button payload: "Stop & Go Transport" and "Help
    Installaties" are names."""
    text = (text or "").strip()
    return (bool(text) and not text.startswith("/") and not is_command(text) and not is_question(text)
            and not is_reply(text))


def clean_name(text: str) -> str | None:
    """A person's name as typed: one to six words with letters, no digits and no @ (a first name alone is fine)."""
    name = " ".join((text or "").split()).strip(" .,;:!")
    for prefix in ("mijn naam is ", "ik ben ", "ik heet ", "my name is ", "i am ", "i'm ", "naam: "):
        if name.lower().startswith(prefix):
            name = name[len(prefix):]
    if not 2 <= len(name) <= 80 or not 1 <= len(name.split()) <= MAX_NAME_WORDS:
        return None
    if any(ch.isdigit() for ch in name) or "@" in name or name.startswith("/") or not _LETTER.search(name):
        return None
    return None if is_question(name) or is_command(name) or is_reply(name) else name


NO_COMPANY_NAME = "-"
_NO_COMPANY = re.compile(r"^(geen|nee|nog geen|n\.?v\.?t\.?|none|no|not yet|-)\b", re.IGNORECASE)
_COMPANY_PREFIXES = ("ons bedrijf heet ", "het bedrijf heet ", "mijn bedrijf heet ", "wij heten ", "we heten ",
                     "bedrijfsnaam: ", "bedrijf: ", "our company is called ", "our company is ", "the company is ",
                     "it is called ", "company: ")
MAX_COMPANY_WORDS = 8


def clean_company_name(text: str) -> str | None:
    """The company name as typed; ``NO_COMPANY_NAME`` when there is none ("geen", "nog geen", "none");
    None when the answer does not look like a name (a sentence, an e-mail address, a button payload)."""
    name = " ".join((text or "").split())
    for prefix in _COMPANY_PREFIXES:
        if name.lower().startswith(prefix):
            name = name[len(prefix):]
    if _NO_COMPANY.match(name):
        return NO_COMPANY_NAME
    if not 2 <= len(name) <= 100 or name.startswith("/") or "@" in name or len(name.split()) > MAX_COMPANY_WORDS:
        return None
    return name
