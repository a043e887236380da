"""The Dutch words the report uses for stored codes (steps, channels, outcomes, answers)."""
from __future__ import annotations

NO_VALUE = "-"  # a record without this fact (for instance a question asked before the sector was known)

STEP_LABELS = {
    "need": "Waar zoekt u hulp bij?",
    "place": "Waar is uw bedrijf?",
    "sector": "In welke sector?",
    "employees": "Hoeveel medewerkers?",
    "request_text": "Uw vraag in eigen woorden",
    "contact_name": "Uw naam",
    "company_name": "Naam van het bedrijf",
    "contact_info": "E-mail of telefoon",
    "consent": "Toestemming om door te geven",
}
CHANNELS = {"widget": "Website", "telegram": "Telegram", "rest": "Andere koppeling", "unknown": "Onbekend"}
OUTCOME_LABELS = {
    "helped": "Geholpen",
    "referred_on": "Verder verwezen",
    "not_reachable": "Niet bereikbaar",
    "no_match": "Past niet",
}
SATISFACTION_LABELS = {"ja": "Ja, geholpen", "nee": "Nee, niet geholpen"}
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
