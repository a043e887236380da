"""Shared fixtures: the real referral data, and databases on SQLite and (when running) PostgreSQL."""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from wegwijzer.catalog.cache import Catalog
from wegwijzer.catalog.check import check
from wegwijzer.catalog.files import read_folder
from wegwijzer.storage.engine import PROJECT_ROOT, dispose_engines
from wegwijzer.catalog.problems import errors

REFERRAL_DIR = PROJECT_ROOT / "data" / "referrals"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Rasa's telemetry reports usage to its vendor: off for everything the tests run (in process or started)
os.environ["RASA_TELEMETRY_ENABLED"] = "false"


def service_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip with a reason on a machine without the service; under CI=true a missing service is a failure."""
    if service_up(host, port):
        return
    message = f"{name} is not running on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: .ci/run must start it)")
    pytest.skip(f"{message}; start it to run this test")


@pytest.fixture(scope="session")
def real_data():
    data, problems = read_folder(REFERRAL_DIR)
    problems += check(data)
    assert not errors(problems), "\n".join(map(str, errors(problems)))
    return data


@pytest.fixture(scope="session")
def catalog(real_data) -> Catalog:
    return Catalog.build(real_data)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path, monkeypatch) -> str:
    """A fresh, empty database on each backend; ``DATABASE_URL`` points at it for the code under test."""
    request.addfinalizer(dispose_engines)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'wegwijzer.db'}"
    else:
        require_service("PostgreSQL", "127.0.0.1", 5432)
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL, future=True)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        request.addfinalizer(lambda: _drop_schema(admin, schema))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _drop_schema(admin, schema: str) -> None:
    dispose_engines()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def referral_copy(tmp_path) -> Path:
    """A copy of the real referral folder that a test may break."""
    target = tmp_path / "referrals"
    target.mkdir()
    for source in REFERRAL_DIR.iterdir():
        if source.is_file():
            (target / source.name).write_bytes(source.read_bytes())
    return target


# -- delivery (outbox, e-mail, adviser links): a real SMTP server and a loaded database ---------------

class SmtpInbox:
    """What a real (aiosmtpd) SMTP server accepted. A message counts only when the server could
    answer 250: if the client disconnects first (``delay`` lets a test kill it mid-delivery), the
    server drops it, as a real mail server does with an unacknowledged message."""

    def __init__(self, delay: float = 0.0):
        import threading

        self.delay = delay
        self.messages: list = []
        self.entered = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import asyncio
        from email import message_from_bytes, policy

        self.entered.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        if server.transport is None or server.transport.is_closing():
            return "451 client gone"
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), mail))
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 30.0) -> list:
        import time

        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def start_smtp(port: int, inbox: SmtpInbox):
    """A real SMTP server on 127.0.0.1:port; call ``.stop()`` on the result."""
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def delivery_env(monkeypatch, tmp_path) -> dict[str, str]:
    """Link secret, public URL, an empty tracker store and fast retries, for delivery tests."""
    from tests.servers import free_port

    env = {"WEGWIJZER_LINK_SECRET": "test-link-secret", "WEGWIJZER_PUBLIC_URL": "http://wegwijzer.test",
           "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}", "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(free_port()), "SMTP_FROM": "Wegwijzer <wegwijzer@overijssel.test>",
           "WEGWIJZER_OUTBOX_BACKOFF": "0.05", "WEGWIJZER_OUTBOX_MAX_BACKOFF": "0.2"}
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def loaded_url(database_url) -> str:
    """``database_url`` (SQLite and PostgreSQL) with the real referral data loaded."""
    from wegwijzer.catalog.loading import load_folder

    load_folder(REFERRAL_DIR)
    return database_url


def store_handoff(place: str = "Goor", need: str = "kennis", *, sender: str = "c-1", contact_email: str | None = "ondernemer@bedrijf.test",
                  contact_name: str = "Erik Nijland", request_text: str = "We willen <robots> & lasrobots gaan gebruiken.",
                  contact_phone: str = "0612345678", engine=None):
    """Route and store a handoff the way ``ActionHandoff`` does; returns the handoff id."""
    from wegwijzer.catalog.cache import CatalogCache
    from wegwijzer.storage.engine import get_engine, session_scope
    from wegwijzer.handoffs.record import HandoffRequest, record_handoff
    from wegwijzer.referral.routing import IntakeFacts

    engine = engine or get_engine()
    referral = CatalogCache(engine, check_seconds=0).get().router.route(IntakeFacts(place=place, need=need))
    with session_scope(engine) as session:
        row = record_handoff(session, HandoffRequest(
            conversation_id=sender, organisation=referral.organisation, adviser=referral.adviser,
            location=referral.place.location, region_name="Twente", need=need,
            consent_text=f"Mag ik uw vraag doorsturen naar {referral.organisation.name}?", channel="widget",
            language="nl", sector="industrie", employees="35", request_text=request_text,
            programs=[{"name": s.program.name, "reason": s.reason} for s in referral.programs],
            contact_name=contact_name, contact_email=contact_email, contact_phone=contact_phone))
        return row.id


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    """The real action server and Rasa server, started once for every end-to-end test (a start costs a
    minute); each test uses its own conversation ids, and a test that stops a server starts it again."""
    from tests.servers import MODELS, Assistant

    if not list(MODELS.glob("*.tar.gz")):
        pytest.fail("no trained model in models/: scripts/test trains one before running the tests")
    running = Assistant(tmp_path_factory.mktemp("assistant"))
    try:
        running.start()
        yield running
    finally:
        running.stop_all()


def count_events(engine, sender_id: str) -> int:
    """How many events of one conversation Rasa's tracker store holds (0 before Rasa made its table)."""
    from sqlalchemy import inspect

    if not inspect(engine).has_table("events"):
        return 0
    with engine.connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM events WHERE sender_id = :sender"),
                                  {"sender": sender_id}).scalar_one()
