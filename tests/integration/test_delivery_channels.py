"""Telegram and webhook delivery, and the delivery settings in the referral data."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

import pytest
from aiohttp import web

from wegwijzer.catalog.cache import CatalogCache
from wegwijzer.catalog.loading import load_folder
from wegwijzer.cli.main import main
from wegwijzer.catalog.check import check
from wegwijzer.catalog.files import read_folder
from wegwijzer.storage.engine import get_engine
from wegwijzer.delivery.webhook import SIGNATURE_HEADER, sign
from wegwijzer.delivery.worker import Worker
from wegwijzer.handoffs.outbox import OutboxSettings
from wegwijzer.rasa.tracker_store import tracker_engine
from tests.conftest import SmtpInbox, start_smtp, store_handoff
from tests.fake_telegram_api import FakeTelegramAPI
from tests.servers import free_port
from tests.integration.test_outbox import rows

SECRET = "crm-geheim-123"


def configure_channels(folder, webhook_url: str, deliver: str = "[email, telegram, webhook]") -> None:
    """Novel-T gets a CRM webhook, its adviser A all three channels."""
    path = folder / "organisations.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    escalation_email: novel-t-algemeen@example.org\n",
                        "    escalation_email: novel-t-algemeen@example.org\n"
                        f"    webhook_url: {webhook_url}\n    webhook_secret_env: NOVEL_T_WEBHOOK_SECRET\n", 1)
    text = text.replace("        email: novel-t-a@example.org\n",
                        f"        email: novel-t-a@example.org\n        deliver: {deliver}\n"
                        "        telegram_chat_id: \"4242\"\n", 1)
    path.write_text(text, encoding="utf-8")


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """What a receiving CRM does: a constant-time check on bytes (``compare_digest`` raises on str with
    non-ASCII characters)."""
    if not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.encode("utf-8", "surrogateescape"))


class WebhookReceiver:
    """A CRM's endpoint: checks the signature like a receiver must, and keeps what it accepted."""

    def __init__(self, secret: str):
        self.secret = secret.encode()
        self.accepted: list[dict] = []
        self.rejected = 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/wegwijzer"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify_signature(self.secret, body, request.headers.get(SIGNATURE_HEADER)):
            self.rejected += 1
            return web.json_response({"error": "bad signature"}, status=401)
        self.accepted.append({"delivery": request.headers.get("X-Wegwijzer-Delivery"), **json.loads(body)})
        return web.json_response({"ok": True})

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/wegwijzer", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        return runner


