"""Cross-checks of the referral data: every reference points at something that exists."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import yaml

from wegwijzer.catalog.problems import ERROR, WARNING, Problem
from wegwijzer.catalog.referral_data import (
    DELIVERY_CHANNELS,
    WHOLE_PROVINCE,
    Adviser,
    Organisation,
    Program,
    RankingWeights,
    ReferralData,
    Source,
)
from wegwijzer.referral.text import normalize
from wegwijzer.referral.themes import ThemeFileError, read_themes

EXPECTED_MUNICIPALITIES = 25
_PC4 = re.compile(r"^[1-9][0-9]{3}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_TELEGRAM_CHAT = re.compile(r"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net")
_PLACEHOLDER_NAME = "voorbeeld"
PLACEHOLDER = "placeholder"  # a Problem.kind: fictional contact data
TO_VERIFY = "verify"  # a Problem.kind: a fact marked verify: true
_LOCAL_HOSTS = ("localhost", "127.0.0.1")


def _duplicates(items: Iterable[tuple[str, Source | None]], what: str) -> list[Problem]:
    first: dict[str, Source | None] = {}
    problems = []
    for key, source in items:
        folded = key.lower()
        if folded in first:
            problems.append(Problem(source, f"duplicate {what} '{key}' (also at {first[folded]})"))
        else:
            first[folded] = source
    return problems


def _unknown(values: Iterable[str], known: set[str], what: str, source: Source | None) -> list[Problem]:
    return [Problem(source, f"unknown {what} '{v}' (known: {', '.join(sorted(known))})") for v in values if v not in known]


def is_placeholder_address(address: str | None) -> bool:
    domain = (address or "").rsplit("@", 1)[-1].lower()
    return any(domain == d or domain.endswith("." + d) for d in _PLACEHOLDER_DOMAINS)


def is_placeholder_adviser(adviser: Adviser) -> bool:
    """Marked placeholder, named "Voorbeeldadviseur ...", or with an example.org/.com/.net address."""
    return adviser.placeholder or adviser.name.lower().startswith(_PLACEHOLDER_NAME) or is_placeholder_address(adviser.email)


def _secure_url(url: str) -> bool:
    """https, or plain http to this machine only (tests, a CRM bridge on the same host)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS


def _check_delivery(organisation: Organisation, live: str) -> list[Problem]:
    """The organisation's escalation address and webhook settings."""
    problems = []
    source = organisation.source
    if organisation.escalation_email and not _EMAIL.match(organisation.escalation_email):
        problems.append(Problem(source, f"'{organisation.name}': escalation_email '{organisation.escalation_email}' is not a valid e-mail address"))
    if organisation.handoff and not organisation.general_address:
        problems.append(Problem(source, f"'{organisation.name}' has no escalation_email or email: handoffs nobody accepts cannot be escalated", WARNING))
    elif organisation.handoff and is_placeholder_address(organisation.general_address):
        problems.append(Problem(source, f"'{organisation.name}': placeholder escalation address "
                                        f"'{organisation.general_address}' must be replaced before going live", live, PLACEHOLDER))
    if organisation.webhook_url:
        if not _secure_url(organisation.webhook_url):
            problems.append(Problem(source, f"'{organisation.name}': webhook_url must start with https:// "
                                            "(http:// only for localhost or 127.0.0.1)"))
        if not organisation.webhook_secret_env:
            problems.append(Problem(source, f"'{organisation.name}': webhook_url needs webhook_secret_env (the NAME of the environment variable with the secret)"))
    if organisation.webhook_secret_env and not _ENV_NAME.match(organisation.webhook_secret_env):
        problems.append(Problem(source, f"'{organisation.name}': webhook_secret_env must be an environment variable NAME like NOVEL_T_WEBHOOK_SECRET, not the secret itself"))
    return problems


