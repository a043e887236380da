"""Answers to "wat is Novel-T?" and "wat is InnovateGO?" from the referral data."""
from __future__ import annotations

from wegwijzer.catalog.cache import Catalog
from wegwijzer.referral.text import normalize
from wegwijzer.texts import in_language


def find_referral_name(catalog: Catalog, text: str) -> str | None:
    """The key of the organisation or program that ``text`` names (key, full name or a distinctive part)."""
    query = normalize(text)
    if not query:
        return None
    entries = [(o.key, o.name) for o in catalog.data.organisations] + [(p.key, p.name) for p in catalog.data.programs]
    for key, name in entries:
        if query in (key, normalize(key), normalize(name)):
            return key
    padded = f" {query} "
    for key, name in sorted(entries, key=lambda e: -len(e[1])):
        if f" {normalize(name)} " in padded:
            return key
    for key, name in entries:  # a distinctive first word: "Kennispoort", "Kampus"
        first = normalize(name).split()[0]
        if len(first) >= 5 and f" {first} " in padded:
            return key
    return None


def explain(catalog: Catalog, key: str, language: str = "nl") -> str | None:
    """A short description with a link, in the user's language."""
    organisation = next((o for o in catalog.data.organisations if o.key == key), None)
    item = organisation or next((p for p in catalog.data.programs if p.key == key), None)
    if item is None:
        return None
    description = in_language(language, item.description, item.description_en)
    text = f"{item.name}: {description}"
    if getattr(item, "active", True) is False:
        text += in_language(language, " (Dit programma is gestopt.)", " (This program has ended.)")
    if item.website:
        text += f" {'More information' if language == 'en' else 'Meer informatie'}: {item.website}"
    return text