def test_signature_is_hmac_sha256_of_the_body():
    body = b'{"a": 1}'
    assert sign(b"k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert verify_signature(b"k", body, sign(b"k", body))
    assert not verify_signature(b"k", body + b" ", sign(b"k", body))
    assert not verify_signature(b"other", body, sign(b"k", body))
    assert not verify_signature(b"k", body, None)


async def test_all_three_channels_deliver_and_the_webhook_is_signed(database_url, delivery_env, referral_copy,
                                                                    monkeypatch):
    receiver = WebhookReceiver(SECRET)
    configure_channels(referral_copy, receiver.url)
    load_folder(referral_copy)
    monkeypatch.setenv("NOVEL_T_WEBHOOK_SECRET", SECRET)
    runner = await receiver.start()
    inbox = SmtpInbox()
    smtp = start_smtp(int(delivery_env["SMTP_PORT"]), inbox)
    with FakeTelegramAPI(token="123:abc") as telegram:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", telegram.url)
        try:
            handoff_id = store_handoff(contact_email=None)
            assert sorted(r.channel for r in rows()) == ["email", "telegram", "webhook"]
            worker = Worker(get_engine(), tracker_engine(), settings=OutboxSettings.from_env())
            report = await worker.run_once()
            again = await worker.run_once()
        finally:
            await runner.cleanup()
            smtp.stop()
        assert report.sent == 3 and again.sent == 0 and all(r.status == "sent" for r in rows())
        (message,) = telegram.sent(4242)
        assert message["text"].startswith("Nieuwe aanvraag via Wegwijzer: kennis en innovatie - Goor")
        assert "Erik Nijland" in message["text"] and f"/adviseur?t={handoff_id}.1." in message["text"]
    assert [rcpt for rcpt, _ in inbox.messages] == [["novel-t-a@example.org"]]
    (payload,) = receiver.accepted
    assert receiver.rejected == 0
    assert payload["event"] == "handoff.summary" and payload["delivery"] == f"handoff-{handoff_id}/summary-1/webhook"
    assert payload["handoff"]["contact_name"] == "Erik Nijland" and payload["handoff"]["need"] == "kennis"
    assert re.fullmatch(rf"http://\S+/adviseur\?t={handoff_id}\.1\.[0-9a-z]+\.[A-Za-z0-9_-]{{22}}",
                        payload["links"]["handoff_page"])
    assert payload["links"]["expires"] > time.time()


async def test_a_wrong_webhook_secret_is_refused_and_ends_as_a_failure(database_url, delivery_env, referral_copy,
                                                                        monkeypatch):
    receiver = WebhookReceiver(SECRET)
    configure_channels(referral_copy, receiver.url, deliver="[webhook]")
    load_folder(referral_copy)
    monkeypatch.setenv("NOVEL_T_WEBHOOK_SECRET", "a-different-secret")
    runner = await receiver.start()
    try:
        store_handoff(contact_email=None)
        report = await Worker(get_engine(), tracker_engine(), settings=OutboxSettings.from_env()).run_once()
    finally:
        await runner.cleanup()
    assert receiver.rejected == 1 and receiver.accepted == []
    assert report.failed == 1
    assert [(r.status, r.last_error) for r in rows()] == [("failed", "webhook HTTP 401")]


async def test_telegram_rate_limit_is_retried(database_url, delivery_env, referral_copy, monkeypatch):
    configure_channels(referral_copy, "https://crm.example.org/hook", deliver="[telegram]")
    load_folder(referral_copy)
    with FakeTelegramAPI() as telegram:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", telegram.url)
        telegram.fail_next("sendMessage", 1, retry_after=1)
        store_handoff(contact_email=None)
        worker = Worker(get_engine(), tracker_engine(), settings=OutboxSettings.from_env())
        first = await worker.run_once()
        assert first.retried == 1 and rows()[0].last_error == "Telegram RetryAfter"
        for _ in range(20):
            if (await worker.run_once()).sent:
                break
            await telegram.async_wait_for(lambda: True, 1)
        assert len(telegram.sent(4242)) == 1 and rows()[0].status == "sent"


def test_data_check_reports_broken_delivery_settings_with_file_and_line(referral_copy, capsys):
    path = referral_copy / "organisations.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    escalation_email: novel-t-algemeen@example.org\n",
                        "    escalation_email: novel-t-algemeen@example.org\n    webhook_url: ftp://crm\n"
                        "    webhook_secret_env: my secret value\n", 1)
    text = text.replace("        email: novel-t-a@example.org\n",
                        "        email: novel-t-a@example.org\n        deliver: [email, fax, telegram]\n", 1)
    text = text.replace("        email: novel-t-b@example.org\n",
                        "        email: novel-t-b@example.org\n        telegram_chat_id: \"not a chat\"\n", 1)
    path.write_text(text, encoding="utf-8")
    data, problems = read_folder(referral_copy)
    messages = [str(p) for p in problems + check(data)]
    line_of = {line.strip(): n for n, line in enumerate(text.splitlines(), 1)}
    adviser_line = line_of["- key: novel-t-a"]
    organisation_line = line_of["- key: novel-t"]
    expected = [
        f"organisations.yml:{organisation_line}: error: 'Novel-T': webhook_url must start with https://",
        f"organisations.yml:{organisation_line}: error: 'Novel-T': webhook_secret_env must be an environment variable NAME",
        f"organisations.yml:{adviser_line}: error: adviser 'novel-t-a': unknown delivery channel 'fax'",
        f"organisations.yml:{adviser_line}: error: adviser 'novel-t-a' gets Telegram but has no telegram_chat_id",
        f"organisations.yml:{line_of['- key: novel-t-b']}: error: adviser 'novel-t-b': telegram_chat_id 'not a chat' is not",
    ]
    for start in expected:
        assert any(m.startswith(start) for m in messages), (start, messages)
    assert main(["data", "check", str(referral_copy)]) == 1


def test_the_real_data_delivers_by_e_mail_and_escalates_to_placeholders(real_data):
    problems = [str(p) for p in check(real_data)]
    assert all(a.deliver == ("email",) for a in real_data.advisers)
    assert all(o.general_address.endswith("@example.org") for o in real_data.organisations if o.handoff)
    assert any("placeholder escalation address" in p for p in problems)


