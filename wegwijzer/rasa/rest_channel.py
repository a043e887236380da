"""Rasa's REST channel with its input checked before it reaches the tracker store.

Same path and JSON as Rasa's own ``rest`` channel: ``POST /webhooks/rest/webhook`` with
``{"sender", "message", "metadata"}``, answered with Rasa's list of messages (``?stream=true`` streams them),
and the same channel name, so conversations record ``rest`` as their input channel. It is registered in
``credentials.yml`` instead of Rasa's ``rest``. Refused with 400 (nothing reaches Rasa): a body that is not
a JSON object in UTF-8, a sender id outside ``SENDER_PATTERN``, a message that is not text of 1 to
``MAX_MESSAGE_CHARS`` characters, metadata that is not an object, any text with lone surrogates (which made
the SQL tracker store stop the server). Bodies over ``BODY_LIMIT`` get 413, compressed bodies 415.

A message that starts with "/" is read by Rasa as an intent with entities (the buttons' payloads); when it
is not a valid one, Rasa writes the whole message to its log. Such a message is passed on as plain text,
without its leading slashes (``plain_unless_payload``).
"""
from __future__ import annotations

import json
import logging
import re
from asyncio import CancelledError
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from wegwijzer.settings import MAX_MESSAGE_CHARS
from wegwijzer.texts import fill_links

log = logging.getLogger(__name__)
BODY_LIMIT = 64 * 1024  # bytes: a message of MAX_MESSAGE_CHARS escaped characters and its metadata fit easily
SENDER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")  # web-<uuid>, telegram-<chat id>, sim-p01-...


@dataclass(frozen=True)
class RestMessage:
    sender: str
    text: str
    metadata: dict[str, Any] | None


class Refused(Exception):
    """The request is refused: ``status`` and an error code for the caller (never the request's content)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code

    def as_response(self) -> HTTPResponse:
        return response.json({"error": self.code}, status=self.status)


def parse_message(body: bytes) -> RestMessage:
    """The message in a request body, or Refused."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise Refused(400, "invalid_json") from None
    if not isinstance(payload, dict):
        raise Refused(400, "invalid_json")
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(400, "invalid_text") from None  # a lone surrogate somewhere ("\ud800")
    except RecursionError:
        raise Refused(400, "invalid_json") from None
    sender, text, metadata = payload.get("sender"), payload.get("message"), payload.get("metadata")
    if not isinstance(sender, str) or not SENDER_PATTERN.fullmatch(sender):
        raise Refused(400, "invalid_sender")
    if not isinstance(text, str) or not text:
        raise Refused(400, "invalid_message")
    if len(text) > MAX_MESSAGE_CHARS:
        raise Refused(400, "message_too_long")
    if metadata is not None and not isinstance(metadata, dict):
        raise Refused(400, "invalid_metadata")
    return RestMessage(sender, text, metadata)


def is_payload(text: str, domain: Domain) -> bool:
    """Whether Rasa unpacks ``text`` as ``/intent[@confidence][{entities}]`` without a warning: the intent and
    every entity are in the domain, the entities are a JSON object, the confidence at most 1."""
    match = YAMLStoryReader._regex_message_pattern().match(text.strip())  # Rasa's own pattern (rasa 3.6)
    if match is None or match.group("rest") or match.group("name").strip() not in domain.intents:
        return False
    confidence = match.group("confidence")
    if confidence is not None:
        try:
            if not 0.0 <= float(confidence[1:]) <= 1.0:
                return False
        except ValueError:
            return False
    if match.group("entities") is None:
        return True
    try:
        entities = json.loads(match.group("entities"))
    except (ValueError, RecursionError):
        return False
    return isinstance(entities, dict) and set(entities) <= set(domain.entities)


def plain_unless_payload(text: str, domain: Domain | None) -> str:
    """``text``, or when it starts with "/" but is no valid payload for ``domain``, the text after the slashes."""
    if not text.strip().startswith("/") or (domain is not None and is_payload(text, domain)):
        return text
    return text.strip().lstrip("/").strip() or text  # slashes only: nothing personal for Rasa to log


async def read_body(request: Request, limit: int = BODY_LIMIT) -> bytes:
    """The request body, read in chunks and refused (413) as soon as it passes ``limit``."""
    encoding = (request.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise Refused(415, "unsupported_content_encoding")
    declared = request.headers.get("Content-Length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Refused(413 if declared.isdigit() else 400, "body_too_large" if declared.isdigit() else "invalid_body")
    chunks, size = [], 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise Refused(413, "body_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def with_links(reply: dict) -> dict:
    """The reply with the assistant's link placeholders (``{privacy_url}``) filled in, for every REST client."""
    if isinstance(reply.get("text"), str):
        return {**reply, "text": fill_links(reply["text"])}
    return reply


class GuardedRestInput(RestInput):
    """``credentials.yml``: ``wegwijzer.rasa.rest_channel.GuardedRestInput:`` in place of ``rest:``."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                message = parse_message(await read_body(request))
            except Refused as refused:
                log.info("refused a REST message: %s", refused.code)
                return refused.as_response()
            domain = getattr(getattr(request.app.ctx, "agent", None), "domain", None)
            message = RestMessage(message.sender, plain_unless_payload(message.text, domain), message.metadata)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return Refused(400, "streaming_not_offered").as_response()  # no client of ours streams
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(message.text, collector, message.sender,
                                                 input_channel=self.name(), metadata=message.metadata))
            except CancelledError:
                log.error("a REST message timed out")
            except Exception as exc:  # Rasa's own channel answers with what was collected, too
                log.error("a REST message failed: %s", type(exc).__name__)
            return response.json([with_links(reply) for reply in collector.messages])

        return webhook
