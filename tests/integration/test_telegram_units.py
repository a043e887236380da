"""The Telegram bridge without Rasa: pure units, then the real python-telegram-bot client against the fake
Bot API (tests/fake_telegram_api.py) and a small fake Rasa REST channel."""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
import yaml
from aiohttp import web
from telegram.error import NetworkError, RetryAfter
from telegram.ext import Application

from wegwijzer.telegram import keyboard
from wegwijzer.telegram.bridge import COMMAND_PAYLOADS, Bridge, split_text
from wegwijzer.telegram.flood import FloodGate
from wegwijzer.rasa.reply_marks import PERSONAL_DATA, mark_of
from wegwijzer.telegram.personal import PersonalMessages
from wegwijzer.telegram.logs import REDACTED, RedactSecrets
from wegwijzer.rasa.client import RasaClient, RasaNoAnswer, RasaRejected, RasaUnavailable
from wegwijzer.telegram.runner import serve
from wegwijzer.settings import TelegramSettings
from wegwijzer.telegram.telegram_calls import with_retries
from wegwijzer.telegram.texts import TEXTS_FILE, command_descriptions, language_of, say
from wegwijzer.telegram.webhook import SECRET_HEADER, webhook_app
from tests.fake_telegram_api import FakeTelegramAPI
from tests.servers import VENV_BIN, free_port

TOKEN = "123456:TEST-token-never-in-logs"
LONG_PAYLOAD = '/inform{"need":"kennis","sector":"maakindustrie","place":"Hengelo","employees":"35-50"}'
WELCOME_BUTTONS = [{"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"},
                   {"title": "Kennis en innovatie voor de maakindustrie", "payload": LONG_PAYLOAD}]


# --- pure units ------------------------------------------------------------------------------------------

def test_callback_data_stays_under_64_bytes_and_maps_back_to_the_payload():
    boards = keyboard.ChatKeyboards()
    for _ in range(1000):  # keyboard ids grow with the conversation
        board = boards.new(WELCOME_BUTTONS * 10)
    markup = keyboard.markup(board)
    datas = [button.callback_data for row in markup.inline_keyboard for button in row]
    assert len(datas) == 30 and len(set(datas)) == 30
    assert max(len(d.encode()) for d in datas) <= keyboard.MAX_CALLBACK_BYTES < len(LONG_PAYLOAD.encode())
    boards.shown(board, message_id=77)
    assert boards.press(datas[2], 77) == keyboard.Choice("Kennis en innovatie voor de maakindustrie", LONG_PAYLOAD)


def test_only_the_newest_keyboard_answers_and_only_once():
    boards = keyboard.ChatKeyboards()
    old = boards.new(WELCOME_BUTTONS)
    boards.shown(old, 10)
    new = boards.new([{"title": "Bouw", "payload": '/inform{"sector":"bouw"}'}])
    boards.shown(new, 12)
    assert boards.on_screen_except(new) == [10]
    assert boards.press(keyboard.callback_data(old.id, 0), 10) is None, "an older question's button"
    assert boards.press(keyboard.callback_data(new.id, 0), 10) is None, "data of another message"
    assert boards.press("k99:0", 12) is None and boards.press("garbage", 12) is None and boards.press(None, 12) is None
    assert boards.press(keyboard.callback_data(new.id, 5), 12) is None, "no such button"
    assert boards.press(keyboard.callback_data(new.id, 0), 12).payload == '/inform{"sector":"bouw"}'
    assert boards.press(keyboard.callback_data(new.id, 0), 12) is None, "a second press"


def test_short_titles_go_two_to_a_row_long_ones_one():
    boards = keyboard.ChatKeyboards()
    short = keyboard.markup(boards.new([{"title": t, "payload": f"/{t}"} for t in ("Ja", "Nee", "Weet niet")]))
    assert [len(row) for row in short.inline_keyboard] == [2, 1]
    long = keyboard.markup(boards.new(WELCOME_BUTTONS))
    assert [len(row) for row in long.inline_keyboard] == [1, 1, 1]


def test_flood_gate_admits_n_per_window_and_notes_once_per_flood():
    now = [0.0]
    gate = FloodGate(3, 10, clock=lambda: now[0])
    assert [gate.admit() for _ in range(5)] == [True, True, True, False, False]
    assert [gate.note_due(), gate.note_due()] == [True, False]
    now[0] = 10.0
    assert gate.admit() and gate.admit() and gate.admit() and not gate.admit()
    assert gate.note_due(), "a new flood gets a new note"


def test_a_typed_answer_retires_every_keyboard_on_screen():
    boards = keyboard.ChatKeyboards()
    old, new = boards.new(WELCOME_BUTTONS), None
    boards.shown(old, 10)
    new = boards.new(WELCOME_BUTTONS)
    boards.shown(new, 12)
    assert sorted(boards.retire()) == [10, 12] and boards.retire() == []
    assert boards.press(keyboard.callback_data(new.id, 0), 12) is None, "a press after typing was taken"
    newest = boards.new(WELCOME_BUTTONS)
    boards.shown(newest, 14)
    assert boards.press(keyboard.callback_data(newest.id, 1), 14).payload == "/deny", "the next question answers"


