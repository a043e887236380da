"""The widget's web server (wegwijzer/web/server.py) against a fake Rasa REST channel: fast, no real servers."""
from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from wegwijzer.cli.main import main as cli_main
from wegwijzer.logsafe import EscapeControls
from wegwijzer.texts import province_contact
from wegwijzer.web.rate_limit import RateLimiter
from wegwijzer.web.server import PathOnlyAccessLogger, create_app
from wegwijzer.settings import WebSettings, parse_origins
from tests.servers import free_port

SESSION = "0b6f2a4e-5c1d-4f7e-9a3b-2d8c6e1f0a57"
OTHER_SESSIONS = ["5e0c9d1b-8f3a-4b6e-a2d7-1c4f8e9b0a3d", "c3a7e1f9-2b4d-4e8a-9f6c-0d5b7a2e8c14",
                  "9d2e4b6a-7c1f-4a3e-8b5d-6f0c2e9a1b47", "e8b1c5d3-0a9f-4e7b-b6c2-3d8a4f1e5c90"]
PARTNER = "https://www.partner.example"


class FakeRasa:
    """Rasa's REST webhook; ``reply`` decides what it answers, ``received`` keeps what it got."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.reply = lambda body: web.json_response([{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}])

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.received.append(body)
        result = self.reply(body)
        return await result if asyncio.iscoroutine(result) else result

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        return app


@pytest.fixture
async def rasa():
    fake = FakeRasa()
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
def settings(rasa) -> WebSettings:
    return WebSettings(rasa_url=rasa.url, allowed_origins=(PARTNER,), session_rate=5, rasa_timeout=2)


@pytest.fixture
async def make_client():
    clients: list[TestClient] = []

    async def make(settings: WebSettings) -> TestClient:
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client, settings) -> TestClient:
    return await make_client(settings)


async def post(client: TestClient, message="Hallo", session=SESSION, headers=None, **fields):
    return await client.post("/api/message", json={"session": session, "message": message, **fields}, headers=headers)


# ---------- static files ----------

async def test_the_demo_page_carries_the_one_script_tag(client):
    response = await client.get("/")
    page = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert '<script src="/widget.js" data-title="Wegwijzer" data-lang="nl" defer></script>' in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path, content_type, marker", [
    ("/widget.js", "text/javascript", "attachShadow"),
    ("/widget.css", "text/css", ".ww-launcher"),
    ("/demo.css", "text/css", "body"),
])
async def test_widget_files_are_served_for_other_sites_too(client, path, content_type, marker):
    response = await client.get(path)
    assert response.status == 200 and response.content_type == content_type
    assert marker in await response.text()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if path.startswith("/widget"):
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.parametrize("path", ["/", "/widget.js", "/privacy", "/toegankelijkheid", "/adviseur?t=1.1.1.forged"])
async def test_pages_and_the_widget_carry_the_contact_details_of_data_contact_yml(client, path):
    response = await client.get(path)
    text = await response.text()
    assert province_contact().phone in text and province_contact().email in text
    assert "{{" not in text, "a contact placeholder was left unfilled"


async def test_the_accessibility_statement_is_a_page_with_the_wcag_22_points_and_a_strict_policy(client):
    response = await client.get("/toegankelijkheid")
    text = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert "<h1>Toegankelijkheidsverklaring Wegwijzer</h1>" in text and '<html lang="nl">' in text
    assert all(point in text for point in ("2.4.11", "2.5.8", "3.2.6")) and "$" not in text
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert '<a href="/toegankelijkheid">' in await (await client.get("/")).text(), "the demo page links it"


async def test_a_static_file_is_revalidated_by_its_etag(client):
    first = await client.get("/widget.js")
    again = await client.get("/widget.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and not await again.read()


async def test_health(client):
    response = await client.get("/health")
    assert response.status == 200 and await response.json() == {"status": "ok"}


async def test_the_privacy_statement_and_the_adviser_pages_are_served_here(client):
    response = await client.get("/privacy")
    assert response.status == 200 and "privacy" in (await response.text()).lower()
    response = await client.get("/adviseur?t=1.1.1.forged")
    assert response.status == 403  # the adviser routes are there, and refuse a link without a valid signature


async def access_log_lines(caplog, path: str) -> list[str]:
    """The access log lines a GET of ``path`` writes, with the server's own access logger."""
    server = TestServer(create_app(WebSettings(rasa_url="http://127.0.0.1:9")))
    await server.start_server(access_log_class=PathOnlyAccessLogger)
    async with TestClient(server) as logged:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            await logged.get(path)
    return [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]