def test_delivery_settings_survive_load_read_and_export(database_url, referral_copy, tmp_path):
    from wegwijzer.catalog.export import export_folder

    configure_channels(referral_copy, "https://crm.example.org/hook")
    load_folder(referral_copy)
    data = CatalogCache(get_engine(), check_seconds=0).get().data
    adviser = next(a for a in data.advisers if a.key == "novel-t-a")
    organisation = next(o for o in data.organisations if o.key == "novel-t")
    assert adviser.deliver == ("email", "telegram", "webhook") and adviser.telegram_chat_id == "4242"
    assert (organisation.webhook_url, organisation.webhook_secret_env) == ("https://crm.example.org/hook",
                                                                          "NOVEL_T_WEBHOOK_SECRET")
    export_folder(data, tmp_path / "out")
    again, problems = read_folder(tmp_path / "out")
    assert not problems and again.advisers == data.advisers and again.organisations == data.organisations


def test_a_signature_header_with_other_characters_is_refused_not_an_error():
    body = b'{"a": 1}'
    assert not verify_signature(b"k", body, "sha256=\u00e9" + sign(b"k", body)[8:])
    assert not verify_signature(b"k", body, "\udcff")


def test_a_webhook_url_must_be_https_except_on_this_machine(referral_copy):
    from wegwijzer.catalog.check import _secure_url

    assert _secure_url("https://crm.example.org/hook")
    assert _secure_url("http://127.0.0.1:8080/hook") and _secure_url("http://localhost/hook")
    for url in ("http://crm.example.org/hook", "http://127.0.0.1.evil.test/x", "ftp://crm", "https://", "http://[::1"):
        assert not _secure_url(url), url
    configure_channels(referral_copy, "http://crm.example.org/hook")
    data, problems = read_folder(referral_copy)
    assert any("webhook_url must start with https://" in str(p) for p in problems + check(data))


def test_an_smtp_password_never_travels_without_tls():
    from wegwijzer.delivery import NotConfigured
    from wegwijzer.delivery.email import send_email
    from wegwijzer.settings import SmtpSettings
    from wegwijzer.handoffs.summary import Message

    remote = {"SMTP_HOST": "smtp.example.org", "SMTP_USER": "wegwijzer", "SMTP_PASSWORD": "geheim"}
    with pytest.raises(NotConfigured) as refused:
        SmtpSettings.from_env(remote)
    assert "geheim" not in str(refused.value) and "SMTP_STARTTLS or SMTP_SSL" in str(refused.value)
    with pytest.raises(NotConfigured):
        send_email(SmtpSettings(host="smtp.example.org", user="u", password="p"), "a@b.test",
                   Message("s", "t", "<p>t</p>"), "key")
    assert SmtpSettings.from_env({**remote, "SMTP_STARTTLS": "true"}).port == 587
    assert SmtpSettings.from_env({**remote, "SMTP_HOST": "localhost"}).user == "wegwijzer"
    implicit = SmtpSettings.from_env({**remote, "SMTP_PORT": "465"})
    assert implicit.implicit_tls and not implicit.starttls
    assert SmtpSettings.from_env({**remote, "SMTP_SSL": "true"}).port == 465


def test_implicit_tls_delivers_to_a_real_tls_smtp_server(tmp_path, monkeypatch):
    import datetime
    import ipaddress
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from wegwijzer.delivery.email import send_email
    from wegwijzer.settings import SmtpSettings
    from wegwijzer.handoffs.summary import Message

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the client trusts this test certificate

    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=server_context,
                            authenticator=authenticate, auth_require_tls=False)
    controller.start()
    try:
        settings = SmtpSettings.from_env({"SMTP_HOST": "localhost", "SMTP_PORT": str(port), "SMTP_SSL": "true",
                                          "SMTP_USER": "wegwijzer", "SMTP_PASSWORD": "geheim"})
        send_email(settings, "a@b.test", Message("Onderwerp", "tekst", "<p>tekst</p>"), "key-1")
    finally:
        controller.stop()
    assert [rcpt for rcpt, _ in inbox.messages] == [["a@b.test"]]
    assert logins == [(b"wegwijzer", b"geheim")]
