"""End to end over Telegram: the real python-telegram-bot bridge against the fake Bot API, talking to the
real Rasa and action servers (started once for this module)."""
from __future__ import annotations

import asyncio
import itertools
import threading
import time

import pytest

from wegwijzer.telegram.runner import serve
from wegwijzer.settings import TelegramSettings
from wegwijzer.telegram.texts import say
from tests.fake_telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.slow
TOKEN = "424242:e2e-token"
chat_ids = itertools.count(880001)


class BridgeThread:
    """The bridge (``serve``) on its own event loop in a thread, so the tests can stay synchronous."""

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="telegram-bridge", daemon=True)

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._started.set()
        await serve(self.settings, self._stop)

    def start(self) -> None:
        self._thread.start()
        self._started.wait(10)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)


@pytest.fixture(scope="module")
def api(assistant):
    with FakeTelegramAPI(token=TOKEN) as fake:
        settings = TelegramSettings(token=TOKEN, api_base_url=fake.url, rasa_url=assistant.url, poll_timeout=2,
                                    busy_after=8.0, max_retry_delay=3.0, retry_for=600.0,
                                    flood_messages=100)  # the test types faster than any person
        bridge = BridgeThread(settings)
        bridge.start()
        try:
            fake.wait_for(lambda: fake.calls_of("getUpdates"), 30, "the bridge to poll")
            yield fake
        finally:
            bridge.stop()


class TelegramUser:
    """One chat: type, press buttons, and read what came back since the last step."""

    def __init__(self, api: FakeTelegramAPI, language_code: str = "nl") -> None:
        self.api, self.chat_id, self.language_code = api, next(chat_ids), language_code
        self.seen = 0

    def type(self, text: str) -> list[dict]:
        self.api.send_text(self.chat_id, text, self.language_code)
        return self.replies(1)

    def press(self, word: str) -> list[dict]:
        """Press the button whose title contains ``word`` on the newest keyboard."""
        message, button = self.button(word)
        self.api.press_button(self.chat_id, message["message_id"], button["callback_data"], self.language_code)
        return self.replies(1)

    def button(self, word: str) -> tuple[dict, dict]:
        for message in reversed(self.api.sent(self.chat_id)):
            if "reply_markup" in message:
                for button in (b for row in message["reply_markup"]["inline_keyboard"] for b in row):
                    if word.lower() in button["text"].lower():
                        return message, button
                break
        raise AssertionError(f"no live button with {word!r} in {self.api.sent(self.chat_id)}")

    def replies(self, count: int, timeout: float = 60) -> list[dict]:
        """Wait for ``count`` new messages, then a moment for the rest of the turn."""
        self.api.wait_for_messages(self.chat_id, count, timeout, after=self.seen)
        self.api.wait_for(self._quiet, 10, "the turn to end")
        new = self.api.sent(self.chat_id)[self.seen:]
        self.seen += len(new)
        return new

    def _quiet(self) -> bool:
        before = len(self.api.sent(self.chat_id))
        time.sleep(0.7)
        return len(self.api.sent(self.chat_id)) == before


def texts(messages: list[dict]) -> str:
    return " ".join(m["text"] for m in messages)