async def test_telegram_calls_are_retried_for_minutes_and_giving_up_is_logged_without_content(caplog):
    tries = []

    async def flaky() -> str:
        tries.append(time.monotonic())
        if len(tries) <= 12:  # more failures than the old fixed six attempts
            raise NetworkError("Bad Gateway")
        return "sent"
    assert await with_retries(flaky, "sendMessage", retry_for=30, backoff=0.01, max_delay=0.02) == "sent"
    assert len(tries) == 13

    async def down() -> None:
        tries.append(time.monotonic())
        raise RetryAfter(1) if len(tries) % 2 else NetworkError("Bad Gateway: secret text")
    tries.clear()
    with caplog.at_level(logging.WARNING, logger="wegwijzer.telegram.telegram_calls"):
        assert await with_retries(down, "sendMessage", retry_for=2.5, backoff=0.05, max_delay=0.1) is None
    # 429 (wait 1 s), error (0.05 s), 429 (1 s), error (0.1 s), 429: waiting again would pass the 2.5 s
    assert len(tries) == 5 and 2.0 <= tries[-1] - tries[0] < 2.5, "retry_after or the time limit was not kept"
    (gave_up,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "sendMessage" in gave_up.getMessage() and "giving up" in gave_up.getMessage()
    assert "secret text" not in caplog.text


def test_replies_to_telegram_are_retried_for_minutes_by_default():
    settings = TelegramSettings()
    assert settings.send_retry_for >= 300 and settings.send_max_delay >= 30
    assert settings.rasa_timeout >= 120, "a slow Rasa is waited for, not asked again"


def test_split_text_keeps_telegrams_limit_and_all_words():
    text = " ".join(f"woord{i}" for i in range(2000))
    parts = split_text(text, 4096)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()
    assert split_text("kort") == ["kort"] and split_text("") == []


def test_texts_have_dutch_and_english_and_the_menu_matches_the_commands():
    texts = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    for key, variants in texts.items():
        for variants in (variants.values() if key == "commands" else [variants]):
            assert set(variants) == {"nl", "en"}, key
    for language in ("nl", "en"):
        menu = list(command_descriptions(language))
        assert menu == ["start", "opnieuw", "stop", "privacy", "verwijder", "help"] and set(menu) <= set(COMMAND_PAYLOADS)
    assert all(f"/{command}" in say("unknown_command", language) for command in menu for language in ("nl", "en"))
    assert "038 499 88 99" in say("busy", "nl") and "postbus@overijssel.nl" in say("gave_up", "en")
    assert (language_of("en-GB"), language_of("nl"), language_of(None), language_of("de")) == ("en", "nl", "nl", "nl")


def test_settings_from_the_environment_never_show_the_token():
    settings = TelegramSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "RASA_PORT": "5123",
                                          "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/", "TELEGRAM_WEBHOOK_PORT": "8999"})
    assert (settings.token, settings.rasa_url, settings.api_base_url) == (TOKEN, "http://127.0.0.1:5123", "http://127.0.0.1:9")
    assert settings.webhook_url is None and settings.webhook_port == 8999
    assert TOKEN not in repr(settings)
    assert TelegramSettings.from_env({}).token is None
    assert TelegramSettings.from_env({"RASA_URL": "http://rasa:5005/"}).rasa_url == "http://rasa:5005"


def test_the_log_filter_takes_the_token_out_of_messages_and_tracebacks():
    import logging
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "GET %s", (f"https://x/bot{TOKEN}/getMe",),
                                   sys.exc_info())
    RedactSecrets(TOKEN).filter(record)
    formatted = logging.Formatter().format(record)
    assert TOKEN not in formatted and REDACTED in record.getMessage() and REDACTED in record.exc_text


def test_the_log_filter_escapes_control_characters():
    import logging
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "webhook %s refused", ("/hook\nFAKE LINE",), None)
    RedactSecrets(TOKEN).filter(record)
    assert record.getMessage() == "webhook /hook\\x0aFAKE LINE refused"


# --- the Rasa client ---------------------------------------------------------------------------------------

