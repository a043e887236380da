"""The adviser's links: accept a handoff, mark it contacted or closed, and read the transcript.

A GET only shows a confirmation page with a button: mail programs and link scanners open links
by themselves, and must not change anything. The POST changes the status. Without a valid,
unexpired signature nothing changes and the answer is a 403 page in Dutch.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from html import escape
from typing import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from wegwijzer.handoffs.lifecycle import OUTCOMES, STEPS, HandoffGone, Reassigned
from wegwijzer.handoffs.link_actions import advance_by_link, linked_handoff, linked_transcript
from wegwijzer.handoffs.links import PATH_PREFIX, LinkClaim, link_secret, verify
from wegwijzer.handoffs.summary import OUTCOMES as OUTCOME_LABELS
from wegwijzer.handoffs.summary import local_time
from wegwijzer.storage.tables import HandoffRow
from wegwijzer.texts import province_contact
from wegwijzer.web.privacy import html_response

logger = logging.getLogger(__name__)

STEP_WORDS = {"accept": ("Aanvraag aannemen", "Ik neem deze aanvraag aan"),
              "contacted": ("Contact gehad", "Ik heb contact gehad met de ondernemer"),
              "closed": ("Aanvraag afsluiten", "Afsluiten")}
STATUS_WORDS = {"new": "nieuw", "accepted": "aangenomen", "contacted": "contact gehad", "closed": "afgesloten"}
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
FORM_TYPE = "application/x-www-form-urlencoded"
LINK_FIELDS = ("h", "a", "exp", "sig")


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


def _claim(action: str, fields: Mapping[str, str]) -> LinkClaim | None:
    return verify(action, fields, link_secret())


def _heading(row: HandoffRow) -> str:
    return (f"<p>Aanvraag {row.id}: {escape(row.need)} in {escape(row.place or row.municipality)}, "
            f"voor {escape(row.organisation_name)}.<br>Status nu: <strong>{escape(STATUS_WORDS.get(row.status, row.status))}"
            "</strong></p>")


def _form(action: str, fields: Mapping[str, str], button: str, with_outcome: bool, error: str | None = None) -> str:
    hidden = "".join(f"<input type=\"hidden\" name=\"{name}\" value=\"{escape(str(fields.get(name, '')))}\">"
                     for name in LINK_FIELDS)
    outcome = ""
    if with_outcome:
        options = "".join(f"<div><label><input type=\"radio\" name=\"outcome\" value=\"{key}\" required> "
                          f"{escape(OUTCOME_LABELS[key])}</label></div>" for key in OUTCOMES)
        outcome = f"<fieldset><legend>Hoe is het afgelopen?</legend>{options}</fieldset>"
    problem = f"<p class=\"box error\">{escape(error)}</p>" if error else ""
    return (f"{problem}<form method=\"post\" action=\"{PATH_PREFIX}/{action}\">{hidden}{outcome}"
            f"<p><button type=\"submit\">{escape(button)}</button></p></form>")


@_answers_gone_or_reassigned
async def confirm_page(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    claim = _claim(action, request.query)
    if claim is None:
        return _forbidden()
    row = await asyncio.to_thread(linked_handoff, claim)
    title, button = STEP_WORDS[action]
    return html_response(title, _heading(row) + _form(action, request.query, button, action == "closed"),
                         extra_headers=PRIVATE)


@_answers_gone_or_reassigned
async def change_status(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if request.content_type != FORM_TYPE:  # our page posts a plain form; multipart parsing has its own advisories
        return _unreadable()
    try:
        form = await request.post()
    except (ValueError, HttpProcessingError):  # a broken form body (bad multipart, not UTF-8)
        return _unreadable()
    fields = {name: str(form.get(name, "")) for name in LINK_FIELDS}
    claim = _claim(action, fields)
    if claim is None:
        return _forbidden()
    outcome = str(form.get("outcome", "")) or None
    if action == "closed" and outcome not in OUTCOMES:
        row = await asyncio.to_thread(linked_handoff, claim)
        title, button = STEP_WORDS[action]
        return html_response(title, _heading(row) + _form(action, fields, button, True, "Kies hoe het is afgelopen."),
                             status=400, extra_headers=PRIVATE)
    row, changed = await asyncio.to_thread(advance_by_link, claim, outcome)
    logger.info("handoff %d: %s via adviser link (%s)", row.id, action, "changed" if changed else "no change")
    note = "Dank u wel, dit is opgeslagen." if changed else "Dit was al eerder opgeslagen. Er is niets veranderd."
    return html_response(STEP_WORDS[action][0], f"<div class=\"box\"><p>{note}</p></div>" + _heading(row),
                         extra_headers=PRIVATE)


def _transcript_html(claim: LinkClaim) -> str:
    row, lines = linked_transcript(claim)
    if not lines:
        return _heading(row) + "<p>Het gesprek is niet meer bewaard.</p>"
    rendered = "".join(
        f"<div class=\"line\"><span class=\"who\">{'Ondernemer' if line.speaker == 'user' else 'Wegwijzer'}</span> "
        f"<span class=\"when\">{escape(local_time(line.at))}</span><br>{escape(line.text)}</div>" for line in lines)
    return _heading(row) + "<p>Alleen voor u: deel dit gesprek niet.</p>" + rendered


@_answers_gone_or_reassigned
async def transcript_page(request: web.Request) -> web.Response:
    claim = _claim("transcript", request.query)
    if claim is None:
        return _forbidden()
    body = await asyncio.to_thread(_transcript_html, claim)
    return html_response("Het gesprek met Wegwijzer", body, extra_headers=PRIVATE)


def add_routes(app: web.Application) -> None:
    steps = "{action:" + "|".join(STEPS) + "}"
    app.router.add_get(f"{PATH_PREFIX}/transcript", transcript_page)
    app.router.add_get(f"{PATH_PREFIX}/{steps}", confirm_page)
    app.router.add_post(f"{PATH_PREFIX}/{steps}", change_status)
