"""Validating the contact details an entrepreneur types: an e-mail address or a Dutch phone number."""
from __future__ import annotations

import re
from dataclasses import dataclass

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?:\+|00)?[0-9][0-9 \-().]{8,18}[0-9]")
_NAME = re.compile(r"^[^\W\d_][^\W\d_ .'\-]*(?:[ .'\-]+[^\W\d_]+)*\.?$", re.UNICODE)


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


def clean_name(text: str) -> str | None:
    """A person's name as typed (2-80 characters, letters with spaces, hyphens, apostrophes), or None."""
    name = " ".join((text or "").split())
    for prefix in ("mijn naam is ", "ik ben ", "ik heet ", "my name is ", "i am ", "i'm ", "naam: "):
        if name.lower().startswith(prefix):
            name = name[len(prefix):]
    if not 2 <= len(name) <= 80 or not _NAME.match(name):
        return None
    return name


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
