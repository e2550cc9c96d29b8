"""The council's financial year: 1 April to 31 March, named by the year it starts in.

``FinancialYear(2022)`` is 1 Apr 2022 to 31 Mar 2023, shown as ``2022/23``; every report,
KPI, cost table and dashboard figure counts years this way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["FinancialYear"]

_LABEL = re.compile(r"^\s*(\d{4})(?:\s*/\s*(\d{2}|\d{4}))?\s*$")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A financial year, named by the calendar year of its 1 April."""

    start_year: int

    @classmethod
    def of(cls, day: dt.date) -> FinancialYear:
        """The financial year ``day`` falls in."""
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        """``2022`` or ``2022/23`` (or ``2022/2023``); ValueError otherwise."""
        match = _LABEL.match(text)
        if match is None:
            raise ValueError(f"'{text}' is not a year like 2022/23")
        year = int(match.group(1))
        second = match.group(2)
        if second is not None and int(second) % 100 != (year + 1) % 100:
            raise ValueError(f"'{text}' is not a year like 2022/23")
        return cls(year)

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        """``2022/23``."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    @property
    def next(self) -> FinancialYear:
        return FinancialYear(self.start_year + 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label
