"""Reading a referral folder with every check, and loading it into the database in one transaction."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from wegwijzer.catalog import store
from wegwijzer.catalog.check import check, is_loadable, theme_problems
from wegwijzer.catalog.files import read_folder
from wegwijzer.catalog.problems import DataError, Problem
from wegwijzer.catalog.referral_data import ReferralData
from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.storage.engine import get_engine, init_db, session_scope

REFERRAL_FOLDER = PROJECT_ROOT / "data" / "referrals"


def read_and_check(folder: Path, production: bool = False) -> tuple[ReferralData, list[Problem]]:
    """Read a referral folder and cross-check it (cross-checks only once every file could be read);
    ``production`` makes placeholders and facts to verify errors."""
    data, problems = read_folder(folder)
    if not problems:
        problems = check(data, production) + theme_problems(folder / "themes.yml", {need.key for need in data.needs},
                                                           production)
    return data, problems


def read_loadable(folder: Path) -> ReferralData:
    """The folder's data; DataError when it has an error (warnings are fine)."""
    data, problems = read_and_check(folder)
    if not is_loadable(problems):
        raise DataError(problems)
    return data


def load_folder(folder: Path, engine: Engine | None = None) -> store.SyncReport:
    """Check and load a referral folder in one transaction; on any problem nothing changes."""
    data = read_loadable(folder)
    engine = engine or get_engine()
    init_db(engine)
    with session_scope(engine) as session:
        return store.save(session, data)
