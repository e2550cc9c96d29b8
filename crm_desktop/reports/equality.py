"""The annual report's equality section (para. 54): the complainants of the year by
each characteristic beside the population, with small cells suppressed.

The answers themselves are recorded and erased by :mod:`crm_desktop.privacy.equality`
(managers only); this module only reads them, counted, for the report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.base import Base
from crm_desktop.db.models import Case, CaseParty, Setting
from crm_desktop.db.models_privacy import Characteristic, EqualityCategory, EqualityMonitoring
from crm_desktop.domain.enums import Kind, PartyRole, Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import counted
from crm_desktop.reports.model import Cell, Format, Section, Table
from crm_desktop.reports.suppression import DEFAULT_THRESHOLD, suppress

PREFER_NOT_TO_SAY = "Prefer not to say"
NOT_RECORDED = "Not recorded"
THRESHOLD_SETTING = "equality.suppression_threshold"
HIDDEN = "*"
_TABLE: sa.Table = Base.metadata.tables[EqualityMonitoring.__tablename__]


@dataclass(frozen=True)
class EqualityAnswers:
    """One person's answers; None where the question was not answered."""

    age_band: str | None = None
    sex: str | None = None
    gender_identity: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    religion: str | None = None
    sexual_orientation: str | None = None
    recorded_on: dt.date | None = None

    def answer(self, characteristic: Characteristic) -> str | None:
        value: str | None = getattr(self, characteristic.value)
        return value

    @property
    def answered(self) -> list[Characteristic]:
        return [c for c in Characteristic if self.answer(c) is not None]


@dataclass(frozen=True)
class CategoryView:
    id: int
    characteristic: Characteristic
    label: str
    population_percent: float | None
    is_prefer_not_to_say: bool
    sort_order: int


def categories(session: Session) -> dict[Characteristic, list[CategoryView]]:
    """The answers offered to each question (active ones), in their order."""
    result: dict[Characteristic, list[CategoryView]] = {c: [] for c in Characteristic}
    for row in session.scalars(
        sa.select(EqualityCategory)
        .where(EqualityCategory.active.is_(True))
        .order_by(EqualityCategory.sort_order, EqualityCategory.id)
    ):
        characteristic = Characteristic(row.characteristic)
        result[characteristic].append(
            CategoryView(
                row.id,
                characteristic,
                row.label,
                row.population_percent,
                row.is_prefer_not_to_say,
                row.sort_order,
            )
        )
    return result


def suppression_threshold(session: Session) -> int:
    """Counts below this (and above 0) are not shown (setting; default 5)."""
    setting = session.get(Setting, THRESHOLD_SETTING)
    try:
        value = int(setting.value) if setting is not None else DEFAULT_THRESHOLD
    except ValueError:
        return DEFAULT_THRESHOLD
    return max(value, 1)


# ------------------------------------------------------------------------ the report


def _complaints_of_the_year(year: int, procedures: Sequence[Procedure] | None) -> Any:
    start, end = FinancialYear(year).start, FinancialYear(year).end
    return sa.and_(
        Case.kind == Kind.COMPLAINT,
        Case.received_on.between(start, end),
        Case.procedure.in_(tuple(procedures or tuple(Procedure))),
    )


def without_complainant(
    session: Session, year: int, procedures: Sequence[Procedure] | None = None
) -> int:
    """How many complaints received in the financial year have no complainant recorded
    (an imported history may give none): nobody's answers can count for them."""
    recorded = (
        sa.select(CaseParty.id)
        .where(CaseParty.case_id == Case.id, CaseParty.role == PartyRole.COMPLAINANT)
        .exists()
    )
    found = session.scalar(
        sa.select(sa.func.count(Case.id)).where(
            _complaints_of_the_year(year, procedures), sa.not_(recorded)
        )
    )
    return int(found or 0)


def complainant_answers(
    session: Session, year: int, procedures: Sequence[Procedure] | None = None
) -> list[EqualityAnswers]:
    """The answers of each person who made a complaint received in the financial year
    (each person once; an empty record for those who gave none)."""
    people = (
        sa.select(CaseParty.person_id)
        .join(Case, Case.id == CaseParty.case_id)
        .where(CaseParty.role == PartyRole.COMPLAINANT, _complaints_of_the_year(year, procedures))
        .distinct()
        .subquery()
    )
    columns = [_TABLE.c[c.value] for c in Characteristic]
    rows = session.execute(
        sa.select(people.c.person_id, *columns)
        .outerjoin(_TABLE, _TABLE.c.person_id == people.c.person_id)
        .order_by(people.c.person_id)
    )
    return [
        EqualityAnswers(**{c.value: row._mapping[c.value] for c in Characteristic}) for row in rows
    ]


def _count_cell(count: int, primary: bool, hidden: bool, threshold: int) -> Cell:
    if primary:
        return Cell(f"<{threshold}", Format.TEXT)
    if hidden:
        return Cell(HIDDEN, Format.TEXT)
    return Cell(count, Format.COUNT)


