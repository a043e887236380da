"""The adviser's links on a real aiohttp app: GET confirms, POST changes, a bad link changes nothing."""
from __future__ import annotations

import re
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.storage.engine import get_engine, session_scope
from wegwijzer.handoffs.lifecycle import advance
from wegwijzer.handoffs.links import adviser_links, link_secret, make_link
from wegwijzer.settings import public_url
from wegwijzer.storage.tables import HandoffRow, OutboxRow
from wegwijzer.web import adviser, privacy
from tests.conftest import store_handoff


@pytest.fixture
async def client(loaded_url, delivery_env):
    app = web.Application()
    adviser.add_routes(app)
    privacy.add_routes(app)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def handoff(handoff_id: int) -> HandoffRow:
    with session_scope(get_engine()) as session:
        return session.get(HandoffRow, handoff_id)


def path_of(url: str) -> str:
    return url.removeprefix(public_url())


def form_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


def token_of(url: str) -> str:
    return url.split("?t=")[1]


async def test_the_link_opens_the_handoff_page_with_three_steps_and_changes_nothing(client):
    handoff_id = store_handoff()
    link = adviser_links(handoff_id, 1).page
    assert len(link) <= 80, link
    page = await client.get(path_of(link))
    text = await page.text()
    assert page.status == 200 and page.headers["Cache-Control"] == "no-store"
    for step in ("accept", "contacted", "closed"):
        assert f'<form method="post" action="/adviseur/{step}">' in text
    assert "Ik neem deze aanvraag aan" in text and "Hoe is het afgelopen?" in text
    assert f'href="/adviseur/gesprek?t={token_of(link)}"' in text
    assert handoff(handoff_id).status == "new", "opening the link (a mail scanner does) changes nothing"


async def test_a_get_on_a_step_changes_nothing(client):
    handoff_id = store_handoff()
    token = token_of(adviser_links(handoff_id, 1).page)
    for step in ("accept", "contacted", "closed"):
        answer = await client.get(f"/adviseur/{step}", params={"t": token, "outcome": "helped"})
        assert answer.status == 405 and "Er is niets veranderd" in await answer.text()
    assert handoff(handoff_id).status == "new"


async def test_post_accepts_and_the_page_then_offers_the_next_steps(client):
    handoff_id = store_handoff()
    text = await (await client.get(path_of(adviser_links(handoff_id, 1).page))).text()
    answer = await client.post("/adviseur/accept", data=form_fields(text))
    after = await answer.text()
    assert answer.status == 200 and "Dank u wel, dit is opgeslagen." in after
    assert 'action="/adviseur/accept"' not in after and 'action="/adviseur/contacted"' in after
    row = handoff(handoff_id)
    assert row.status == "accepted" and row.accepted_at is not None
    again = await client.post("/adviseur/accept", data=form_fields(text))
    assert "Er is niets veranderd." in await again.text()


async def test_contacted_then_closed_with_an_outcome(client):
    handoff_id = store_handoff()
    fields = form_fields(await (await client.get(path_of(adviser_links(handoff_id, 1).page))).text())
    assert (await client.post("/adviseur/contacted", data=fields)).status == 200
    row = handoff(handoff_id)
    assert row.status == "contacted" and row.accepted_at and row.contacted_at

    closing = await (await client.get(path_of(adviser_links(handoff_id, 1).page))).text()
    assert 'name="outcome" value="not_reachable"' in closing and "niet bereikbaar" in closing
    missing = await client.post("/adviseur/closed", data=form_fields(closing))
    assert missing.status == 400 and "Kies hoe het is afgelopen." in await missing.text()
    assert handoff(handoff_id).status == "contacted"
    done = await client.post("/adviseur/closed", data={**form_fields(closing), "outcome": "helped"})
    assert done.status == 200 and "Deze aanvraag is afgesloten: geholpen." in await done.text()
    row = handoff(handoff_id)
    assert (row.status, row.outcome) == ("closed", "helped") and row.closed_at is not None


