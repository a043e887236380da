"""Sentence frames for the reasons routing gives, in Dutch (B1, "u" form) and English.

The words that change per need, sector or organisation come from the referral data; only the
frames live here.
"""
from __future__ import annotations

FRAMES = {
    "nl": {
        "referral": "Omdat uw bedrijf in {region} zit en {need_reason}, is {organisation} de juiste eerste stap.",
        "referral_province": ("Omdat {need_reason}, is {organisation} de juiste eerste stap. "
                              "{organisation} helpt bedrijven in heel Overijssel."),
        "outside": ("Wegwijzer helpt alleen bedrijven in Overijssel. {place} ligt daarbuiten. "
                    "Het KVK helpt u verder: bel 0800 2117 (gratis) of kijk op kvk.nl."),
        "program_words": "U noemde {words}.",
        "program_need": "Past bij uw vraag over {need}.",
        "program_for": "Voor bedrijven{who}.",
        "program_sector": " in {sector}",
        "program_region": " in {region}",
        "program_size_max": " tot {max} medewerkers",
        "program_size_min": " vanaf {min} medewerkers",
        "program_size_between": " met {min} tot {max} medewerkers",
        "and": "en",
    },
    "en": {
        "referral": "Because your business is in {region} and {need_reason}, {organisation} is the right first step.",
        "referral_province": ("Because {need_reason}, {organisation} is the right first step. "
                              "{organisation} helps businesses across Overijssel."),
        "outside": ("Wegwijzer only helps businesses in Overijssel. {place} is outside the province. "
                    "The KVK can help you: call 0800 2117 (free) or visit kvk.nl."),
        "program_words": "You mentioned {words}.",
        "program_need": "Fits your question about {need}.",
        "program_for": "For businesses{who}.",
        "program_sector": " in {sector}",
        "program_region": " in {region}",
        "program_size_max": " with up to {max} employees",
        "program_size_min": " with {min} or more employees",
        "program_size_between": " with {min} to {max} employees",
        "and": "and",
    },
}


def frame(language: str, name: str, **values: object) -> str:
    return FRAMES.get(language, FRAMES["nl"])[name].format(**values)


def quoted_list(items: tuple[str, ...] | list[str], language: str) -> str:
    """"a", "a" en "b", "a", "b" en "c" (English: and)."""
    quoted = [f'"{item}"' for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} {frame(language, 'and')} {quoted[-1]}"


def region_phrase(name: str) -> str:
    """"regio Twente", but "Regio Zwolle" and "Cleantech Regio" as they are: never "regio Regio Zwolle"."""
    return name if "regio" in name.lower().split() else f"regio {name}"


def working_days(days: int, language: str) -> str:
    """"1 werkdag", "3 werkdagen" ("1 working day", "3 working days"): never "werkdag(en)"."""
    if language == "en":
        return f"{days} working day" if days == 1 else f"{days} working days"
    return f"{days} werkdag" if days == 1 else f"{days} werkdagen"
