"""The Telegram bridge: python-telegram-bot handlers that pass each chat's messages to Rasa, in order.

Handlers only decide and enqueue (they never wait for Rasa), so one slow chat does not hold up
another; each chat's work then runs in order in that chat's queue (``Chat``). A chat's state is
forgotten after ``chat_idle_seconds`` without messages.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable

from telegram import BotCommand, CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatAction, MessageLimit
from telegram.error import TelegramError
from telegram.ext import (Application, CallbackQueryHandler, CommandHandler, ContextTypes,
                          MessageHandler, filters)

from wegwijzer.telegram import keyboard
from wegwijzer.telegram.chat import Chat
from wegwijzer.telegram.flood import FloodGate
from wegwijzer.rasa.reply_marks import DATA_ERASED, PERSONAL_DATA, mark_of
from wegwijzer.rasa.client import RasaClient, RasaNoAnswer, RasaRejected, RasaUnavailable
from wegwijzer.settings import TelegramSettings
from wegwijzer.telegram.telegram_calls import with_retries
from wegwijzer.telegram.texts import command_descriptions, say

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # the privacy statement's link needs no preview card in the chat

# Telegram command -> the intent payload the assistant understands. The menu (``commands`` in texts.yml) lists
# the first six; the others are what users try instead ("/reset", "/stoppen", "/hulp"), so they work too.
COMMAND_PAYLOADS = {"start": "/greet", "opnieuw": "/start_over", "stop": "/stop", "privacy": "/ask_privacy",
                    "verwijder": "/erase_data", "help": "/help",
                    "begin": "/greet", "hallo": "/greet",
                    "nieuw": "/start_over", "herstart": "/start_over", "restart": "/start_over", "reset": "/start_over",
                    "stoppen": "/stop", "klaar": "/stop", "annuleer": "/stop", "annuleren": "/stop", "cancel": "/stop",
                    "verwijderen": "/erase_data", "wissen": "/erase_data", "wis": "/erase_data", "delete": "/erase_data",
                    "hulp": "/help", "menu": "/help"}


class Bridge:
    """The handlers and the per-chat work; ``build_application`` wires them into python-telegram-bot."""

    def __init__(self, settings: TelegramSettings, rasa: RasaClient,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.rasa = rasa
        self.chats: dict[int, Chat] = {}
        self.application: Application | None = None
        self._clock = clock
        self._last_prune = clock()

    # --- wiring --------------------------------------------------------------------------------------

    def build_application(self) -> Application:
        base = self.settings.api_base_url
        application = (Application.builder().token(self.settings.token).base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
                       .concurrent_updates(False).job_queue(None).build())
        for name in COMMAND_PAYLOADS:
            # Only new messages: an edited command has no ``update.message`` and goes to ``on_edited``.
            application.add_handler(CommandHandler(name, self.on_command, filters=filters.UpdateType.MESSAGE))
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, self.on_unknown_command))
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                               self.on_not_text))
        application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, self.on_edited))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_error_handler(self.on_error)
        self.application = application
        return application

    async def register_commands(self, application: Application) -> None:
        """The command menu: Dutch for everyone, English for apps set to English."""
        for language in ("nl", "en"):
            commands = [BotCommand(name, text) for name, text in command_descriptions(language).items()]
            language_code = None if language == "nl" else language
            await with_retries(lambda: application.bot.set_my_commands(commands, language_code=language_code),
                               "setMyCommands")

    async def finish_chats(self, timeout: float) -> None:
        """Let queued work finish for up to ``timeout`` seconds, then stop what is left; no task stays pending."""
        busy = [chat for chat in self.chats.values() if chat.busy]
        if not busy:
            return
        waiters = [asyncio.ensure_future(chat.idle()) for chat in busy]
        _, unfinished = await asyncio.wait(waiters, timeout=timeout)
        for waiter in unfinished:
            waiter.cancel()
        await asyncio.gather(*unfinished, *(chat.close() for chat in busy), return_exceptions=True)
        if unfinished:
            log.warning("stopped with unfinished work in %d Telegram chat(s)", len(unfinished))

    # --- handlers: decide quickly, queue the work ----------------------------------------------------

    async def on_command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = self._admit(update)
        if chat:
            command = update.effective_message.text.split()[0][1:].split("@")[0].lower()
            self._retire_keyboards(chat)
            chat.enqueue(lambda: self._forward(chat, COMMAND_PAYLOADS[command]))

    async def on_unknown_command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Typed slash-texts are never passed on: they would reach Rasa as intent payloads."""
        chat = self._admit(update)
        if chat:
            chat.enqueue(lambda: self._send(chat, say("unknown_command", chat.language)))

    async def on_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = self._admit(update)
        if not chat:
            return
        text = update.effective_message.text.strip()
        chat.follow_language(text)
        if text.startswith("/"):  # a slash text without a command entity: still never a payload
            chat.enqueue(lambda: self._send(chat, say("unknown_command", chat.language)))
        elif len(text) > self.settings.max_message_chars:
            chat.enqueue(lambda: self._send(chat, say("too_long", chat.language,
                                                      limit=f"{self.settings.max_message_chars:,}".replace(",", "."))))
        elif text:
            self._retire_keyboards(chat)
            chat.enqueue(lambda: self._forward(chat, text))

    async def on_not_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = self._admit(update)
        if chat:
            chat.enqueue(lambda: self._send(chat, say("only_text", chat.language)))

    async def on_edited(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = self._admit(update)
        if chat:
            chat.enqueue(lambda: self._send(chat, say("edited", chat.language)))

    async def on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        message = query.message
        if message is None or not message.is_accessible:
            self._background(query.answer)
            return
        chat = self.chat_for(message.chat_id, query.from_user.language_code if query.from_user else None)
        if not chat.flood.admit():
            self._background(lambda: query.answer(say("flood", chat.language)))
            return
        choice = chat.keyboards.press(query.data, message.message_id)
        if choice is None:
            self._background(lambda: query.answer(say("stale_button", chat.language)))
            if message.reply_markup:
                chat.enqueue(lambda: self._remove_keyboard(chat, message.message_id))
            return
        self._background(query.answer)
        chat.enqueue(lambda: self._mark_chosen(chat, query, choice.title))
        chat.enqueue(lambda: self._forward(chat, choice.payload))

    async def on_error(self, _update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error in the Telegram bridge: %s", type(context.error).__name__)
        log.debug("its traceback", exc_info=context.error)  # the log filter takes the token out

    def _admit(self, update: Update) -> Chat | None:
        """The update's chat when its message may be handled; over the flood limit, one note and None."""
        message = update.effective_message
        user = update.effective_user
        chat = self.chat_for(message.chat_id, user.language_code if user else None)
        if chat.flood.admit():
            return chat
        if chat.flood.note_due():
            chat.enqueue(lambda: self._send(chat, say("flood", chat.language)))
        return None

    def chat_for(self, chat_id: int, language_code: str | None) -> Chat:
        """The state of chat ``chat_id``, made on its first message; idle chats are forgotten meanwhile."""
        now = self._clock()
        self._forget_idle_chats(now)
        if chat_id not in self.chats:
            self.chats[chat_id] = Chat(chat_id, FloodGate(self.settings.flood_messages, self.settings.flood_seconds),
                                       language_code)
        chat = self.chats[chat_id]
        chat.last_seen = now
        return chat

    def _forget_idle_chats(self, now: float) -> None:
        """Drop the state of chats without messages for ``chat_idle_seconds`` (and no work left).

        Checked at most every twentieth of that time, so a message does not pay for a scan of all chats.
        The conversation itself lives in Rasa; a forgotten chat only loses its keyboards (a later press is
        answered as an older question), its flood count and its language guess.
        """
        idle_after = self.settings.chat_idle_seconds
        if now - self._last_prune < idle_after / 20:
            return
        self._last_prune = now
        for chat_id in [c.chat_id for c in self.chats.values() if now - c.last_seen >= idle_after and not c.busy]:
            del self.chats[chat_id]

    def _retire_keyboards(self, chat: Chat) -> None:
        """The user typed an answer or a command: no keyboard on screen may answer any more.

        The keyboards shown now are retired at once (a press from here on is stale); the queued job also
        retires any keyboard that replies still queued before this message put on screen, then takes them away.
        """
        on_screen = chat.keyboards.retire()
        chat.enqueue(lambda: self._remove_keyboards(chat, on_screen + chat.keyboards.retire()))

    def _background(self, answer: Callable[[], Awaitable[Any]]) -> None:
        """Answer a button press at once, outside the chat's queue: Telegram shows a spinner until then."""
        self.application.create_task(with_retries(answer, "answerCallbackQuery"))

    # --- the queued work -----------------------------------------------------------------------------

    async def _forward(self, chat: Chat, text: str) -> None:
        typing = asyncio.ensure_future(self._show_typing(chat))
        try:
            replies = await self._ask_rasa(chat, text)
        except RasaNoAnswer:  # it may have reached Rasa: never sent twice, the user decides
            await self._send(chat, say("no_reply", chat.language))
            return
        finally:
            typing.cancel()
        if replies is None:
            await self._send(chat, say("gave_up", chat.language))
            return
        if not any(reply.get("text") or reply.get("buttons") or reply.get("image") for reply in replies):
            log.warning("Rasa answered a Telegram message with nothing to show")  # e.g. an error inside Rasa
            await self._send(chat, say("no_answer", chat.language))
            return
        shown: list[int] = []  # this turn's messages since the last mark
        for reply in replies:
            shown += await self._deliver(chat, reply)
            mark = mark_of(reply)
            if mark == PERSONAL_DATA:
                chat.personal.remember(shown)
            elif mark == DATA_ERASED:
                await self._delete_personal_messages(chat)
            if mark:
                shown = []

    async def _show_typing(self, chat: Chat) -> None:
        """"typing..." in the chat while an answer takes longer than ``typing_after``; cancelled by the caller."""
        await asyncio.sleep(self.settings.typing_after)
        while True:
            try:
                await self.application.bot.send_chat_action(chat.chat_id, ChatAction.TYPING)
            except TelegramError as exc:  # only a hint: never retried, never in the way of the answer
                log.debug("sendChatAction failed: %s", type(exc).__name__)
            await asyncio.sleep(self.settings.typing_every)

    async def _delete_personal_messages(self, chat: Chat) -> None:
        """After the assistant erased the conversation: delete the bot's messages that showed the name and e-mail
        (Telegram allows it for 48 hours), then say what stays on the user's device and how to clear it."""
        message_ids, too_old = chat.personal.take()
        bot = self.application.bot
        deleted = 0
        for message_id in message_ids:
            if await with_retries(lambda: bot.delete_message(chat.chat_id, message_id), "deleteMessage"):
                deleted += 1
        kept = too_old + len(message_ids) - deleted
        parts = [say("erased_messages", chat.language)] if deleted else []
        if kept:
            parts.append(say("erased_messages_kept", chat.language))
        parts.append(say("erased_on_device", chat.language))
        await self._send(chat, " ".join(parts))

    async def _ask_rasa(self, chat: Chat, text: str) -> list[dict] | None:
        """Rasa's replies, retried while Rasa is down; the user hears once that it is busy; None after ``retry_for``.

        Raises RasaNoAnswer for a message that may have reached Rasa (no answer within ``rasa_timeout``):
        that one is never sent again.
        """
        deadline = time.monotonic() + self.settings.retry_for
        delay, told_busy = 1.0, False
        while True:
            attempt = asyncio.ensure_future(self.rasa.send(chat.sender, text))
            done, _ = await asyncio.wait({attempt}, timeout=self.settings.busy_after)
            if not done and not told_busy:
                told_busy = True
                await self._send(chat, say("busy", chat.language))
            try:
                return await attempt
            except RasaRejected as exc:
                log.error("Rasa refused a Telegram message: %s", exc)
                return None
            except RasaUnavailable:
                if not told_busy:
                    told_busy = True
                    await self._send(chat, say("busy", chat.language))
                if time.monotonic() + delay > deadline:
                    return None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.max_retry_delay)

    async def _deliver(self, chat: Chat, reply: dict) -> list[int]:
        """Show one reply; the ids of the messages it became."""
        text = str(reply.get("text") or "")
        if reply.get("image"):
            text = f"{text}\n{reply['image']}".strip()
        buttons = [b for b in reply.get("buttons") or [] if isinstance(b, dict)]
        if not buttons:
            sent_parts = [await self._send(chat, part) for part in split_text(text)]
            return [message.message_id for message in sent_parts if message]
        board = chat.keyboards.new(buttons)
        await self._remove_keyboards(chat, chat.keyboards.on_screen_except(board))
        parts = split_text(text or say("choose", chat.language))
        sent_parts = [await self._send(chat, part) for part in parts[:-1]]
        sent = await self._send(chat, parts[-1], keyboard.markup(board))
        if sent is not None:
            chat.keyboards.shown(board, sent.message_id)
        return [message.message_id for message in sent_parts + [sent] if message]

    async def _mark_chosen(self, chat: Chat, query: CallbackQuery, title: str) -> None:
        """Take the keyboard away and show what was chosen, so the question cannot be answered twice."""
        message = query.message
        chosen = say("chosen", chat.language, title=title)
        text = f"{message.text}\n\n{chosen}" if message.text else ""
        bot = self.application.bot
        if text and len(text) <= MessageLimit.MAX_TEXT_LENGTH:
            await with_retries(lambda: bot.edit_message_text(text, chat.chat_id, message.message_id,
                                                             reply_markup=None), "editMessageText")
        else:
            await self._remove_keyboard(chat, message.message_id)
            await self._send(chat, chosen)

    async def _remove_keyboards(self, chat: Chat, message_ids: list[int]) -> None:
        for message_id in message_ids:
            await self._remove_keyboard(chat, message_id)

    async def _remove_keyboard(self, chat: Chat, message_id: int) -> None:
        bot = self.application.bot
        await with_retries(lambda: bot.edit_message_reply_markup(chat.chat_id, message_id, reply_markup=None),
                           "editMessageReplyMarkup")

    async def _send(self, chat: Chat, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> Message | None:
        """Retried for ``send_retry_for`` seconds (minutes), so a reply survives a Telegram outage."""
        bot = self.application.bot
        return await with_retries(lambda: bot.send_message(chat.chat_id, text, reply_markup=reply_markup,
                                                           link_preview_options=NO_PREVIEW),
                                  "sendMessage", retry_for=self.settings.send_retry_for,
                                  max_delay=self.settings.send_max_delay)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Telegram's 4096-character limit: split at a paragraph, line or word break where possible."""
    parts = []
    while len(text) > limit:
        cut = max(text.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > 0 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return parts + [text] if text else parts
