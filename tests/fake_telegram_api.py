"""A small fake Telegram Bot API server for tests.

It speaks the Bot API's HTTP protocol (``{url}/bot<token>/<method>``, form-encoded or JSON bodies,
``{"ok": true, "result": ...}`` answers) for the methods Wegwijzer uses, so the real
python-telegram-bot client (or any HTTP client) can be pointed at it with ``TELEGRAM_API_BASE_URL``.
It runs in a background thread with its own event loop, so sync and async tests can both use it.

    with FakeTelegramAPI() as api:
        api.send_text(42, "Hallo")                 # a user in chat 42 types "Hallo"
        (reply,) = api.wait_for_messages(42, 1)     # what the bot sent to chat 42
        api.press_button(42, reply["message_id"], reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        api.fail_next("sendMessage", 1, retry_after=1)   # the next sendMessage answers 429
        api.fail_next("sendMessage", 2, status=502)      # the next two answer 502 (a network error)
"""
from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import web

from tests.servers import free_port

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Wegwijzer", "username": "wegwijzer_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
# Parameters that python-telegram-bot sends as plain strings (everything else is JSON-encoded).
STRING_PARAMETERS = {"text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url",
                     "secret_token", "description", "short_description", "language_code", "action"}


@dataclass
class Call:
    """One request the client made: the method name and its decoded parameters."""

    method: str
    params: dict[str, Any]
    at: float


