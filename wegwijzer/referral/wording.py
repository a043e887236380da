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
        "program_need": "past bij uw vraag over {need}",
        "program_region": "voor bedrijven in {region}",
        "program_sector": "gericht op {sector}",
        "program_size": "voor bedrijven tot {max} medewerkers",
    },
    "en": {
        "referral": "Because your business is in {region} and {need_reason}, {organisation} is the right first step.",
        "referral_province": ("Because {need_reason}, {organisation} is the right first step. "
                              "{organisation} helps businesses across Overijssel."),
        "outside": ("Wegwijzer only helps businesses in Overijssel. {place} is outside the province. "
                    "The KVK can help you: call 0800 2117 (free) or visit kvk.nl."),
        "program_need": "fits your question about {need}",
        "program_region": "for businesses in {region}",
        "program_sector": "aimed at {sector}",
        "program_size": "for companies up to {max} employees",
    },
}


def frame(language: str, name: str, **values: object) -> str:
    return FRAMES.get(language, FRAMES["nl"])[name].format(**values)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