async def test_a_forged_or_changed_link_changes_nothing(client):
    handoff_id = store_handoff()
    other_id = store_handoff("Zwolle", sender="c-2")
    token = token_of(adviser_links(handoff_id, 1).page)
    number, assignment, expires, signature = token.split(".")
    attempts = [
        f"{other_id}.{assignment}.{expires}.{signature}",  # someone else's handoff with my signature
        f"{number}.{assignment}.{expires}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
        f"{number}.{assignment}.{int(expires, 36) * 2:x}.{signature}",  # stretched expiry
        f"{number}.2.{expires}.{signature}",
        f"{number}.{assignment}.{expires}",
        f"{number}.{assignment}.{expires}.\u00e9{signature[1:]}",  # not ASCII: refused like any wrong signature
        "",
    ]
    for attempt in attempts:
        answer = await client.post("/adviseur/closed", data={"t": attempt, "outcome": "helped"})
        assert answer.status == 403 and "Deze link is niet geldig of verlopen" in await answer.text()
        assert (await client.get("/adviseur", params={"t": attempt})).status == 403
        assert (await client.get("/adviseur/gesprek", params={"t": attempt})).status == 403
    forged = make_link(handoff_id, 1, secret=b"guessed", base_url="", expires=int(time.time()) + 999)
    assert (await client.get(forged)).status == 403
    assert (await client.post("/adviseur/accept", data={"t": token_of(forged)})).status == 403
    assert handoff(handoff_id).status == "new" and handoff(other_id).status == "new"


async def test_an_expired_link_changes_nothing(client):
    handoff_id = store_handoff()
    expired = make_link(handoff_id, 1, secret=link_secret(), base_url="", expires=int(time.time()) - 1)
    assert (await client.get(expired)).status == 403
    answer = await client.post("/adviseur/accept", data={"t": token_of(expired)})
    assert answer.status == 403 and "verlopen" in await answer.text()
    assert handoff(handoff_id).status == "new"


async def test_after_a_reassignment_the_old_links_stop_working(client):
    from wegwijzer.catalog.cache import CatalogCache
    from wegwijzer.handoffs.lifecycle import reassign

    handoff_id = store_handoff()
    old = form_fields(await (await client.get(path_of(adviser_links(handoff_id, 1).page))).text())
    data = CatalogCache(get_engine(), check_seconds=0).get().data
    with session_scope(get_engine()) as session:
        reassign(session, handoff_id, next(a for a in data.advisers if a.key == "novel-t-b"),
                 next(o for o in data.organisations if o.key == "novel-t"))
    answer = await client.post("/adviseur/accept", data=old)
    assert answer.status == 409 and "andere adviseur" in await answer.text()
    assert handoff(handoff_id).status == "new"
    new = form_fields(await (await client.get(path_of(adviser_links(handoff_id, 2).page))).text())
    assert (await client.post("/adviseur/accept", data=new)).status == 200
    assert handoff(handoff_id).status == "accepted"


def test_the_lifecycle_refuses_a_step_by_an_earlier_assignment(loaded_url, delivery_env):
    """The reassignment rule lives in the lifecycle, not in the web pages: any caller with an old assignment is refused."""
    from wegwijzer.catalog.cache import CatalogCache
    from wegwijzer.handoffs.lifecycle import HandoffGone, Reassigned, reassign
    from wegwijzer.handoffs.link_actions import advance_by_link, linked_handoff
    from wegwijzer.handoffs.links import LinkClaim

    handoff_id = store_handoff()
    data = CatalogCache(get_engine(), check_seconds=0).get().data
    with session_scope(get_engine()) as session:
        reassign(session, handoff_id, next(a for a in data.advisers if a.key == "novel-t-b"),
                 next(o for o in data.organisations if o.key == "novel-t"))
    with pytest.raises(Reassigned):
        advance_by_link(LinkClaim("accept", handoff_id, 1, 0), None)
    with session_scope(get_engine()) as session:
        with pytest.raises(Reassigned):
            advance(session, handoff_id, "accept", assignment=1)
    assert handoff(handoff_id).status == "new"
    assert advance_by_link(LinkClaim("accept", handoff_id, 2, 0), None)[1] is True
    with pytest.raises(HandoffGone):
        linked_handoff(LinkClaim("accept", handoff_id + 1000, 1, 0))


