"""The adviser's handoff page: one short signed link in the e-mail opens it; there the adviser accepts
the handoff, marks it contacted or closes it, and can read the conversation.

Opening the link (a GET) only shows the page: mail programs and link scanners open links by
themselves, and must not change anything. Each step is a button whose form POSTs the token. Without
a valid, unexpired token nothing changes and the answer is a 403 page in Dutch.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from html import escape
from typing import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from wegwijzer.handoffs.lifecycle import ORDER, OUTCOMES, STEPS, HandoffGone, Reassigned
from wegwijzer.handoffs.link_actions import advance_by_link, linked_handoff, linked_transcript
from wegwijzer.handoffs.links import PATH_PREFIX, LinkClaim, link_secret, verify
from wegwijzer.handoffs.summary import OUTCOMES as OUTCOME_LABELS
from wegwijzer.handoffs.summary import local_time
from wegwijzer.storage.tables import HandoffRow
from wegwijzer.texts import province_contact
from wegwijzer.web.privacy import html_response

logger = logging.getLogger(__name__)

STEP_WORDS = {"accept": ("Aannemen", "Ik neem deze aanvraag aan"),
              "contacted": ("Contact gehad", "Ik heb contact gehad met de ondernemer"),
              "closed": ("Afsluiten", "Aanvraag afsluiten")}
STATUS_WORDS = {"new": "nieuw", "accepted": "aangenomen", "contacted": "contact gehad", "closed": "afgesloten"}
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
FORM_TYPE = "application/x-www-form-urlencoded"


def _forbidden() -> web.Response:
    return html_response("Deze link werkt niet", "<div class=\"box error\"><p>Deze link is niet geldig of verlopen. "
                         "Er is niets veranderd.</p><p>Gebruik de link uit de nieuwste e-mail over deze aanvraag, "
                         f"of bel Wegwijzer: {escape(province_contact().phone)}.</p></div>", status=403,
                         extra_headers=PRIVATE)


def _gone() -> web.Response:
    return html_response("Aanvraag niet meer beschikbaar", "<div class=\"box\"><p>Deze aanvraag is verwijderd, "
                         "bijvoorbeeld omdat de ondernemer dat vroeg. Verwijder ook uw eigen kopie, zoals de e-mail."
                         "</p></div>", status=410, extra_headers=PRIVATE)


def _unreadable() -> web.Response:
    return html_response("Formulier niet gelezen", "<div class=\"box error\"><p>Dit formulier kon niet worden "
                         "gelezen. Er is niets veranderd.</p><p>Open de link uit de e-mail opnieuw.</p></div>",
                         status=400, extra_headers=PRIVATE)


def _reassigned() -> web.Response:
    return html_response("Aanvraag doorgegeven", "<div class=\"box\"><p>Deze aanvraag is doorgegeven aan een andere "
                         "adviseur. Er is niets veranderd.</p></div>", status=409, extra_headers=PRIVATE)


def _answers_gone_or_reassigned(handler: Callable[[web.Request], Awaitable[web.Response]]):
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except HandoffGone:
            return _gone()
        except Reassigned:
            return _reassigned()

    return wrapped


def _claim(token: str, action: str | None = None) -> LinkClaim | None:
    return verify(token, link_secret(), action)


def _heading(row: HandoffRow) -> str:
    return (f"<p>Aanvraag {row.id}: {escape(row.need)} in {escape(row.place or row.municipality)}, "
            f"voor {escape(row.organisation_name)}.<br>Status nu: <strong>{escape(STATUS_WORDS.get(row.status, row.status))}"
            "</strong></p>")


def _form(action: str, token: str, error: str | None = None) -> str:
    """One step as a button; closing also asks how it ended."""
    outcome = ""
    if action == "closed":
        options = "".join(f"<div><label><input type=\"radio\" name=\"outcome\" value=\"{key}\" required> "
                          f"{escape(OUTCOME_LABELS[key])}</label></div>" for key in OUTCOMES)
        outcome = f"<fieldset><legend>Hoe is het afgelopen?</legend>{options}</fieldset>"
    problem = f"<p class=\"box error\">{escape(error)}</p>" if error else ""
    title, button = STEP_WORDS[action]
    return (f"<h2>{escape(title)}</h2>{problem}<form method=\"post\" action=\"{PATH_PREFIX}/{action}\">"
            f"<input type=\"hidden\" name=\"t\" value=\"{escape(token)}\">{outcome}"
            f"<p><button type=\"submit\">{escape(button)}</button></p></form>")


def _page(row: HandoffRow, token: str, note: str | None = None, error_step: str | None = None,
          error: str | None = None) -> str:
    """The handoff, the steps still open (a status never moves back) and the link to the conversation."""
    body = f"<div class=\"box\"><p>{escape(note)}</p></div>" if note else ""
    body += _heading(row)
    open_steps = [step for step in STEPS if ORDER.index(STEPS[step]) > ORDER.index(row.status)]
    if open_steps:
        body += "".join(_form(step, token, error if step == error_step else None) for step in open_steps)
    else:
        body += f"<p>Deze aanvraag is afgesloten: {escape(OUTCOME_LABELS.get(row.outcome or '', row.outcome or '-'))}.</p>"
    transcript = f"{PATH_PREFIX}/gesprek?{urlencode({'t': token})}"
    body += (f"<h2>Het gesprek</h2><p><a href=\"{escape(transcript)}\">Lees het gesprek met Wegwijzer terug</a> "
             "(alleen voor u: deel het niet).</p>")
    return body


@_answers_gone_or_reassigned
async def handoff_page(request: web.Request) -> web.Response:
    token = request.query.get("t", "")
    claim = _claim(token)
    if claim is None:
        return _forbidden()
    row = await asyncio.to_thread(linked_handoff, claim)
    return html_response(f"Aanvraag {row.id}", _page(row, token), extra_headers=PRIVATE)


async def step_by_get(request: web.Request) -> web.Response:
    """A step's address opened as a link (an old bookmark, a scanner): nothing changes."""
    return html_response("Gebruik de knop", "<div class=\"box\"><p>Er is niets veranderd. Open de link uit de "
                         "e-mail en kies daar met een knop wat u heeft gedaan.</p></div>", status=405,
                         extra_headers={**PRIVATE, "Allow": "POST"})


