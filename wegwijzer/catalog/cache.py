"""The referral data in memory, ready to answer: places, keywords and routing built once.

Processes that live long (the action server) keep one ``Catalog`` and rebuild it only when the
data in the database changed, which they check at most every ``CHECK_SECONDS``.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from wegwijzer.catalog import store
from wegwijzer.storage.engine import session_scope
from wegwijzer.referral.keywords import KeywordMatcher
from wegwijzer.storage.tables import AdviserAssignmentRow
from wegwijzer.referral.places import PlaceResolver
from wegwijzer.catalog.referral_data import ReferralData
from wegwijzer.referral.routing import Router

CHECK_SECONDS = 30.0
# "software voor transportbedrijven": after these words a sector keyword names the customers
SERVED_MARKERS = ("voor", "for")


class EmptyDatabase(RuntimeError):
    """No referral data has been loaded (run ``wegwijzer data load``)."""


@dataclass
class Catalog:
    data: ReferralData
    places: PlaceResolver
    router: Router
    needs: KeywordMatcher
    sectors: KeywordMatcher

    @classmethod
    def build(cls, data: ReferralData) -> "Catalog":
        places = PlaceResolver(data)
        return cls(
            data=data,
            places=places,
            router=Router(data, places),
            needs=KeywordMatcher((n.key, n.keywords + n.keywords_en) for n in data.needs),
            sectors=KeywordMatcher(((s.key, s.keywords + s.keywords_en) for s in data.sectors),
                                   served_markers=SERVED_MARKERS),
        )


class CatalogCache:
    """One catalog per database, refreshed when the stored data's fingerprint changes."""

    def __init__(self, engine: Engine, check_seconds: float = CHECK_SECONDS):
        self.engine = engine
        self.check_seconds = check_seconds
        self._catalog: Catalog | None = None
        self._fingerprint: str | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def get(self) -> Catalog:
        now = time.monotonic()
        if self._catalog is not None and now - self._checked_at < self.check_seconds:
            return self._catalog
        with self._lock:
            with session_scope(self.engine) as session:
                current = store.stored_fingerprint(session)
                if current is None:
                    raise EmptyDatabase("no referral data loaded: run 'wegwijzer data load'")
                if current != self._fingerprint:
                    self._catalog = Catalog.build(store.read(session))
                    self._fingerprint = current
            self._checked_at = now
            return self._catalog


def last_assigned(engine: Engine) -> dict[str, datetime]:
    """Adviser key -> time of their last handoff."""
    with session_scope(engine) as session:
        rows = session.execute(select(AdviserAssignmentRow)).scalars()
        return {row.adviser_key: row.last_assigned_at for row in rows}