def _check_adviser_channels(adviser: Adviser, organisation: Organisation | None) -> list[Problem]:
    """Every channel in ``deliver`` is known and has what it needs."""
    problems = []
    source = adviser.source
    if not adviser.deliver:
        problems.append(Problem(source, f"adviser '{adviser.key}': deliver is empty; write [email] or leave it out"))
    for channel in adviser.deliver:
        if channel not in DELIVERY_CHANNELS:
            problems.append(Problem(source, f"adviser '{adviser.key}': unknown delivery channel '{channel}' (known: {', '.join(DELIVERY_CHANNELS)})"))
    if len(set(adviser.deliver)) != len(adviser.deliver):
        problems.append(Problem(source, f"adviser '{adviser.key}': a delivery channel is listed twice"))
    if "telegram" in adviser.deliver and not adviser.telegram_chat_id:
        problems.append(Problem(source, f"adviser '{adviser.key}' gets Telegram but has no telegram_chat_id"))
    if adviser.telegram_chat_id and not _TELEGRAM_CHAT.match(adviser.telegram_chat_id):
        problems.append(Problem(source, f"adviser '{adviser.key}': telegram_chat_id '{adviser.telegram_chat_id}' is not a chat number or @channel"))
    if adviser.telegram_chat_id and "telegram" not in adviser.deliver:
        problems.append(Problem(source, f"adviser '{adviser.key}' has a telegram_chat_id but 'telegram' is not in deliver", WARNING))
    if "webhook" in adviser.deliver and organisation is not None and not organisation.webhook_url:
        problems.append(Problem(source, f"adviser '{adviser.key}' gets the webhook but '{organisation.name}' has no webhook_url"))
    return problems


def _best_score(program: Program, weights: RankingWeights) -> int:
    """The most points a program can get: every bonus that applies to it, its keywords counted in full."""
    words = min(len(program.keywords) + len(program.keywords_en), weights.max_words)
    score = weights.word * words if weights.word > 0 else 0
    score += max(weights.sector, 0) if program.sectors else 0
    score += max(weights.region, 0) if WHOLE_PROVINCE not in program.regions else 0
    has_limits = program.min_employees is not None or program.max_employees is not None
    score += max(weights.size, 0) if has_limits else 0
    return score + (weights.verify if program.verify else 0)


def _check_ranking(data: ReferralData) -> list[Problem]:
    """The weights make sense, and every running program can be suggested at all."""
    weights = data.ranking
    if weights is None:
        return []
    problems = []
    if weights.max_words < 1:
        problems.append(Problem(weights.source, "max_words must be 1 or more: otherwise the request's words never count"))
    if weights.minimum < 1:
        problems.append(Problem(weights.source, "minimum must be 1 or more: otherwise every program that passes the "
                                                "filters is suggested, also unrelated ones"))
    for program in data.programs:
        if program.active and _best_score(program, weights) < weights.minimum:
            problems.append(Problem(program.source, f"'{program.name}' can never reach the ranking minimum "
                                                    f"{weights.minimum} (ranking.yml): add keywords, or it is never suggested", WARNING))
    return problems


