"""A Sanic server with only the guarded REST channel, in front of an assistant that echoes: for its tests.

    python -m tests.echo_rest_server PORT
"""
from __future__ import annotations

import sys

from rasa.core.channels.channel import UserMessage, register
from rasa.shared.core.domain import Domain
from sanic import Sanic

from wegwijzer.rasa.rest_channel import GuardedRestInput
from wegwijzer.settings import PROJECT_ROOT


def build_app() -> Sanic:
    app = Sanic("echo_rest_server")

    class EchoAgent:
        domain = Domain.load(PROJECT_ROOT / "domain.yml")

        async def handle_message(self, message: UserMessage) -> None:
            await message.output_channel.send_text_message(message.sender_id, f"echo {message.text}")
            await message.output_channel.send_custom_json(message.sender_id, {
                "sender": message.sender_id, "input_channel": message.input_channel, "metadata": message.metadata})

    app.ctx.agent = EchoAgent()
    register([GuardedRestInput()], app, "/webhooks/")  # as `rasa run` registers the channels in credentials.yml
    return app


if __name__ == "__main__":
    build_app().run("127.0.0.1", int(sys.argv[1]), access_log=False)