class FakeRasa:
    """Rasa's REST channel: records each message, answers with ``replies_for``, can be slow or down."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.spans: list[tuple[str, float, float]] = []  # message, start, end
        self.delays: dict[str, float] = {}
        self.down_for: float = 0.0  # seconds from now during which it answers 503
        self._down_until = 0.0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._runner: web.AppRunner | None = None

    def go_down(self, seconds: float) -> None:
        self._down_until = time.monotonic() + seconds

    def messages(self, sender: str | None = None) -> list[str]:
        return [r["message"] for r in self.received if sender is None or r["sender"] == sender]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _webhook(self, request: web.Request) -> web.Response:
        if time.monotonic() < self._down_until:
            return web.Response(status=503)
        body = await request.json()
        start = time.monotonic()
        self.received.append(body)
        await asyncio.sleep(self.delays.get(body["message"], 0))
        self.spans.append((body["message"], start, time.monotonic()))
        return web.json_response(replies_for(body["sender"], body["message"]))


def replies_for(sender: str, message: str) -> list[dict]:
    if message == "/greet":
        return [{"recipient_id": sender, "text": "Welkom bij Wegwijzer."},
                {"recipient_id": sender, "text": "Zullen we beginnen?", "buttons": WELCOME_BUTTONS}]
    if message == "stil":  # what Rasa's REST channel answers when something failed inside Rasa
        return []
    if message == "ja, dat mag":  # the handoff: the reply that shows the name and e-mail address is marked
        return [{"recipient_id": sender, "text": "Dank u wel, Anna. Wij mailen u op anna@example.org."},
                {"recipient_id": sender, "custom": {"wegwijzer": "personal_data"}},
                {"recipient_id": sender, "text": "Kan ik nog iets doen?"}]
    if message == "/erase_data":
        return [{"recipient_id": sender, "text": "Klaar: alles is verwijderd."},
                {"recipient_id": sender, "custom": {"wegwijzer": "data_erased"}}]
    return [{"recipient_id": sender, "text": f"ontvangen: {message}"}]


@pytest.fixture
async def rasa():
    fake = FakeRasa()
    await fake.start()
    yield fake
    await fake.stop()


async def test_the_rasa_client_sends_the_channel_and_retries_a_503(rasa):
    client = RasaClient(rasa.url, "telegram", attempts=3, backoff=0.2)
    rasa.go_down(0.1)
    try:
        replies = await client.send("telegram-5", "Hallo")
    finally:
        await client.aclose()
    assert replies == [{"recipient_id": "telegram-5", "text": "ontvangen: Hallo"}]
    assert rasa.received == [{"sender": "telegram-5", "message": "Hallo", "metadata": {"channel": "telegram"}}]


async def test_the_rasa_client_says_clearly_when_rasa_stays_unreachable():
    client = RasaClient(f"http://127.0.0.1:{free_port()}", "telegram", attempts=2, backoff=0.05)
    try:
        with pytest.raises(RasaUnavailable, match="did not answer after 2 attempts"):
            await client.send("telegram-5", "Hallo")
    finally:
        await client.aclose()


async def test_the_rasa_client_never_sends_a_lone_surrogate():
    calls = []
    client = RasaClient("http://rasa", "telegram", transport=httpx.MockTransport(lambda r: calls.append(r)))
    try:
        with pytest.raises(RasaRejected):
            await client.send("telegram-5", "sur\ud800rogate")
    finally:
        await client.aclose()
    assert calls == []


async def test_the_rasa_client_does_not_retry_an_answer_that_is_not_messages():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"error": "no"})
    client = RasaClient("http://rasa", "telegram", transport=httpx.MockTransport(handler))
    try:
        with pytest.raises(RasaRejected):
            await client.send("telegram-5", "Hallo")
    finally:
        await client.aclose()
    assert len(calls) == 1


@pytest.mark.parametrize("problem", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("closed"),
                                     httpx.ReadError("reset")])
async def test_the_rasa_client_never_sends_a_message_twice_that_may_have_reached_rasa(problem):
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise problem
    client = RasaClient("http://rasa", "telegram", attempts=3, backoff=0.01, transport=httpx.MockTransport(handler))
    try:
        with pytest.raises(RasaNoAnswer):
            await client.send("telegram-5", "Hallo")
    finally:
        await client.aclose()
    assert len(calls) == 1


async def test_the_rasa_client_retries_when_the_message_certainly_did_not_arrive():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused")
        if len(calls) == 2:
            raise httpx.ConnectTimeout("no connection")
        return httpx.Response(200, json=[{"recipient_id": "telegram-5", "text": "Welkom"}])
    client = RasaClient("http://rasa", "telegram", attempts=3, backoff=0.01, transport=httpx.MockTransport(handler))
    try:
        assert await client.send("telegram-5", "Hallo") == [{"recipient_id": "telegram-5", "text": "Welkom"}]
    finally:
        await client.aclose()
    assert len(calls) == 3


# --- the bridge without Telegram -------------------------------------------------------------------------

@pytest.fixture
async def bare_bridge():
    """A Bridge on a clock the test turns; no Bot API, no Rasa."""
    now = [0.0]
    rasa_client = RasaClient(f"http://127.0.0.1:{free_port()}", "telegram")
    bridge = Bridge(TelegramSettings(token=TOKEN), rasa_client, clock=lambda: now[0])
    yield bridge, now
    await rasa_client.aclose()


async def test_idle_chats_are_forgotten_after_a_day_and_chats_with_work_are_kept(bare_bridge):
    bridge, now = bare_bridge
    bridge.chat_for(1, None)
    working = bridge.chat_for(2, "en")
    release = asyncio.Event()
    working.enqueue(release.wait)
    now[0] = 23 * 3600.0
    bridge.chat_for(3, None)
    assert set(bridge.chats) == {1, 2, 3}, "a chat was forgotten before a day had passed"
    now[0] = 25 * 3600.0
    bridge.chat_for(3, None)
    assert set(bridge.chats) == {2, 3} and bridge.chats[2] is working, "an idle chat stayed, or one with work went"
    release.set()
    await working.idle()
    await asyncio.sleep(0.05)
    now[0] = 60 * 3600.0
    assert bridge.chat_for(2, None) is not working and set(bridge.chats) == {2}


async def test_stopping_the_bridge_leaves_no_task_pending(bare_bridge, caplog):
    bridge, _ = bare_bridge
    before = asyncio.all_tasks()
    stuck, done = bridge.chat_for(1, None), bridge.chat_for(2, None)
    for _ in range(2):
        stuck.enqueue(lambda: asyncio.sleep(3600))
    done.enqueue(lambda: asyncio.sleep(0.01))
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="wegwijzer.telegram.bridge"):
        await bridge.finish_chats(0.3)
    pending = [t for t in asyncio.all_tasks() - before if not t.done() and t is not asyncio.current_task()]
    assert pending == [], f"still pending after the stop: {pending}"
    assert not stuck.busy and "unfinished work in 1 Telegram chat" in caplog.text


async def test_a_webhook_secret_header_with_any_characters_is_refused_not_a_crash():
    application = Application.builder().token(TOKEN).build()
    port = free_port()
    runner = web.AppRunner(webhook_app(application, "/hook", "s3cret-value"), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    update = {"update_id": 9, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                          "text": "Hallo"}}
    try:
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{port}/hook"
            refused = [(await client.post(url, json=update, headers={SECRET_HEADER: value})).status_code
                       for value in ("s3crét-value".encode(), "s3cret-valué".encode("latin-1"), b"\xff\xfe",
                                     "s3cret-value".encode() + "é".encode())]
            accepted = await client.post(url, json=update, headers={SECRET_HEADER: b"s3cret-value"})
    finally:
        await runner.cleanup()
    assert refused == [403] * 4 and accepted.status_code == 200
    assert application.update_queue.qsize() == 1


# --- the bridge: python-telegram-bot against the fake Bot API --------------------------------------------

@pytest.fixture
def api():
    with FakeTelegramAPI(token=TOKEN) as fake:
        yield fake


class RunningBridge:
    def __init__(self, api: FakeTelegramAPI, settings: TelegramSettings) -> None:
        self.api, self.settings = api, settings
        self.stop = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> "RunningBridge":
        self.task = asyncio.create_task(serve(self.settings, self.stop))
        ready = "setWebhook" if self.settings.webhook_url else "getUpdates"
        await self.api.async_wait_for(lambda: self.api.calls_of(ready) or self.task.done(), 20, f"the bridge's {ready}")
        assert not self.task.done(), self.task.exception()
        return self

    async def __aexit__(self, *_exc) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


def bridge_settings(api: FakeTelegramAPI, rasa: FakeRasa, **changes) -> TelegramSettings:
    return dataclasses.replace(TelegramSettings(token=TOKEN, api_base_url=api.url, rasa_url=rasa.url, poll_timeout=1,
                                                busy_after=2.0, max_retry_delay=1.0), **changes)


def texts_of(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


async def test_messages_reach_rasa_as_the_chats_conversation_and_the_commands_are_registered(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(501, "Hallo, wij zijn een bouwbedrijf")
        (reply,) = await api.async_wait_for_messages(501, 1)
    assert reply["text"] == "ontvangen: Hallo, wij zijn een bouwbedrijf"
    assert rasa.received == [{"sender": "telegram-501", "message": "Hallo, wij zijn een bouwbedrijf",
                              "metadata": {"channel": "telegram"}}]
    menus = {c.params.get("language_code"): [x["command"] for x in c.params["commands"]]
             for c in api.calls_of("setMyCommands")}
    assert menus == {None: list(command_descriptions("nl")), "en": list(command_descriptions("en"))}
    assert "stop" in menus[None]
    assert api.calls_of("deleteWebhook") and not api.calls_of("setWebhook"), "long polling is the default"


async def test_each_chat_is_answered_in_order_without_holding_up_other_chats(api, rasa):
    rasa.delays = {"eerste": 1.5}
    async with RunningBridge(api, bridge_settings(api, rasa)):
        for text in ("eerste", "tweede", "derde"):
            api.send_text(601, text)
        api.send_text(602, "andere chat")
        await api.async_wait_for_messages(602, 1)
        assert api.sent(601) == [], "chat 602 was answered while chat 601 still waited for Rasa"
        replies = await api.async_wait_for_messages(601, 3)
    assert texts_of(replies) == ["ontvangen: eerste", "ontvangen: tweede", "ontvangen: derde"]
    spans = [s for s in rasa.spans if s[0] in ("eerste", "tweede", "derde")]
    assert [s[0] for s in spans] == ["eerste", "tweede", "derde"]
    assert all(later[1] >= earlier[2] for earlier, later in zip(spans, spans[1:])), "one chat's messages overlapped"


async def test_buttons_become_an_inline_keyboard_that_answers_once(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(701, "/start")
        welcome, question = await api.async_wait_for_messages(701, 2)
        assert welcome["text"] == "Welkom bij Wegwijzer." and "reply_markup" not in welcome
        rows = question["reply_markup"]["inline_keyboard"]
        buttons = [b for row in rows for b in row]
        assert [b["text"] for b in buttons] == [b["title"] for b in WELCOME_BUTTONS]
        assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

        query = api.press_button(701, question["message_id"], buttons[2]["callback_data"])
        await api.async_wait_for(lambda: rasa.messages("telegram-701")[-1:] == [LONG_PAYLOAD], 10, "the payload")
        (answered,) = await api.async_wait_for_messages(701, 1, after=2)
        assert answered["text"] == f"ontvangen: {LONG_PAYLOAD}"
        edited = api.sent(701)[1]
        assert "reply_markup" not in edited and edited["text"].endswith("✓ Kennis en innovatie voor de maakindustrie")

        again = api.press_button(701, question["message_id"], buttons[0]["callback_data"])
        await api.async_wait_for(lambda: any(a["callback_query_id"] == again for a in api.callback_answers), 10,
                                 "the stale press to be answered")
        await asyncio.sleep(0.5)
    answers = {a["callback_query_id"]: a.get("text") for a in api.callback_answers}
    assert answers[query] is None and answers[again] == say("stale_button", "nl")
    assert rasa.messages("telegram-701") == ["/greet", LONG_PAYLOAD], "the stale press was forwarded"
    assert len(api.sent(701)) == 3


async def test_a_new_question_takes_the_older_keyboard_away(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(702, "/start")
        await api.async_wait_for_messages(702, 2)
        api.send_text(702, "/start")
        await api.async_wait_for_messages(702, 4)
        await api.async_wait_for(lambda: "reply_markup" not in api.sent(702)[1], 10, "the old keyboard to go")
        old = api.sent(702)[1]
        api.press_button(702, old["message_id"], "k1:0")
        await api.async_wait_for(lambda: len(api.callback_answers) == 1, 10, "the press to be answered")
    assert api.callback_answers[0]["text"] == say("stale_button", "nl")
    assert rasa.messages("telegram-702") == ["/greet", "/greet"]
    assert "reply_markup" in api.sent(702)[3]


async def test_typing_instead_of_pressing_takes_the_keyboard_away_and_a_later_press_is_an_older_question(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        for chat_id, typed, forwarded in ((2001, "Ja, graag", "Ja, graag"), (2002, "/help", "/help")):
            api.send_text(chat_id, "/start")
            _, question = await api.async_wait_for_messages(chat_id, 2)
            api.send_text(chat_id, typed)
            (reply,) = await api.async_wait_for_messages(chat_id, 1, after=2)
            assert reply["text"] == f"ontvangen: {forwarded}"
            await api.async_wait_for(lambda: "reply_markup" not in api.sent(chat_id)[1], 10, "the keyboard to go")
            pressed = api.press_button(chat_id, question["message_id"],
                                       question["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
            await api.async_wait_for(lambda: any(a["callback_query_id"] == pressed for a in api.callback_answers),
                                     10, "the press to be answered")
        await asyncio.sleep(0.5)
    assert [a.get("text") for a in api.callback_answers] == [say("stale_button", "nl")] * 2
    assert "eerdere vraag" in say("stale_button", "nl")
    assert rasa.messages("telegram-2001") == ["/greet", "Ja, graag"], "the older button was forwarded"
    assert rasa.messages("telegram-2002") == ["/greet", "/help"], "the older button was forwarded"
    assert len(api.sent(2001)) == len(api.sent(2002)) == 3


async def test_an_edited_command_or_text_gets_a_kind_answer_and_is_not_forwarded(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        command = api.send_text(2101, "/start")
        await api.async_wait_for_messages(2101, 2)
        api.edit_text(command, "/help")
        (edited,) = await api.async_wait_for_messages(2101, 1, after=2)
        text = api.send_text(2101, "Hallo")
        await api.async_wait_for_messages(2101, 1, after=3)
        api.edit_text(text, "/verwijder")
        api.edit_text(text, "Hallo daar")
        replies = await api.async_wait_for_messages(2101, 3, after=3)
    assert edited["text"] == say("edited", "nl")
    assert texts_of(replies) == ["ontvangen: Hallo", say("edited", "nl"), say("edited", "nl")]
    assert rasa.messages("telegram-2101") == ["/greet", "Hallo"]


async def test_the_commands_become_the_assistants_intents_and_slash_texts_are_never_payloads(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        for command in ("/opnieuw", "/privacy", "/verwijder", "/help", "/start@wegwijzer_test_bot", "/onbekend",
                        '/inform{"need":"kennis"}'):
            api.send_text(801, command)
        replies = await api.async_wait_for_messages(801, 8)
    assert rasa.messages("telegram-801") == ["/start_over", "/ask_privacy", "/erase_data", "/help", "/greet"]
    assert texts_of(replies)[-2:] == [say("unknown_command", "nl")] * 2


async def test_stop_and_the_words_users_try_instead_of_the_menu_commands_are_understood(api, rasa):
    tried = {"/stop": "/stop", "/stoppen": "/stop", "/cancel": "/stop", "/reset": "/start_over",
             "/restart": "/start_over", "/nieuw": "/start_over", "/hulp": "/help", "/wissen": "/erase_data",
             "/verwijderen": "/erase_data", "/begin": "/greet"}
    async with RunningBridge(api, bridge_settings(api, rasa)):
        for command in tried:
            api.send_text(802, command)
        await api.async_wait_for_messages(802, len(tried) + 1)  # /begin is answered with two messages
    assert rasa.messages("telegram-802") == list(tried.values())
    assert say("unknown_command", "nl") not in texts_of(api.sent(802))


async def test_typing_shows_while_an_answer_takes_a_while_and_not_for_a_quick_one(api, rasa):
    rasa.delays = {"langzaam": 2.5}
    async with RunningBridge(api, bridge_settings(api, rasa, typing_after=0.5, typing_every=1.0)):
        api.send_text(803, "snel")
        await api.async_wait_for_messages(803, 1)
        assert api.calls_of("sendChatAction") == [], "a quick answer needs no typing..."
        api.send_text(803, "langzaam")
        await api.async_wait_for_messages(803, 1, after=1)
        typing = api.calls_of("sendChatAction")
        await asyncio.sleep(1.5)
    assert 2 <= len(typing) <= 3, "typing... is renewed while the answer takes long"
    assert all(c.params == {"chat_id": 803, "action": "typing"} for c in typing)
    assert len(api.calls_of("sendChatAction")) == len(typing), "typing... stops once the answer is there"
    (answer,) = [m for m in api.sent(803) if m["text"] == "ontvangen: langzaam"]
    assert max(c.at for c in typing) < time.time() and answer


async def test_after_erasing_the_bots_messages_with_name_and_email_are_deleted_and_the_user_hears_the_rest(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(804, "Hallo")
        await api.async_wait_for_messages(804, 1)
        api.send_text(804, "ja, dat mag")
        done = await api.async_wait_for_messages(804, 2, after=1)
        api.send_text(804, "/verwijder")
        await api.async_wait_for(lambda: "Geschiedenis wissen" in api.sent(804)[-1]["text"], 20, "the note on the device")
        erased = api.sent(804)[-2:]
    assert texts_of(done) == ["Dank u wel, Anna. Wij mailen u op anna@example.org.", "Kan ik nog iets doen?"]
    assert [m["message_id"] for m in api.deleted] == [done[0]["message_id"]], "only the message with the data"
    assert "anna@example.org" not in " ".join(texts_of(api.sent(804)))
    assert "ontvangen: Hallo" in texts_of(api.sent(804)) and "Kan ik nog iets doen?" in texts_of(api.sent(804))
    assert erased[0]["text"] == "Klaar: alles is verwijderd."
    assert erased[1]["text"] == f'{say("erased_messages", "nl")} {say("erased_on_device", "nl")}'


async def test_erasing_with_no_personal_data_on_screen_still_says_what_stays_on_the_device(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(805, "/verwijder")
        (_, note) = await api.async_wait_for_messages(805, 2)
    assert note["text"] == say("erased_on_device", "nl") and api.deleted == []


def test_personal_messages_are_deletable_for_48_hours_and_taken_once():
    clock = [1_000_000.0]
    personal = PersonalMessages(clock=lambda: clock[0])
    personal.remember([7, 8])
    clock[0] += 47 * 3600
    personal.remember([9])
    assert personal.take() == ([7, 8, 9], 0) and personal.take() == ([], 0), "taken once"
    personal.remember([7, 8])
    clock[0] += 48 * 3600
    personal.remember([9])
    assert personal.take() == ([9], 2), "older than 48 hours: Telegram no longer lets the bot delete them"
    assert mark_of({"custom": {"wegwijzer": "personal_data"}}) == PERSONAL_DATA
    assert mark_of({"custom": {"wegwijzer": "other"}}) is None and mark_of({"text": "x"}) is None
    assert mark_of({"custom": "personal_data"}) is None


async def test_non_text_messages_get_a_kind_answer_in_the_chats_language(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        for send in (api.send_photo, api.send_voice, api.send_sticker, api.send_document, api.send_location):
            send(901)
        api.send_message(902, language_code="en-GB", photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}])
        api.send_text(903, "Hello, we are looking for funding for our company")
        api.send_photo(903)
        dutch = await api.async_wait_for_messages(901, 5)
        english = await api.async_wait_for_messages(902, 1)
        mixed = await api.async_wait_for_messages(903, 2)
    assert texts_of(dutch) == ["Ik kan alleen tekst lezen. Wilt u uw vraag typen?"] * 5
    assert texts_of(english) == [say("only_text", "en")] and texts_of(mixed)[1] == say("only_text", "en")
    assert rasa.messages("telegram-901") == [] and rasa.messages("telegram-902") == []


async def test_a_too_long_message_is_refused_kindly_and_the_limit_itself_passes(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(1001, "x" * 2001)
        api.send_text(1001, "y" * 2000)
        replies = await api.async_wait_for_messages(1001, 2)
    assert replies[0]["text"] == say("too_long", "nl", limit="2.000") and "2.000 tekens" in replies[0]["text"]
    assert rasa.messages("telegram-1001") == ["y" * 2000]


async def test_a_flood_gets_one_note_and_the_extras_are_not_forwarded(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa, flood_messages=3, flood_seconds=60)):
        for i in range(6):
            api.send_text(1101, f"bericht {i}")
        await api.async_wait_for_messages(1101, 4)
        await asyncio.sleep(0.5)
        replies = api.sent(1101)
    assert rasa.messages("telegram-1101") == ["bericht 0", "bericht 1", "bericht 2"]
    assert texts_of(replies).count(say("flood", "nl")) == 1 and len(replies) == 4


async def test_rasa_down_the_user_hears_it_is_busy_and_gets_the_answer_when_rasa_is_back(api, rasa):
    rasa.go_down(4.0)
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(1201, "Is er iemand?")
        api.send_text(1201, "Hallo?")
        (busy,) = await api.async_wait_for_messages(1201, 1)
        assert busy["text"] == say("busy", "nl")
        replies = await api.async_wait_for_messages(1201, 3, timeout=30)
    assert texts_of(replies) == [say("busy", "nl"), "ontvangen: Is er iemand?", "ontvangen: Hallo?"]


async def test_rasa_slow_the_user_hears_it_is_busy_and_then_gets_the_answer(api, rasa):
    rasa.delays = {"traag": 2.5}
    async with RunningBridge(api, bridge_settings(api, rasa, busy_after=1.0)):
        api.send_text(1301, "traag")
        replies = await api.async_wait_for_messages(1301, 2)
    assert texts_of(replies) == [say("busy", "nl"), "ontvangen: traag"]
    assert rasa.messages("telegram-1301") == ["traag"], "a slow answer is waited for, not asked again"


async def test_rasa_slower_than_the_timeout_is_not_asked_twice_and_the_user_hears_it(api, rasa):
    rasa.delays = {"heel traag": 3.0}
    async with RunningBridge(api, bridge_settings(api, rasa, busy_after=0.5, rasa_timeout=1.5)):
        api.send_text(1351, "heel traag")
        api.send_text(1351, "daarna")
        replies = await api.async_wait_for_messages(1351, 3)
        await asyncio.sleep(2.0)  # time in which a resend would have arrived
    assert texts_of(replies) == [say("busy", "nl"), say("no_reply", "nl"), "ontvangen: daarna"]
    assert "038 499 88 99" in say("no_reply", "nl")
    assert rasa.messages("telegram-1351") == ["heel traag", "daarna"], "a message that reached Rasa was sent again"


async def test_rasa_down_for_too_long_gives_the_user_a_way_forward(api, rasa):
    rasa.go_down(60)
    async with RunningBridge(api, bridge_settings(api, rasa, retry_for=2.0)):
        api.send_text(1401, "Hallo")
        replies = await api.async_wait_for_messages(1401, 2, timeout=20)
    assert texts_of(replies) == [say("busy", "nl"), say("gave_up", "nl")]


async def test_an_empty_answer_from_rasa_is_never_silence(api, rasa):
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(1451, "stil")
        (reply,) = await api.async_wait_for_messages(1451, 1)
    assert reply["text"] == say("no_answer", "nl") and "038 499 88 99" in reply["text"]


async def test_a_429_from_telegram_is_waited_out_and_the_reply_still_arrives(api, rasa):
    api.fail_next("sendMessage", 2, retry_after=1)
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(1501, "Hallo")
        (reply,) = await api.async_wait_for_messages(1501, 1, timeout=20)
    sends = api.calls_of("sendMessage")
    assert reply["text"] == "ontvangen: Hallo" and len(sends) == 3
    assert sends[1].at - sends[0].at >= 0.9 and sends[2].at - sends[1].at >= 0.9, "retry_after was not waited"


async def test_a_telegram_network_error_is_retried_with_backoff(api, rasa):
    api.fail_next("sendMessage", 2, status=502)
    async with RunningBridge(api, bridge_settings(api, rasa)):
        api.send_text(1551, "Hallo")
        (reply,) = await api.async_wait_for_messages(1551, 1, timeout=20)
    sends = api.calls_of("sendMessage")
    assert reply["text"] == "ontvangen: Hallo" and len(sends) == 3
    assert sends[2].at - sends[1].at > sends[1].at - sends[0].at >= 0.9, "no growing backoff"


async def test_a_reply_survives_telegram_being_unreachable_for_a_while(api, rasa):
    api.fail_next("sendMessage", 10, status=502)  # the old six tries in ~30 s lost this reply
    async with RunningBridge(api, bridge_settings(api, rasa, send_max_delay=0.2)):
        api.send_text(1561, "Hallo")
        (reply,) = await api.async_wait_for_messages(1561, 1, timeout=20)
    assert reply["text"] == "ontvangen: Hallo" and len(api.calls_of("sendMessage")) == 11


async def test_webhook_mode_registers_the_secret_and_refuses_requests_without_it(api, rasa):
    port = free_port()
    settings = bridge_settings(api, rasa, webhook_url="https://wegwijzer.example/telegram/hook",
                               webhook_port=port, webhook_secret="s3cret-value")
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1601, "type": "private"},
                                          "from": {"id": 1601, "is_bot": False, "first_name": "T"}, "text": "Hallo"}}
    async with RunningBridge(api, settings):
        (call,) = api.calls_of("setWebhook")
        assert call.params["url"] == settings.webhook_url and call.params["secret_token"] == "s3cret-value"
        async with httpx.AsyncClient() as client:
            hook = f"http://127.0.0.1:{port}/telegram/hook"
            refused = await client.post(hook, json=update, headers={SECRET_HEADER: "wrong"})
            missing = await client.post(hook, json=update)
            accepted = await client.post(hook, json=update, headers={SECRET_HEADER: "s3cret-value"})
        (reply,) = await api.async_wait_for_messages(1601, 1)
    assert (refused.status_code, missing.status_code, accepted.status_code) == (403, 403, 200)
    assert reply["text"] == "ontvangen: Hallo" and rasa.messages("telegram-1601") == ["Hallo"]
    assert not api.calls_of("getUpdates")


async def test_the_bridge_waits_for_an_unreachable_bot_api_and_then_starts(rasa):
    api = FakeTelegramAPI(token=TOKEN)  # its port is chosen, but nothing listens yet
    stop = asyncio.Event()
    task = asyncio.create_task(serve(bridge_settings(api, rasa), stop))
    await asyncio.sleep(1.5)
    assert not task.done(), "the bridge gave up on an unreachable Bot API"
    api.start()
    try:
        await api.async_wait_for(lambda: api.calls_of("getUpdates"), 20, "the bridge to start polling")
        api.send_text(1801, "Hallo")
        (reply,) = await api.async_wait_for_messages(1801, 1)
        assert reply["text"] == "ontvangen: Hallo"
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        api.stop()


# --- the command line ------------------------------------------------------------------------------------

def _cli_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    return {**env, **values}


def test_without_a_token_the_command_says_telegram_is_off_and_exits_0():
    out = subprocess.run([VENV_BIN / "wegwijzer", "telegram"], env=_cli_env(), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "Telegram is off: TELEGRAM_BOT_TOKEN is not set"


async def test_the_command_never_logs_the_token_even_at_debug_level(api, rasa):
    env = _cli_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.url, RASA_URL=rasa.url,
                   WEGWIJZER_LOG_LEVEL="DEBUG")
    process = await asyncio.create_subprocess_exec(VENV_BIN / "wegwijzer", "telegram", env=env,
                                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        await api.async_wait_for(lambda: api.calls_of("getUpdates"), 60, "the command to poll")
        api.send_text(1701, "Hallo")
        (reply,) = await api.async_wait_for_messages(1701, 1)
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    log = (stdout + stderr).decode()
    assert reply["text"] == "ontvangen: Hallo" and process.returncode == 0
    assert "getUpdates" in log or "Telegram bridge running" in log, "the debug log was empty"
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "Hallo" not in log, "message text in the log"


def test_a_refused_token_stops_the_command_with_a_clear_line_and_no_token():
    with FakeTelegramAPI(token="999:the-right-one") as api:
        out = subprocess.run([VENV_BIN / "wegwijzer", "telegram"], capture_output=True, text=True, timeout=60,
                             env=_cli_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.url,
                                          WEGWIJZER_LOG_LEVEL="DEBUG"))
    assert out.returncode == 1
    assert "refused the token in TELEGRAM_BOT_TOKEN" in out.stderr
    assert TOKEN not in out.stdout + out.stderr