async def test_closing_cancels_what_was_not_sent_yet(client):
    handoff_id = store_handoff()
    with session_scope(get_engine()) as session:
        advance(session, handoff_id, "closed", outcome="no_match")
    with session_scope(get_engine()) as session:
        statuses = {r.kind: r.status for r in session.query(OutboxRow).filter_by(handoff_id=handoff_id)}
    assert statuses == {"summary": "cancelled", "confirmation": "pending"}


async def test_the_transcript_is_for_the_link_holder_only(client, delivery_env):
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from wegwijzer.rasa.endpoints import tracker_store

    handoff_id = store_handoff(sender="transcript-1")
    store = TrackerStore.create(EndpointConfig.from_dict(
        tracker_store(delivery_env["TRACKER_DATABASE_URL"], None)))
    await store.save(DialogueStateTracker.from_events("transcript-1", [
        ActionExecuted("action_listen"), UserUttered("Wij maken <b>kozijnen</b> in Goor"),
        BotUttered("Waar kan ik u mee helpen?", {"buttons": [{"title": "Financiering", "payload": "/x"}]})]))
    link = adviser_links(handoff_id, 1).page
    page = await client.get(f"/adviseur/gesprek?t={token_of(link)}")
    text = await page.text()
    assert page.status == 200 and "Wij maken &lt;b&gt;kozijnen&lt;/b&gt; in Goor" in text
    assert "Waar kan ik u mee helpen? [Financiering]" in text and "<b>kozijnen" not in text
    tampered = token_of(link).replace(f"{handoff_id}.", f"{handoff_id + 1}.", 1)
    assert (await client.get("/adviseur/gesprek", params={"t": tampered})).status == 403


async def test_the_privacy_page_says_what_how_long_who_and_how_to_erase(client, monkeypatch):
    monkeypatch.setenv("WEGWIJZER_RETENTION_DAYS", "60")
    page = await client.get("/privacy")
    text = await page.text()
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    for heading in ("Welke gegevens bewaren wij?", "Waarom?", "Wie krijgt uw gegevens?",
                    "Hoe lang bewaren wij uw gegevens?", "Hoe laat u uw gegevens verwijderen?"):
        assert heading in text
    assert "tot 60 dagen nadat de adviseur die heeft afgesloten" in text and "verwijder mijn gegevens" in text
    assert "Een doorverwijzing die niet wordt afgesloten: tot 60 dagen nadat er voor het laatst iets mee gebeurde" in text


def test_the_development_secret_is_read_whole_even_while_another_process_writes_it(tmp_path):
    """An older or crashed writer can leave the file empty for a moment: wait for its content, never sign with b''."""
    import threading

    secret_file = tmp_path / "var" / "link_secret"
    secret_file.parent.mkdir()
    secret_file.write_text("")
    threading.Timer(0.1, secret_file.write_text, args=("abc123",)).start()
    assert link_secret({}, secret_file) == b"abc123"


def test_processes_making_the_development_secret_at_once_all_get_the_same_one(tmp_path):
    import subprocess
    import sys

    secret_file = tmp_path / "link_secret"
    script = ("import sys; from pathlib import Path; from wegwijzer.handoffs.links import link_secret; "
              "print(link_secret({}, Path(sys.argv[1])).decode())")
    processes = [subprocess.Popen([sys.executable, "-c", script, str(secret_file)], stdout=subprocess.PIPE, text=True,
                                  cwd=PROJECT_ROOT)
                 for _ in range(6)]
    secrets_read = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert len(secrets_read) == 1 and len(secrets_read.pop()) == 64
    assert secret_file.read_text().strip() and [p.name for p in tmp_path.iterdir()] == ["link_secret"]
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
