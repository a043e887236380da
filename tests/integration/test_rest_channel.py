"""The guarded REST channel: Rasa's path and JSON, with bad input refused before it reaches the tracker."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import yaml

from rasa.shared.core.domain import Domain

from wegwijzer.rasa.rest_channel import BODY_LIMIT, GuardedRestInput, Refused, parse_message, plain_unless_payload
from wegwijzer.storage.engine import PROJECT_ROOT
from wegwijzer.texts import privacy_url
from tests.servers import free_port, wait_for


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize("raw, code", [
    (b'{"sender": "sur\\ud800rogate", "message": "hallo"}', "invalid_text"),      # the sender that stopped Rasa
    (b'{"sender": "a-1", "message": "sur\\udfffrogate"}', "invalid_text"),
    (b'{"sender": "a-1", "message": "x", "metadata": {"k": "\\ud800"}}', "invalid_text"),
    (b'{"sender": "a-1", "message": "caf\xe9"}', "invalid_json"),                  # Latin-1, not UTF-8
    (b'{"sender": "a-1", "message": "\xed\xa0\x80"}', "invalid_json"),            # a surrogate in raw UTF-8
    (b'["a-1", "hallo"]', "invalid_json"),
    (b'"hallo"', "invalid_json"),
    (b"null", "invalid_json"),
    (b"", "invalid_json"),
    (b'{"sender": "a-1", "message": "x"', "invalid_json"),
    (b"[" * 20000 + b"]" * 20000, "invalid_json"),                               # deeper than Python parses
    (b'{"message": "hallo"}', "invalid_sender"),
    (body(sender="", message="x"), "invalid_sender"),
    (body(sender="a" * 129, message="x"), "invalid_sender"),
    (body(sender="web-1\nFAKE LOG LINE", message="x"), "invalid_sender"),
    (body(sender="../../etc/passwd", message="x"), "invalid_sender"),
    (body(sender="a b", message="x"), "invalid_sender"),
    (body(sender="<script>", message="x"), "invalid_sender"),
    (body(sender=12, message="x"), "invalid_sender"),
    (body(sender="a-1"), "invalid_message"),
    (body(sender="a-1", message=""), "invalid_message"),
    (body(sender="a-1", message={"text": "x"}), "invalid_message"),
    (body(sender="a-1", message="x" * 2001), "message_too_long"),
    (body(sender="a-1", message="x", metadata=["channel"]), "invalid_metadata"),
])
def test_bad_requests_are_refused_with_400(raw, code):
    with pytest.raises(Refused) as refused:
        parse_message(raw)
    assert (refused.value.status, refused.value.code) == (400, code)


@pytest.mark.parametrize("sender", ["web-3f2b8c1e-7d4a-4c55-9a1e-2b6f0c9d8e71", "telegram--1001234567",
                                    "sim-p01-1a2b3c4d", "e2e-abcdef12", "bench-0123456789", "demo", "a" * 128])
def test_the_senders_of_our_own_channels_and_tools_pass(sender):
    message = parse_message(body(sender=sender, message="x" * 2000, metadata={"channel": "telegram"}))
    assert (message.sender, len(message.text), message.metadata) == (sender, 2000, {"channel": "telegram"})


def test_it_keeps_rasas_rest_path_and_channel_name():
    assert GuardedRestInput.name() == "rest" and GuardedRestInput().url_prefix() == "rest"
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert list(credentials) == ["wegwijzer.rasa.rest_channel.GuardedRestInput"], "Rasa's open rest channel is off"


@pytest.mark.parametrize("text, passed_on", [
    ("/affirm", "/affirm"),                                                  # the buttons' payloads
    ('/inform{"need": "financiering"}', '/inform{"need": "financiering"}'),
    ("/affirm@0.9", "/affirm@0.9"),
    ("/restart", "/restart"),
    ("/Jan de Vries 0612345678", "Jan de Vries 0612345678"),                  # Rasa would log these whole
    ('/inform{"contact_name": "Jan", "consent": true}', 'inform{"contact_name": "Jan", "consent": true}'),
    ('/session_start{"consent": true}', 'session_start{"consent": true}'),
    ('/inform{"place": "Goor"}en meer', 'inform{"place": "Goor"}en meer'),
    ("/affirm@7", "affirm@7"),
    ("/inform{kapot", "inform{kapot"),
    ("//", "//"),
    ("Hallo / goedemiddag", "Hallo / goedemiddag"),
])
def test_a_message_that_is_no_valid_payload_for_the_domain_is_passed_on_as_plain_text(text, passed_on):
    assert plain_unless_payload(text, Domain.load(PROJECT_ROOT / "domain.yml")) == passed_on


# -- over HTTP, in front of an assistant that echoes --------------------------------------------------

@pytest.fixture(scope="module")
def url(tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("echo") / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "tests.echo_rest_server", str(port)], cwd=PROJECT_ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/webhooks/rest/", 60, process)
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def post(url: str, data: bytes, headers: dict[str, str] | None = None) -> tuple[int, object]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_message_gets_rasas_list_of_messages_with_channel_rest_and_the_metadata(url):
    status, replies = post(url, body(sender="web-1", message="hallo", metadata={"channel": "widget"},
                                     input_channel="forged"))
    assert status == 200
    assert replies[0] == {"recipient_id": "web-1", "text": "echo hallo"}
    assert replies[1]["custom"] == {"sender": "web-1", "input_channel": "rest", "metadata": {"channel": "widget"}}


def test_over_http_bad_input_gets_400_oversized_413_compressed_415_and_nothing_reaches_the_assistant(url):
    assert post(url, b'{"sender": "sur\\ud800rogate", "message": "hallo"}') == (400, {"error": "invalid_text"})
    assert post(url, body(sender="a-1", message="x" * 2001)) == (400, {"error": "message_too_long"})
    assert post(url, b"x" * (BODY_LIMIT + 1)) == (413, {"error": "body_too_large"})
    assert post(url, b"x" * 2_000_000, {"Transfer-Encoding": "chunked"})[0] == 413
    assert post(url, b"\x78\x9c", {"Content-Encoding": "deflate"})[0] == 415
    assert post(url, body(sender="a-1", message="nog steeds"))[1][0]["text"] == "echo nog steeds"


def test_over_http_a_broken_payload_reaches_the_assistant_as_plain_text(url):
    assert post(url, body(sender="a-1", message="/Jan 06-12345678"))[1][0]["text"] == "echo Jan 06-12345678"
    assert post(url, body(sender="a-1", message="/affirm"))[1][0]["text"] == "echo /affirm"


def test_the_privacy_statements_address_is_filled_in_for_every_rest_client(url):
    status, replies = post(url, body(sender="web-1", message="Privacy: {privacy_url}"))
    assert status == 200 and replies[0]["text"] == f"echo Privacy: {privacy_url()}"
    assert privacy_url().startswith("http") and privacy_url().endswith("/privacy")


def test_streaming_is_not_offered(url):
    assert post(f"{url}?stream=true", body(sender="web-1", message="hallo")) == (400, {"error": "streaming_not_offered"})