class FakeTelegramAPI:
    """The fake Bot API: inject what users do, read what the bot did."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token  # when set, requests for another token answer 401 like Telegram does
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._failures: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        self.calls: list[Call] = []
        self.messages: dict[int | str, list[dict]] = defaultdict(list)  # chat id -> messages the bot sent (edits applied)
        self.callback_answers: list[dict] = []
        self.deleted: list[dict] = []  # messages the bot deleted
        self.commands: list[dict] = []
        self.webhook: dict[str, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._closing = False  # ends waiting long polls so that stop() does not wait for them

    # --- running -------------------------------------------------------------------------------------

    def start(self) -> "FakeTelegramAPI":
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="fake-telegram-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Telegram API did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        self._closing = True
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> "FakeTelegramAPI":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        ready.set()
        self._loop.run_forever()
        pending = asyncio.all_tasks(self._loop)  # long polls still waiting
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    # --- what users do -------------------------------------------------------------------------------

    def send_message(self, chat_id: int, language_code: str = "nl", **content: Any) -> dict:
        """Inject a user's message with any content fields (``text``, ``photo``, ``voice``, ...)."""
        message = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
                   "from": _user(chat_id, language_code), **content}
        self._push({"message": message})
        return message

    def send_text(self, chat_id: int, text: str, language_code: str = "nl") -> dict:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
        return self.send_message(chat_id, language_code, text=text, **({"entities": entities} if entities else {}))

    def edit_text(self, message: dict, text: str) -> dict:
        """The user edits an earlier ``message`` (from ``send_text``) into ``text``: an ``edited_message`` update."""
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
        edited = {**copy.deepcopy(message), "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        edited.update({"entities": entities} if entities else {})
        self._push({"edited_message": edited})
        return edited

    def send_photo(self, chat_id: int) -> dict:
        return self.send_message(chat_id, photo=[{"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}])

    def send_voice(self, chat_id: int) -> dict:
        return self.send_message(chat_id, voice={"file_id": "voice-1", "file_unique_id": "v1", "duration": 3})

    def send_sticker(self, chat_id: int) -> dict:
        return self.send_message(chat_id, sticker={"file_id": "sticker-1", "file_unique_id": "s1", "type": "regular",
                                                   "width": 512, "height": 512, "is_animated": False, "is_video": False})

    def send_document(self, chat_id: int) -> dict:
        return self.send_message(chat_id, document={"file_id": "doc-1", "file_unique_id": "d1", "file_name": "offerte.pdf"})

    def send_location(self, chat_id: int) -> dict:
        return self.send_message(chat_id, location={"latitude": 52.2215, "longitude": 6.8937})

    def press_button(self, chat_id: int, message_id: int, callback_data: str, language_code: str = "nl") -> str:
        """Inject a press on an inline button of a message the bot sent; returns the callback query id."""
        with self._lock:
            message = next((copy.deepcopy(m) for m in self.messages[chat_id] if m["message_id"] == message_id), None)
        if message is None:
            raise KeyError(f"the bot sent no message {message_id} to chat {chat_id}")
        query_id = f"cq-{chat_id}-{next(self._update_ids)}"
        self._push({"callback_query": {"id": query_id, "from": _user(chat_id, language_code), "message": message,
                                       "chat_instance": str(chat_id), "data": callback_data}})
        return query_id

    def _push(self, update: dict) -> None:
        with self._lock:
            self._updates.append({"update_id": next(self._update_ids), **update})

    # --- what the bot did ----------------------------------------------------------------------------

    def fail_next(self, method: str, count: int = 1, retry_after: int = 1, status: int = 429) -> None:
        """Make the next ``count`` calls of ``method`` answer 429 Too Many Requests with ``retry_after``,
        or another HTTP ``status`` (502: python-telegram-bot raises NetworkError)."""
        if status == 429:
            error = {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                     "parameters": {"retry_after": retry_after}}
        else:
            error = {"ok": False, "error_code": status, "description": "Bad Gateway" if status == 502 else "Error"}
        with self._lock:
            self._failures[method].extend([(status, error)] * count)

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | str) -> list[dict]:
        """The messages the bot sent to a chat, oldest first, with later edits applied."""
        with self._lock:
            return copy.deepcopy(self.messages[chat_id])

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    def wait_for(self, condition: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
        """Poll ``condition`` until it returns something truthy; raise AssertionError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.05)

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 30, after: int = 0) -> list[dict]:
        """Wait until the bot sent at least ``count`` messages to ``chat_id`` beyond the first ``after``."""
        self.wait_for(lambda: len(self.sent(chat_id)) >= after + count, timeout,
                      f"{count} message(s) to chat {chat_id} after {after} (got {self.sent(chat_id)[after:]})")
        return self.sent(chat_id)[after:]

    async def async_wait_for(self, condition: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
        """``wait_for`` for async tests whose event loop must keep running meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.05)

    async def async_wait_for_messages(self, chat_id: int, count: int, timeout: float = 30, after: int = 0) -> list[dict]:
        await self.async_wait_for(lambda: len(self.sent(chat_id)) >= after + count, timeout,
                                  f"{count} message(s) to chat {chat_id} after {after} (got {self.sent(chat_id)[after:]})")
        return self.sent(chat_id)[after:]

    # --- the HTTP side -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params = await _read_params(request)
        with self._lock:
            self.calls.append(Call(method, params, time.monotonic()))
            failure = self._failures[method].pop(0) if self._failures[method] else None
        if self.token is not None and token != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if failure:
            return web.json_response(failure[1], status=failure[0])
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        try:
            result = await handler(params)
        except _BadRequest as exc:
            return web.json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, status=400)
        return web.json_response({"ok": True, "result": result})

    async def _api_getme(self, _params: dict) -> dict:
        return BOT_USER

    async def _api_deletewebhook(self, _params: dict) -> bool:
        with self._lock:
            self.webhook = {}
        return True

    async def _api_setwebhook(self, params: dict) -> bool:
        with self._lock:
            self.webhook = params
        return True

    async def _api_getwebhookinfo(self, _params: dict) -> dict:
        with self._lock:
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_setmycommands(self, params: dict) -> bool:
        with self._lock:
            self.commands = list(params.get("commands") or [])
        return True

    async def _api_getmycommands(self, _params: dict) -> list:
        with self._lock:
            return list(self.commands)

    async def _api_sendchataction(self, _params: dict) -> bool:
        return True

    async def _api_getupdates(self, params: dict) -> list[dict]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates:
                    return copy.deepcopy(self._updates[:limit])
            if time.monotonic() >= deadline or self._closing:
                return []
            await asyncio.sleep(0.02)

    async def _api_sendmessage(self, params: dict) -> dict:
        chat_id = _chat_key(params["chat_id"])
        if not params.get("text"):
            raise _BadRequest("message text is empty")
        if len(params["text"]) > 4096:
            raise _BadRequest("message is too long")
        message = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()), "from": BOT_USER,
                   "chat": {"id": chat_id, "type": "private", "first_name": "Test"}, "text": params["text"]}
        if params.get("reply_markup"):
            _check_markup(params["reply_markup"])
            message["reply_markup"] = params["reply_markup"]
        with self._lock:
            self.messages[chat_id].append(message)
            return copy.deepcopy(message)

    async def _api_editmessagereplymarkup(self, params: dict) -> dict:
        return self._edit(params)

    async def _api_editmessagetext(self, params: dict) -> dict:
        return self._edit(params, text=params["text"])

    def _edit(self, params: dict, text: str | None = None) -> dict:
        """An edit replaces the keyboard (none given: no keyboard) and, for editMessageText, the text."""
        with self._lock:
            message = self._find(params)
            if text is not None:
                message["text"] = text
            if params.get("reply_markup"):
                _check_markup(params["reply_markup"])
                message["reply_markup"] = params["reply_markup"]
            else:
                message.pop("reply_markup", None)
            message["edited"] = True
            return copy.deepcopy(message)

    async def _api_deletemessage(self, params: dict) -> bool:
        """Like Telegram for a private chat: the message is gone from ``sent()`` and listed in ``deleted``."""
        with self._lock:
            message = self._find(params)
            self.messages[_chat_key(params["chat_id"])].remove(message)
            self.deleted.append(copy.deepcopy(message))
        return True

    async def _api_answercallbackquery(self, params: dict) -> bool:
        with self._lock:
            self.callback_answers.append(params)
        return True

    def _find(self, params: dict) -> dict:
        chat_id, message_id = _chat_key(params["chat_id"]), int(params["message_id"])
        for message in self.messages[chat_id]:
            if message["message_id"] == message_id:
                return message
        raise _BadRequest("message to edit not found")  # deleteMessage: "message to delete not found"


class _BadRequest(Exception):
    pass


def _chat_key(chat_id: int | str) -> int | str:
    """Numeric chat ids as int (what ``sent()`` is keyed by); "@channelname" stays a string."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def _check_markup(markup: dict) -> None:
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                raise _BadRequest("BUTTON_DATA_INVALID")


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Decode a Bot API request: query string, then a JSON or form body (form values are JSON-encoded)."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            return {**params, **(await request.json())}
        params.update(await request.post())
    return {key: value if key in STRING_PARAMETERS or not isinstance(value, str) else _json_or_text(value)
            for key, value in params.items()}


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _user(chat_id: int, language_code: str) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language_code}

