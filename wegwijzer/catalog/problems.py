"""Problems found in the referral data, reported with file and line so staff can fix them."""
from __future__ import annotations

from dataclasses import dataclass

from wegwijzer.catalog.referral_data import Source

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    source: Source | None
    message: str
    severity: str = ERROR
    kind: str = ""  # what sort of problem, where a caller counts them (placeholder, verify)

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.severity}: {self.message}"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


class DataError(Exception):
    """The referral data cannot be loaded; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