def disproportionality_table(
    characteristic: Characteristic,
    offered: Sequence[CategoryView],
    answers: Sequence[EqualityAnswers],
    threshold: int,
    year: int,
) -> Table:
    """One characteristic: complainants per category against the population."""
    counts = Counter(a.answer(characteristic) for a in answers)
    stated = [c for c in offered if not c.is_prefer_not_to_say]
    declined = [c for c in offered if c.is_prefer_not_to_say]
    known = {c.label for c in offered}
    extra = sorted(str(k) for k in counts if k is not None and k not in known)
    labels = [c.label for c in stated] + extra + [c.label for c in declined] + [NOT_RECORDED]
    population = {c.label: c.population_percent for c in offered}
    values = [counts.get(label, 0) for label in labels[:-1]] + [counts.get(None, 0)]
    stated_rows = list(range(len(stated) + len(extra)))
    result = suppress(values, [stated_rows], threshold)
    stated_total = sum(values[i] for i in stated_rows)
    rows: list[tuple[Cell, ...]] = []
    for index, label in enumerate(labels):
        primary, hidden = index in result.primary, result.hidden(index)
        count = _count_cell(values[index], primary, hidden, threshold)
        share: Cell = Cell(None, Format.PERCENT)
        ratio: Cell = Cell(None, Format.DAYS)
        pop = population.get(label)
        if index in stated_rows:
            if hidden:
                share, ratio = Cell(HIDDEN, Format.TEXT), Cell(HIDDEN, Format.TEXT)
            elif stated_total:
                percent = 100.0 * values[index] / stated_total
                share = Cell(percent, Format.PERCENT)
                if pop:
                    ratio = Cell(percent / pop, Format.DAYS)
        rows.append((Cell(label, Format.TEXT), count, share, Cell(pop, Format.PERCENT), ratio))
    total = sum(values)
    total_cell = (
        Cell(f"<{threshold}", Format.TEXT)
        if 0 < total < threshold
        else Cell(HIDDEN, Format.TEXT)
        if result.total_hidden
        else Cell(total, Format.COUNT)
    )
    rows.append(
        (
            Cell("Total", Format.TEXT),
            total_cell,
            Cell(None, Format.PERCENT),
            Cell(None, Format.PERCENT),
            Cell(None, Format.DAYS),
        )
    )
    return Table(
        key=f"equality_{characteristic.value}",
        title=f"{characteristic.label} of complainants, {FinancialYear(year).label}",
        columns=(
            characteristic.label,
            "Complainants",
            "Share of those who answered",
            "Population share",
            "Ratio to population",
        ),
        rows=tuple(rows),
        notes=(
            "Share: of the complainants who gave an answer other than "
            f"'{PREFER_NOT_TO_SAY}'. Ratio: share of complainants divided by population "
            "share; above 1, the group complains more than its share of the population.",
            f"<{threshold}: fewer than {threshold} people, not shown so that no one can be "
            f"identified. {HIDDEN}: not shown so that a small figure cannot be worked out "
            "from the total.",
        ),
    )


def disproportionality_tables(
    session: Session,
    year: int,
    procedures: Sequence[Procedure] | None = None,
    threshold: int | None = None,
) -> list[Table]:
    """One table per characteristic for the complainants of the financial year."""
    limit = threshold if threshold is not None else suppression_threshold(session)
    answers = complainant_answers(session, year, procedures)
    offered = categories(session)
    return [disproportionality_table(c, offered[c], answers, limit, year) for c in Characteristic]


def equality_section(
    session: Session,
    year: int,
    procedures: Sequence[Procedure] | None = None,
    threshold: int | None = None,
) -> Section:
    """The annual report's equality monitoring section (aggregates only: no actor
    check is needed to show it, and small cells are suppressed).

    On PostgreSQL only a manager's login may read the answers: a report made over
    anyone else's says where the figures are instead of showing them."""
    from crm_desktop.db.pg_security import may_read

    if not may_read(session.connection(), _TABLE.name):
        return Section(
            "equality",
            "Equality monitoring",
            (),
            "Equality monitoring figures are shown in this report when a manager makes it: "
            "only managers may read the answers.",
        )
    limit = threshold if threshold is not None else suppression_threshold(session)
    answers = complainant_answers(session, year, procedures)
    offered = categories(session)
    tables = tuple(
        disproportionality_table(c, offered[c], answers, limit, year) for c in Characteristic
    )
    total = len(answers)
    answered = sum(1 for a in answers if a.answered)

    def amount(n: int) -> str:
        return f"fewer than {limit}" if 0 < n < limit else f"{n:,}"

    if 0 < total < limit:
        commentary = (
            f"Fewer than {limit} people made a complaint in {FinancialYear(year).label}: "
            "their equality monitoring figures are not shown."
        )
    elif 0 < total - answered < limit:
        commentary = (
            f"All but fewer than {limit} of the {total:,} people who made a complaint in "
            f"{FinancialYear(year).label} answered at least one equality monitoring question. "
            "Population shares are the council's figures for its area, entered as "
            "reference data; '–' where none was entered."
        )
    else:
        commentary = (
            f"{amount(answered)} of the {amount(total)} people who made a complaint in "
            f"{FinancialYear(year).label} answered at least one equality monitoring question. "
            "Population shares are the council's figures for its area, entered as "
            "reference data; '–' where none was entered."
        )
    unrecorded = without_complainant(session, year, procedures)
    if unrecorded:
        were = "was" if unrecorded == 1 else "were"
        commentary += (
            f" {counted(unrecorded, 'complaint')} received in the year {were} recorded "
            "without a complainant, and no one's answers can count for "
            f"{'it' if unrecorded == 1 else 'them'}."
        )
    return Section("equality", "Equality monitoring", tables, commentary)
