"""Telling Dutch from English in a short message, so the conversation follows the user's language."""
from __future__ import annotations

from wegwijzer.referral.text import words

_ENGLISH = frozenset(
    "the and we our my is are have has want need looking for with company business employees staff "
    "help hello hi please thanks thank you what who how where can could would like i am based located "
    "training funding money students about your this that it do does of to a an yes no".split())
_DUTCH = frozenset(
    "de het een en wij we onze ons mijn is zijn hebben heb wil willen zoek zoeken voor met bedrijf "
    "medewerkers hulp hallo hoi goedemorgen goedemiddag graag bedankt dank wat wie hoe waar kan kunt "
    "ik ben zit zitten in uit van naar ja nee niet geen over dit dat mag u jullie".split())
_SHARED = _ENGLISH & _DUTCH


def detect_language(text: str) -> str | None:
    """"en" or "nl" when the message clearly is one of them, else None (keep the current language)."""
    tokens = [t for t in words(text) if t not in _SHARED]
    english = sum(t in _ENGLISH for t in tokens)
    dutch = sum(t in _DUTCH for t in tokens)
    if english >= 2 and english > 2 * dutch:
        return "en"
    if dutch >= 1 and dutch >= english:
        return "nl"
    return None
