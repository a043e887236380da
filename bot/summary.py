"""The summary an adviser reads: who, where, what (in their own words), which programs fit, how to reach them."""
from __future__ import annotations

from bot.models import HandoffRow

def render_summary(handoff: HandoffRow, need_label: str) -> str:
    """Plain Dutch text that fits on one screen; ``need_label`` is the need's Dutch label."""
    need = need_label.lower()
    lines = [
        f"Nieuwe aanvraag via Wegwijzer: {need} - {handoff.place or handoff.municipality}",
        "",
        "Vraag in eigen woorden:",
        f"  \"{handoff.request_text or '(niet gegeven)'}\"",
        "",
        f"Contactpersoon: {handoff.contact_name or '-'}",
        f"E-mail:         {handoff.contact_email or '-'}",
        f"Telefoon:       {handoff.contact_phone or '-'}",
        f"Plaats:         {handoff.place or '-'} (gemeente {handoff.municipality}, {handoff.region})",
        f"Sector:         {handoff.sector or '-'}",
        f"Medewerkers:    {handoff.employees or '-'}",
        f"Behoefte:       {need}",
    ]
    if handoff.programs:
        lines += ["", "Mogelijk passende programma's:"]
        lines += [f"  - {p['name']}: {p['reason']}" for p in handoff.programs]
    lines += [
        "",
        f"Toestemming: \"{handoff.consent_text}\" - ja, op {handoff.consent_at:%d-%m-%Y %H:%M} UTC via {handoff.channel}",
        f"Taal van het gesprek: {handoff.language}; gesprek-id: {handoff.conversation_id}",
    ]
    return "\n".join(lines)