async def test_the_access_log_has_no_query_string(client, caplog):
    lines = await access_log_lines(caplog, "/privacy?sig=secret-signature")
    assert lines and "GET /privacy 200" in lines[0] and "secret-signature" not in " ".join(lines)


async def test_the_access_log_escapes_control_characters(caplog):
    """The logged path is decoded: ``%0a`` must not start a forged log line, nor ``%1b`` recolour a terminal."""
    lines = await access_log_lines(caplog, "/x%0aFAKE-LINE%0d%1b[31m%E2%80%A8")
    assert len(lines) == 1 and lines[0].startswith("GET /x\\x0aFAKE-LINE\\x0d\\x1b[31m\\u2028 404")
    assert not any(c in lines[0] for c in "\n\r\x1b\u2028")


def test_every_log_message_of_the_servers_is_escaped():
    """The web server and the worker log through a handler that escapes any message (values in exceptions too)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(EscapeControls())
    logger = logging.getLogger("wegwijzer.test-escape")
    logger.addHandler(handler)
    try:
        logger.warning("failed for %s", "x\n2026-12-01 FAKE ERROR")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "failed for x\\x0a2026-12-01 FAKE ERROR\n"


async def test_a_lone_surrogate_is_refused_before_it_reaches_rasa(client, rasa):
    """JSON allows ``"\\ud800"``; it is no character, and Rasa's SQL tracker store stops the server on it."""
    response = await client.post("/api/message", headers={"Content-Type": "application/json"},
                                 data=f'{{"session": "{SESSION}", "message": "sur\\ud800rogate"}}')
    assert response.status == 400 and (await response.json())["error"] == "invalid_text"
    assert rasa.received == []


