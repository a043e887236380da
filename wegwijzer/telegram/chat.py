"""One Telegram chat: its language, flood gate, keyboards and an ordered queue of work."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from wegwijzer.referral.language import detect_language
from wegwijzer.telegram.flood import FloodGate
from wegwijzer.telegram.keyboard import ChatKeyboards
from wegwijzer.telegram.personal import PersonalMessages
from wegwijzer.telegram.texts import language_of

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


class Chat:
    """Work for one chat runs strictly one job after the other, in the order it arrived.

    The worker task exists only while there is work, so idle chats cost no task.
    """

    def __init__(self, chat_id: int, flood: FloodGate, language_code: str | None = None) -> None:
        self.chat_id = chat_id
        self.sender = f"telegram-{chat_id}"
        self.language = language_of(language_code)
        self.flood = flood
        self.keyboards = ChatKeyboards()
        self.personal = PersonalMessages()  # the bot's messages that showed the user's name and e-mail
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._worker: asyncio.Task | None = None
        self.last_seen = 0.0  # when the chat last sent something, on the bridge's clock (set by the bridge)

    def follow_language(self, text: str) -> None:
        """Switch language when the user clearly writes in the other one (as the assistant does)."""
        self.language = detect_language(text) or self.language

    def enqueue(self, job: Job) -> None:
        self._jobs.put_nowait(job)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(), name=f"chat-worker-{self.sender}")

    @property
    def busy(self) -> bool:
        return self._worker is not None and not self._worker.done()

    async def close(self) -> None:
        """Stop the work in progress and drop the queued jobs (at shutdown)."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        while not self._jobs.empty():
            self._jobs.get_nowait()
            self._jobs.task_done()

    async def idle(self) -> None:
        """Wait until every queued job has run."""
        await self._jobs.join()

    async def _work(self) -> None:
        while not self._jobs.empty():
            job = self._jobs.get_nowait()
            try:
                await job()
            except Exception:  # one broken job must not stop the chat; the log names no content
                log.exception("a job for a Telegram chat failed")
            finally:
                self._jobs.task_done()
