"""Shared fixtures: the real referral data, and databases on SQLite and (when running) PostgreSQL."""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.catalog import Catalog
from bot.data_check import check
from bot.data_files import read_folder
from bot.db import PROJECT_ROOT, dispose_engines
from bot.problems import errors

REFERRAL_DIR = PROJECT_ROOT / "data" / "referrals"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


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