async def test_a_deeply_nested_json_body_is_a_400(client, rasa):
    response = await client.post("/api/message", data="[" * 15000 + "]" * 15000,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400 and (await response.json())["error"] == "invalid_json"
    assert rasa.received == []


@pytest.mark.parametrize("content_type, body", [
    ("multipart/form-data", b"h=1"),  # no boundary
    ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
    ("application/x-www-form-urlencoded", b"t=\xed\xb3\xbf&outcome=helped"),  # not UTF-8
])
async def test_a_malformed_form_on_an_adviser_link_is_a_400(client, content_type, body):
    response = await client.post("/adviseur/closed", data=body, headers={"Content-Type": content_type})
    assert response.status == 400 and "Er is niets veranderd." in await response.text()


async def test_an_adviser_link_refuses_a_multipart_form_even_a_well_formed_one(client):
    """Only the page's own plain form is read: aiohttp's multipart parser has had size-limit advisories."""
    body = b"--zz\r\nContent-Disposition: form-data; name=\"outcome\"\r\n\r\nhelped\r\n--zz--\r\n"
    response = await client.post("/adviseur/closed", data=body,
                                 headers={"Content-Type": "multipart/form-data; boundary=zz"})
    assert response.status == 400 and "Er is niets veranderd." in await response.text()


# ---------- the proxy to Rasa ----------

async def test_a_message_reaches_rasa_with_the_widget_channel(client, rasa):
    response = await post(client, "  Wij zijn een bouwbedrijf in Goor  ", language="nl")
    assert response.status == 200
    assert await response.json() == {"messages": [{"text": "echo: Wij zijn een bouwbedrijf in Goor", "buttons": []}]}
    assert rasa.received == [{"sender": f"web-{SESSION}", "message": "Wij zijn een bouwbedrijf in Goor",
                              "metadata": {"channel": "widget", "language": "nl"}}]


async def test_a_proxy_in_the_environment_does_not_divert_messages_to_rasa(make_client, settings, rasa, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = await make_client(settings)
    response = await post(client, "Hallo")
    assert response.status == 200 and len(rasa.received) == 1


async def test_only_text_and_buttons_pass_on(client, rasa):
    rasa.reply = lambda body: web.json_response([
        {"recipient_id": "x", "text": "Kies:", "buttons": [{"title": "Geld", "payload": '/inform{"need":"financiering"}',
                                                            "type": "postback"}, {"title": 3}]},
        {"recipient_id": "x", "image": "https://example.org/a.png"},
        {"recipient_id": "x", "custom": {"html": "<b>x</b>"}, "buttons": [{"title": "Ja", "payload": "/affirm"}]},
        "not a message",
    ])
    response = await post(client, "/greet", language="en")
    assert await response.json() == {"messages": [
        {"text": "Kies:", "buttons": [{"title": "Geld", "payload": '/inform{"need":"financiering"}'}]},
        {"text": "", "buttons": [{"title": "Ja", "payload": "/affirm"}]},
    ]}
    assert rasa.received[0]["metadata"] == {"channel": "widget", "language": "en"}


async def test_after_an_erase_the_widget_is_told_to_clear_the_conversation(client, rasa):
    rasa.reply = lambda body: web.json_response([
        {"recipient_id": "x", "text": "Klaar: ik heb al uw antwoorden uit dit gesprek verwijderd."},
        {"recipient_id": "x", "custom": {"wegwijzer": "data_erased"}}])
    assert await (await post(client, "/affirm")).json() == {
        "messages": [{"text": "Klaar: ik heb al uw antwoorden uit dit gesprek verwijderd.", "buttons": []}],
        "erased": True}
    rasa.reply = lambda body: web.json_response([{"recipient_id": "x", "custom": {"wegwijzer": "personal_data"}}])
    assert await (await post(client, "/affirm")).json() == {"messages": []}


async def test_2000_characters_pass_and_2001_do_not(client, rasa):
    assert (await post(client, "a" * 2000)).status == 200
    response = await post(client, "a" * 2001)
    assert response.status == 413
    assert (await response.json())["error"] == "message_too_long"
    assert len(rasa.received) == 1


@pytest.mark.parametrize("body, code", [
    ({"session": SESSION}, "empty_message"),
    ({"session": SESSION, "message": "   "}, "empty_message"),
    ({"session": SESSION, "message": 12}, "empty_message"),
    ({"message": "hallo"}, "invalid_session"),
    ({"session": "kort", "message": "hallo"}, "invalid_session"),
    ({"session": "../../etc/passwd", "message": "hallo"}, "invalid_session"),
    ({"session": "telegram-123456789", "message": "hallo"}, "invalid_session"),  # another channel's conversation
    ({"session": SESSION + "\n", "message": "hallo"}, "invalid_session"),
    ({"session": SESSION.upper(), "message": "hallo"}, "invalid_session"),
    ({"session": SESSION.replace("-", ""), "message": "hallo"}, "invalid_session"),
    ({"session": f"{SESSION}-{SESSION}", "message": "hallo"}, "invalid_session"),
    ({"session": SESSION, "message": "hallo", "language": "de"}, "invalid_language"),
    (["hallo"], "invalid_json"),
])
async def test_bad_requests_get_a_clear_json_error(client, rasa, body, code):
    response = await client.post("/api/message", json=body)
    assert response.status == 400
    assert (await response.json())["error"] == code
    assert not rasa.received


async def test_a_body_that_is_not_json(client):
    response = await client.post("/api/message", data="hallo", headers={"Content-Type": "application/json"})
    assert response.status == 400 and (await response.json())["error"] == "invalid_json"


async def test_a_huge_body_is_refused_as_json(client):
    response = await client.post("/api/message", data="x" * 100_000, headers={"Content-Type": "application/json"})
    assert response.status == 413 and (await response.json())["error"] == "too_large"


async def test_unknown_api_paths_and_methods_answer_json(client):
    response = await client.get("/api/message")
    assert response.status == 405 and (await response.json())["error"] == "method_not_allowed"
    response = await client.get("/api/nothing")
    assert response.status == 404 and (await response.json())["error"] == "not_found"


async def test_a_session_that_sends_too_fast_is_slowed_down(client, rasa):
    for _ in range(5):
        assert (await post(client)).status == 200
    response = await post(client)
    assert response.status == 429 and (await response.json())["error"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert (await post(client, session=OTHER_SESSIONS[0])).status == 200
    assert len(rasa.received) == 6


async def test_a_client_cannot_escape_the_limit_by_changing_its_session(make_client, settings, rasa):
    client = await make_client(replace(settings, client_rate=3))
    for session in OTHER_SESSIONS[:3]:
        assert (await post(client, session=session)).status == 200
    response = await post(client, session=OTHER_SESSIONS[3], headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status == 429 and (await response.json())["error"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert len(rasa.received) == 3, "without WEB_TRUST_PROXY a client cannot pick its own address"


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(make_client, settings, rasa):
    client = await make_client(replace(settings, client_rate=2, trust_proxy=True))
    alice = {"X-Forwarded-For": "203.0.113.7"}
    for session in OTHER_SESSIONS[:2]:
        assert (await post(client, session=session, headers=alice)).status == 200
    assert (await post(client, session=OTHER_SESSIONS[2], headers=alice)).status == 429
    spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}  # what the client sent, then what our proxy saw
    assert (await post(client, session=OTHER_SESSIONS[3], headers=spoofed)).status == 429
    assert (await post(client, session=OTHER_SESSIONS[3], headers={"X-Forwarded-For": "203.0.113.8"})).status == 200
    assert len(rasa.received) == 3


# ---------- Rasa in trouble ----------

async def test_rasa_down_is_a_503_with_json(make_client, settings, caplog):
    client = await make_client(replace(settings, rasa_url=f"http://127.0.0.1:{free_port()}"))
    with caplog.at_level(logging.DEBUG):
        response = await post(client, "Mijn naam is Anna de Vries")
    assert response.status == 503
    assert (await response.json())["error"] == "assistant_unavailable"
    assert "Anna" not in caplog.text and SESSION not in caplog.text, "no personal data in the logs"


async def test_a_message_rasa_may_have_is_not_called_unreachable_nor_sent_again(make_client, settings, rasa):
    """A timeout after the message left: Rasa may have handled it (a form answer). The server must not send it
    again, and must not answer 503 'unreachable', which the widget offers to send again."""
    async def slow(body):
        await asyncio.sleep(1.0)
        return web.json_response([])
    rasa.reply = slow
    client = await make_client(replace(settings, rasa_timeout=0.3))
    response = await post(client, "Jansen Metaal")
    assert response.status == 504 and (await response.json())["error"] == "assistant_no_answer"
    await asyncio.sleep(1.2)
    assert [b["message"] for b in rasa.received] == ["Jansen Metaal"]


async def test_a_server_error_from_rasa_is_tried_again(client, rasa):
    """A 5xx answer means Rasa did not handle the message: the one Rasa client sends it again."""
    answers = [web.Response(status=500, text="Traceback ..."), web.json_response([{"text": "gelukt"}])]
    rasa.reply = lambda body: answers.pop(0)
    response = await post(client)
    assert response.status == 200 and (await response.json())["messages"][0]["text"] == "gelukt"
    assert len(rasa.received) == 2


async def test_rasa_failing_with_server_errors_is_a_503_without_its_details(client, rasa):
    rasa.reply = lambda body: web.Response(status=500, text="Traceback (most recent call last): ...")
    response = await post(client)
    body = await response.text()
    assert response.status == 503 and '"assistant_unavailable"' in body and "Traceback" not in body


@pytest.mark.parametrize("reply", [
    lambda body: web.Response(status=400, text="Traceback (most recent call last): ..."),
    lambda body: web.Response(text="<html>not json</html>"),
    lambda body: web.json_response({"text": "not a list"}),
])
async def test_a_broken_rasa_answer_is_a_502_without_its_details(client, rasa, reply):
    rasa.reply = reply
    response = await post(client)
    body = await response.text()
    assert response.status == 502 and '"assistant_error"' in body
    assert "Traceback" not in body and "<html>" not in body


# ---------- which sites may talk to it ----------

async def test_a_configured_partner_site_may_post_cross_origin(client):
    response = await post(client, headers={"Origin": PARTNER})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == PARTNER
    preflight = await client.options("/api/message", headers={"Origin": PARTNER, "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == PARTNER
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


async def test_other_sites_may_not(client, rasa):
    response = await post(client, headers={"Origin": "https://evil.example"})
    assert response.status == 403 and (await response.json())["error"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = await client.options("/api/message", headers={"Origin": "https://evil.example"})
    assert preflight.status == 403
    assert not rasa.received


async def test_the_page_on_the_server_itself_needs_no_cors(client):
    origin = str(client.make_url("")).rstrip("/")
    response = await post(client, headers={"Origin": origin})
    assert response.status == 200 and "Access-Control-Allow-Origin" not in response.headers


# ---------- settings and the rate limiter ----------

def test_settings_from_the_environment():
    settings = WebSettings.from_env({"WEB_PORT": "8100", "RASA_PORT": "5999",
                                     "WIDGET_ALLOWED_ORIGINS": "https://www.overijssel.nl/, http://localhost:3000"})
    assert settings.port == 8100 and settings.rasa_url == "http://127.0.0.1:5999"
    assert settings.allowed_origins == ("https://www.overijssel.nl", "http://localhost:3000")
    assert WebSettings.from_env({"RASA_URL": "http://rasa:5005/", "RASA_PORT": "1"}).rasa_url == "http://rasa:5005"
    assert WebSettings.from_env({}).port == 8000 and WebSettings.from_env({}).allowed_origins == ()
    assert WebSettings.from_env({"WEB_TRUST_PROXY": "True"}).trust_proxy
    assert not WebSettings.from_env({}).trust_proxy and not WebSettings.from_env({"WEB_TRUST_PROXY": "false"}).trust_proxy
    with pytest.raises(ValueError, match="WEB_TRUST_PROXY"):
        WebSettings.from_env({"WEB_TRUST_PROXY": "ja"})


@pytest.mark.parametrize("value", ["www.overijssel.nl", "https://www.overijssel.nl/chat", "ftp://x.nl", "*"])
def test_origins_that_are_not_origins_are_refused(value):
    with pytest.raises(ValueError, match="WIDGET_ALLOWED_ORIGINS"):
        parse_origins(value)


def test_the_web_command_refuses_bad_settings_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "www.overijssel.nl")
    assert cli_main(["web"]) == 2
    assert "WIDGET_ALLOWED_ORIGINS" in capsys.readouterr().err


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limit_window_slides():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.hit("a") for _ in range(3)] == [0, 0, 0]
    clock.now += 20
    assert limiter.hit("a") == pytest.approx(40)
    assert limiter.hit("b") == 0
    clock.now += 40
    assert limiter.hit("a") == 0, "the first hits left the window"


def test_the_rate_limiter_forgets_quiet_and_surplus_keys():
    clock = Clock()
    limiter = RateLimiter(1, 10, max_keys=3, clock=clock)
    for key in "abcd":
        limiter.hit(key)
    assert limiter.hit("a") == 0, "'a' was the longest quiet of four keys and was forgotten"
    assert limiter.hit("d") > 0
    clock.now += 11
    limiter.hit("e")
    assert list(limiter._events) == ["e"]