@_answers_gone_or_reassigned
async def change_status(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if request.content_type != FORM_TYPE:  # our page posts a plain form; multipart parsing has its own advisories
        return _unreadable()
    try:
        form = await request.post()
    except (ValueError, HttpProcessingError):  # a broken form body (bad multipart, not UTF-8)
        return _unreadable()
    token = str(form.get("t", ""))
    claim = _claim(token, action)
    if claim is None:
        return _forbidden()
    outcome = str(form.get("outcome", "")) or None
    if action == "closed" and outcome not in OUTCOMES:
        row = await asyncio.to_thread(linked_handoff, claim)
        return html_response(f"Aanvraag {row.id}", _page(row, token, error_step="closed", error="Kies hoe het is afgelopen."),
                             status=400, extra_headers=PRIVATE)
    row, changed = await asyncio.to_thread(advance_by_link, claim, outcome)
    logger.info("handoff %d: %s via adviser link (%s)", row.id, action, "changed" if changed else "no change")
    note = "Dank u wel, dit is opgeslagen." if changed else "Dit was al eerder opgeslagen. Er is niets veranderd."
    return html_response(f"Aanvraag {row.id}", _page(row, token, note), extra_headers=PRIVATE)


def _transcript_html(claim: LinkClaim, token: str) -> str:
    row, lines = linked_transcript(claim)
    back = f"<p><a href=\"{escape(PATH_PREFIX + '?' + urlencode({'t': token}))}\">Terug naar de aanvraag</a></p>"
    if not lines:
        return _heading(row) + "<p>Het gesprek is niet meer bewaard.</p>" + back
    rendered = "".join(
        f"<div class=\"line\"><span class=\"who\">{'Ondernemer' if line.speaker == 'user' else 'Wegwijzer'}</span> "
        f"<span class=\"when\">{escape(local_time(line.at))}</span><br>{escape(line.text)}</div>" for line in lines)
    return _heading(row) + "<p>Alleen voor u: deel dit gesprek niet.</p>" + rendered + back


@_answers_gone_or_reassigned
async def transcript_page(request: web.Request) -> web.Response:
    token = request.query.get("t", "")
    claim = _claim(token)
    if claim is None:
        return _forbidden()
    body = await asyncio.to_thread(_transcript_html, claim, token)
    return html_response("Het gesprek met Wegwijzer", body, extra_headers=PRIVATE)


def add_routes(app: web.Application) -> None:
    steps = "{action:" + "|".join(STEPS) + "}"
    app.router.add_get(PATH_PREFIX, handoff_page)
    app.router.add_get(f"{PATH_PREFIX}/gesprek", transcript_page)
    app.router.add_get(f"{PATH_PREFIX}/{steps}", step_by_get)
    app.router.add_post(f"{PATH_PREFIX}/{steps}", change_status)
