"""The assistant's buttons as a Telegram inline keyboard.

Rasa button payloads (``/inform{"need":"kennis"}``) can be longer than the 64 bytes Telegram allows
in ``callback_data``, so a button carries only ``k<keyboard>:<index>`` and the payload stays here.
Only the chat's newest keyboard is live: a press on an older one, or a second press, is stale; so is a press
after the user typed an answer or a command instead (``retire``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64
SHORT_TITLE = 18  # titles up to this length go two to a row
_CALLBACK = re.compile(r"k(\d+):(\d+)")


@dataclass(frozen=True)
class Choice:
    title: str
    payload: str


@dataclass
class Keyboard:
    id: int
    choices: list[Choice]
    message_id: int | None = None  # the Telegram message that shows it, once sent


def callback_data(keyboard_id: int, index: int) -> str:
    return f"k{keyboard_id}:{index}"


def parse_callback_data(data: str | None) -> tuple[int, int] | None:
    match = _CALLBACK.fullmatch(data or "")
    return (int(match[1]), int(match[2])) if match else None


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup:
    """Two buttons to a row when every title is short, else one to a row."""
    buttons = [InlineKeyboardButton(choice.title, callback_data=callback_data(keyboard.id, index))
               for index, choice in enumerate(keyboard.choices)]
    per_row = 2 if all(len(c.title) <= SHORT_TITLE for c in keyboard.choices) else 1
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


@dataclass
class ChatKeyboards:
    """The keyboards of one chat: which one is live and what its buttons mean."""

    _next_id: int = 1
    live: Keyboard | None = None
    _shown: dict[int, int] = field(default_factory=dict)  # message id -> keyboard id, for keyboards still on screen

    def new(self, buttons: list[dict]) -> Keyboard:
        """A keyboard for Rasa's ``buttons`` (``{"title", "payload"}``); it becomes the live one."""
        choices = [Choice(str(b.get("title") or b.get("payload")), str(b.get("payload") or b.get("title")))
                   for b in buttons]
        keyboard = Keyboard(self._next_id, choices)
        self._next_id += 1
        self.live = keyboard
        return keyboard

    def shown(self, keyboard: Keyboard, message_id: int) -> None:
        keyboard.message_id = message_id
        self._shown[message_id] = keyboard.id

    def on_screen_except(self, keyboard: Keyboard) -> list[int]:
        """Messages that still show an older keyboard (to take it away); forgets them."""
        older = [message_id for message_id, kid in self._shown.items() if kid != keyboard.id]
        for message_id in older:
            del self._shown[message_id]
        return older

    def retire(self) -> list[int]:
        """The user answered by typing: no keyboard is live any more. Returns (and forgets) the messages
        that still show one, to take it away."""
        self.live = None
        on_screen = list(self._shown)
        self._shown.clear()
        return on_screen

    def press(self, data: str | None, message_id: int) -> Choice | None:
        """The choice behind a press on ``message_id``, or None when it is stale; a keyboard answers once."""
        self._shown.pop(message_id, None)
        parsed = parse_callback_data(data)
        live = self.live
        if parsed is None or live is None or (parsed[0], message_id) != (live.id, live.message_id):
            return None
        if not 0 <= parsed[1] < len(live.choices):
            return None
        self.live = None
        return live.choices[parsed[1]]
