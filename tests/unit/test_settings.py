"""``wegwijzer/settings.py``: every environment variable is read there, with the documented defaults."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from wegwijzer.delivery import NotConfigured
from wegwijzer.settings import (PROJECT_ROOT, OutboxSettings, RasaReplicaSettings, SmtpSettings, TelegramDeliverySettings, TelegramSettings,
                                WebSettings, database_timeout, database_url, link_valid_days, log_level,
                                outbox_poll_seconds, public_url, rasa_url, rasa_urls, retention_days, tracker_database_url,
                                webhook_secret)

READS_THE_ENVIRONMENT = re.compile(r"os\.environ|getenv\(")


def test_no_other_module_reads_the_environment():
    sources = [*(PROJECT_ROOT / "wegwijzer").rglob("*.py"), *(PROJECT_ROOT / "actions").rglob("*.py")]
    offenders = [str(path.relative_to(PROJECT_ROOT)) for path in sources
                 if path.name != "settings.py" and READS_THE_ENVIRONMENT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_defaults_without_any_variable():
    assert rasa_url({}) == "http://127.0.0.1:5005"
    assert database_url({}) == f"sqlite:///{PROJECT_ROOT / 'var' / 'wegwijzer.db'}"
    assert tracker_database_url({}) == f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
    assert WebSettings.from_env({}) == WebSettings()
    assert TelegramSettings.from_env({}) == TelegramSettings()
    assert OutboxSettings.from_env({}) == OutboxSettings()
    assert (retention_days({}), link_valid_days({}), public_url({})) == (90, 30, "http://localhost:8000")
    assert (outbox_poll_seconds({}), database_timeout({}), log_level({})) == (5.0, 5.0, "INFO")


def test_values_from_the_environment():
    assert database_url({"DATABASE_URL": "postgres://u@h:5432/db"}) == "postgresql://u@h:5432/db"
    assert tracker_database_url({"TRACKER_DATABASE_URL": "postgres://u@h/t"}) == "postgresql://u@h/t"
    assert rasa_url({"RASA_PORT": "6000"}) == "http://127.0.0.1:6000"
    assert rasa_url({"RASA_URL": "http://rasa:5005/", "RASA_PORT": "6000"}) == "http://rasa:5005"
    assert OutboxSettings.from_env({"WEGWIJZER_OUTBOX_LEASE": "5", "WEGWIJZER_OUTBOX_MAX_ATTEMPTS": "3"}) == \
        OutboxSettings(lease=timedelta(seconds=5), max_attempts=3)
    assert public_url({"WEGWIJZER_PUBLIC_URL": "https://wegwijzer.example/"}) == "https://wegwijzer.example"


def test_a_delivery_channel_without_its_variables_waits_instead_of_failing():
    for read in (SmtpSettings.from_env, TelegramDeliverySettings.from_env, lambda env: webhook_secret("CRM_SECRET", env)):
        with pytest.raises(NotConfigured):
            read({})
    assert webhook_secret("CRM_SECRET", {"CRM_SECRET": "s"}) == b"s"
    assert "secret" not in repr(TelegramDeliverySettings.from_env({"TELEGRAM_BOT_TOKEN": "123:secret"}))
    assert "pw" not in repr(SmtpSettings.from_env({"SMTP_HOST": "localhost", "SMTP_USER": "u", "SMTP_PASSWORD": "pw"}))


def test_rasa_replicas_one_by_default_several_only_with_shared_stores():
    assert RasaReplicaSettings.from_env({}) == RasaReplicaSettings(1, 5005)
    assert RasaReplicaSettings.from_env({"RASA_REPLICAS": "1", "RASA_PORT": "6000"}).ports == [6000]
    shared = {"TRACKER_DATABASE_URL": "postgresql://u@db:5432/rasa", "LOCK_STORE_URL": "redis://redis:6379/0"}
    assert RasaReplicaSettings.from_env({**shared, "RASA_REPLICAS": "3"}).ports == [5005, 5006, 5007]
    for missing, name in (({"LOCK_STORE_URL": "redis://r:6379/0"}, "TRACKER_DATABASE_URL"),
                          ({"TRACKER_DATABASE_URL": "sqlite:////tmp/t.db", "LOCK_STORE_URL": "redis://r/0"},
                           "TRACKER_DATABASE_URL"),
                          ({"TRACKER_DATABASE_URL": "postgresql://u@db/rasa"}, "LOCK_STORE_URL")):
        with pytest.raises(ValueError, match=name):
            RasaReplicaSettings.from_env({**missing, "RASA_REPLICAS": "2"})
    for wrong in ("0", "x", "-1", "17"):
        with pytest.raises(ValueError, match="RASA_REPLICAS"):
            RasaReplicaSettings.from_env({**shared, "RASA_REPLICAS": wrong})


def test_rasa_urls_list_the_replicas_and_fall_back_to_rasa_url():
    assert rasa_urls({}) == ("http://127.0.0.1:5005",)
    assert rasa_urls({"RASA_URL": "http://rasa:5005/"}) == ("http://rasa:5005",)
    both = {"RASA_URLS": "http://rasa-1:5005/, http://rasa-2:5005", "RASA_URL": "http://ignored:1"}
    assert rasa_urls(both) == ("http://rasa-1:5005", "http://rasa-2:5005")
    web, telegram = WebSettings.from_env(both), TelegramSettings.from_env(both)
    assert web.replicas == telegram.replicas == ("http://rasa-1:5005", "http://rasa-2:5005")
    assert WebSettings(rasa_url="http://one:5005").replicas == ("http://one:5005",)
    for wrong in ("rasa-1:5005", "ftp://rasa:21", "http://a:1,http://a:1"):
        with pytest.raises(ValueError, match="RASA_URLS"):
            rasa_urls({"RASA_URLS": wrong})