def test_a_whole_intake_by_typing_and_pressing_buttons_ends_in_a_telegram_handoff(api, assistant):
    user = TelegramUser(api)
    reply = user.type("/start")
    assert "computerprogramma" in texts(reply) and "/privacy" in texts(reply), "the welcome links the privacy statement"
    reply = user.press("Personeel")
    assert "plaats" in texts(reply)
    reply = user.type("Deventr")
    assert "Deventer" in texts(reply) and "sector" in texts(reply)
    reply = user.press("Bouw")
    reply = user.type("25 man")
    assert "eigen woorden" in texts(reply)
    reply = user.type("Mijn monteurs moeten leren werken met warmtepompen.")
    assert "Ontwikkelfonds Cleantech Regio" in texts(reply)
    reply = user.press("Ja")
    reply = user.type("Erik Nijland")
    reply = user.type("Nijland Installatietechniek")
    reply = user.type("erik@nijlandinstallatie.example")
    assert "Ontwikkelfonds Cleantech Regio" in texts(reply)
    reply = user.press("Ja")
    assert "werkdagen" in texts(reply)

    sent = api.sent(user.chat_id)
    pressed = [m for m in sent if "✓" in m["text"]]
    chosen = [m["text"].rsplit("\n\n✓ ", 1)[1] for m in pressed]
    assert chosen == ["Personeel en opleiding", "Bouw en installatie", "Ja, graag", "Ja, dat mag"]
    assert not any("reply_markup" in m for m in pressed), "answered keyboards stay"
    assert len([a for a in api.callback_answers if a["callback_query_id"].startswith(f"cq-{user.chat_id}-")]) == 4
    (handoff,) = [h for h in assistant.handoffs() if h["conversation_id"] == f"telegram-{user.chat_id}"]
    assert handoff["organization"] == "Ontwikkelfonds Cleantech Regio"
    assert (handoff["municipality"], handoff["sector"], handoff["employees"], handoff["need"]) == ("Deventer", "bouw", "25", "personeel")
    assert handoff["contact_email"] == "erik@nijlandinstallatie.example"
    assert handoff["company_name"] == "Nijland Installatietechniek"
    assert handoff["channel"] == "telegram"

    # Erasing: the bot's message that showed the name and e-mail address goes too, and the user hears what stays.
    user.type("/verwijder")
    message, button = user.button("Ja, verwijderen")
    api.press_button(user.chat_id, message["message_id"], button["callback_data"])
    api.wait_for(lambda: say("erased_on_device", "nl") in api.sent(user.chat_id)[-1]["text"], 60, "the note")
    assert [m["text"] for m in api.deleted if "Erik Nijland" in m["text"]], "the handoff's thank-you was deleted"
    shown = texts(api.sent(user.chat_id))
    assert "erik@nijlandinstallatie.example" not in shown and "Dank u wel, Erik" not in shown
    assert say("erased_messages", "nl") in api.sent(user.chat_id)[-1]["text"]


def test_non_text_messages_get_a_kind_answer_and_the_conversation_goes_on(api):
    user = TelegramUser(api)
    for send in (api.send_photo, api.send_voice, api.send_sticker, api.send_document, api.send_location):
        send(user.chat_id)
    reply = user.replies(5)
    assert [m["text"] for m in reply] == ["Ik kan alleen tekst lezen. Wilt u uw vraag typen?"] * 5
    reply = user.type("Goedemiddag")
    assert "computerprogramma" in texts(reply)


def test_verwijder_asks_for_confirmation_and_then_erases(api):
    user = TelegramUser(api)
    user.type("Wij zijn een metaalbedrijf uit Hengelo met 35 man")
    reply = user.type("/verwijder")
    assert "verwijder" in texts(reply)
    user.button("Nee")
    reply = user.press("Ja, verwijderen")
    assert "Klaar" in texts(reply) and "verwijderd" in texts(reply)
    question = next(m for m in api.sent(user.chat_id) if "Wilt u dat ik alle gegevens" in m["text"])
    assert question["text"].endswith("✓ Ja, verwijderen") and "reply_markup" not in question


def test_stop_from_the_menu_stops_the_intake(api):
    user = TelegramUser(api)
    user.type("Wij zijn een metaalbedrijf uit Hengelo met 35 man")
    reply = user.type("/stop")
    assert "ik stop hier" in texts(reply) and say("unknown_command", "nl") not in texts(reply)


def test_a_429_from_telegram_is_waited_out(api):
    user = TelegramUser(api)
    before = len(api.calls_of("sendMessage"))
    api.fail_next("sendMessage", 1, retry_after=2)
    reply = user.type("Goedemiddag")
    assert "computerprogramma" in texts(reply)
    assert len(api.calls_of("sendMessage")) - before == len(reply) + 1, "the refused send was retried once"


def test_rasa_down_then_up_the_user_hears_it_is_busy_and_then_gets_the_answer(api, assistant):
    user = TelegramUser(api)
    assistant.stop("rasa")
    try:
        reply = user.type("Goedemiddag")
        assert [m["text"] for m in reply] == [say("busy", "nl")]
    finally:
        assistant.start_rasa()
    reply = user.replies(1, timeout=60)
    assert "computerprogramma" in texts(reply)