def check(data: ReferralData, production: bool = False) -> list[Problem]:
    """Every problem in the data: errors stop a load, warnings are for staff to follow up.

    With ``production``, placeholders (fictional advisers and addresses) and facts marked ``verify``
    are errors: the assistant must not go live with them unnoticed.
    """
    live = ERROR if production else WARNING
    problems: list[Problem] = []
    problems += _duplicates(((r.key, r.source) for r in data.regions), "region")
    problems += _duplicates(((n.key, n.source) for n in data.needs), "need")
    problems += _duplicates(((s.key, s.source) for s in data.sectors), "sector")
    problems += _duplicates(((o.key, o.source) for o in data.organisations), "organisation key")
    problems += _duplicates(((o.name, o.source) for o in data.organisations), "organisation name")
    problems += _duplicates(((a.key, a.source) for a in data.advisers), "adviser key")
    problems += _duplicates(((p.key, p.source) for p in data.programs), "program key")
    problems += _duplicates(((p.name, p.source) for p in data.programs), "program name")
    problems += _duplicates(((pc.pc4, pc.source) for pc in data.postcodes), "postcode")
    problems += _duplicates(((f"{r.region}/{r.need}", r.source) for r in data.routing), "routing cell")

    regions = {r.key for r in data.regions}
    region_or_province = regions | {WHOLE_PROVINCE}
    needs = {n.key for n in data.needs}
    sectors = {s.key for s in data.sectors}
    organisations = {o.key: o for o in data.organisations}

    seen_municipality: dict[str, Source | None] = {}
    for region in data.regions:
        for municipality in region.municipalities:
            if municipality in seen_municipality:
                problems.append(Problem(region.source, f"municipality '{municipality}' is in two regions (also at {seen_municipality[municipality]})"))
            seen_municipality[municipality] = region.source
    if data.regions and len(seen_municipality) != EXPECTED_MUNICIPALITIES:
        problems.append(Problem(data.regions[0].source, f"{len(seen_municipality)} municipalities listed; Overijssel has {EXPECTED_MUNICIPALITIES}", WARNING))
    municipalities = set(seen_municipality)

    for organisation in data.organisations:
        problems += _unknown(organisation.regions, region_or_province, "region", organisation.source)
        problems += _unknown(organisation.needs, needs, "need", organisation.source)
        if organisation.verify:
            problems.append(Problem(organisation.source, f"to verify: {organisation.name}: {organisation.note or 'no note'}",
                                    live, TO_VERIFY))
        problems += _check_delivery(organisation, live)
    advisers_of = defaultdict(list)
    for adviser in data.advisers:
        advisers_of[adviser.organisation].append(adviser)
        problems += _check_adviser_channels(adviser, organisations.get(adviser.organisation))
        if not _EMAIL.match(adviser.email):
            problems.append(Problem(adviser.source, f"adviser '{adviser.key}' has no valid e-mail address: '{adviser.email}'"))
        if is_placeholder_adviser(adviser):
            problems.append(Problem(adviser.source, f"placeholder adviser '{adviser.name}' <{adviser.email}> must be "
                                                    "replaced before going live", live, PLACEHOLDER))
    for organisation in data.organisations:
        if organisation.handoff and not advisers_of[organisation.key]:
            problems.append(Problem(organisation.source, f"organisation '{organisation.name}' takes handoffs but has no adviser"))

    for program in data.programs:
        problems += _unknown(program.regions, region_or_province, "region", program.source)
        problems += _unknown(program.needs, needs, "need", program.source)
        problems += _unknown(program.sectors, sectors, "sector", program.source)
        if program.organisation and program.organisation not in organisations:
            problems.append(Problem(program.source, f"unknown organisation '{program.organisation}'"))
        if program.min_employees is not None and program.max_employees is not None and program.min_employees > program.max_employees:
            problems.append(Problem(program.source, f"min_employees {program.min_employees} is more than max_employees {program.max_employees}"))
        if program.verify:
            problems.append(Problem(program.source, f"to verify: {program.name}: {program.note or 'no note'}", live, TO_VERIFY))

    problems += _check_ranking(data)

    cells = set()
    for rule in data.routing:
        problems += _unknown([rule.region], regions, "region", rule.source)
        problems += _unknown([rule.need], needs, "need", rule.source)
        target = organisations.get(rule.organisation)
        if target is None:
            problems.append(Problem(rule.source, f"unknown organisation '{rule.organisation}'"))
        elif not target.handoff:
            problems.append(Problem(rule.source, f"'{target.name}' does not take handoffs and cannot be in the routing table"))
        elif not target.serves(rule.region):
            problems.append(Problem(rule.source, f"'{target.name}' does not serve region '{rule.region}'"))
        cells.add((rule.region, rule.need))
    for region in sorted(regions):
        for need in sorted(needs):
            if (region, need) not in cells:
                problems.append(Problem(Source("routing.yml", 1), f"no organisation for region '{region}' and need '{need}'"))

    for place in data.places:
        if place.municipality not in municipalities:
            problems.append(Problem(place.source, f"place '{place.name}' has unknown municipality '{place.municipality}'"))
    for postcode in data.postcodes:
        if not _PC4.match(postcode.pc4):
            problems.append(Problem(postcode.source, f"'{postcode.pc4}' is not a 4-digit postcode"))
        for municipality in filter(None, (postcode.municipality, postcode.also)):
            if municipality not in municipalities:
                problems.append(Problem(postcode.source, f"postcode {postcode.pc4} has unknown municipality '{municipality}'"))

    inside = {normalize(p.name) for p in data.places if not p.also_outside} | {normalize(m) for m in municipalities}
    for outside in data.outside_places:
        if normalize(outside.name) in inside:
            problems.append(Problem(outside.source, f"'{outside.name}' is also a place in Overijssel; remove it here or mark the Overijssel place as also_outside"))
    problems += _duplicates(((o.name, o.source) for o in data.outside_places), "outside place")
    return problems


def is_loadable(problems: list[Problem]) -> bool:
    return not any(p.severity == ERROR for p in problems)


def theme_problems(path: Path, need_keys: set[str], production: bool = False) -> list[Problem]:
    """``themes.yml`` (questions outside the five needs): an error when it is incomplete, a warning per theme whose
    contact details still have to be verified (an error with ``production``, as for programs). A folder without
    the file (an export) has nothing to check."""
    if not path.exists():
        return []
    source = Source(path.name, 1)
    try:
        themes = read_themes(path, frozenset(need_keys))
    except (ThemeFileError, yaml.YAMLError, AttributeError, TypeError) as exc:
        return [Problem(source, str(exc))]
    live = ERROR if production else WARNING
    return [Problem(source, f"to verify: theme '{theme.key}': {theme.pointer}", live) for theme in themes if theme.verify]
