"""Equality monitoring: managers only, never in the audit trail, small cells suppressed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from crm_desktop.db.database import Database
from crm_desktop.db.models import AuditEvent, Setting
from crm_desktop.db.models_privacy import Characteristic
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import PartyRole, UserRole
from crm_desktop.errors import NotFound, PermissionRefused, ValidationError
from crm_desktop.operations import privacy as ops
from crm_desktop.operations import run_operation
from crm_desktop.privacy import equality
from crm_desktop.privacy.equality import EqualityAnswers
from crm_desktop.reports.figures import annual_report
from crm_desktop.reports.model import AnnualReport
from crm_desktop.reports.pdf import render_pdf
from crm_desktop.reports.suppression import suppress
from crm_desktop.reports.xlsx import render_xlsx
from tests.core.test_privacy_support import (
    INVESTIGATOR,
    MANAGER,
    OFFICER,
    add_closed_case,
    add_person,
    someone,
)

ADMIN = Actor("admin1", UserRole.ADMIN)
RESPONDER = Actor("sr1", UserRole.SERVICE_RESPONDER)


def _person(database: Database) -> int:
    return database.write(lambda s: add_person(s, someone("Q")).id)


TODAY = dt.date(2025, 6, 2)


def test_only_managers_record_and_read_answers(database: Database) -> None:
    person_id = _person(database)
    answers = EqualityAnswers(sex="female", religion="PREFER NOT TO SAY", age_band="25 to 34")

    def recorded() -> EqualityAnswers | None:
        with database.session() as session:
            return equality.equality_of(session, person_id)

    for actor in (OFFICER, INVESTIGATOR, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, ops.save_equality_answers, person_id, answers)
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, ops.equality_answers, person_id)
        assert recorded() is None
    stored = run_operation(
        database, MANAGER, TODAY, ops.save_equality_answers, person_id, answers
    ).value
    assert (stored.sex, stored.religion, stored.ethnicity) == ("Female", "Prefer not to say", None)
    form = run_operation(database, ADMIN, TODAY, ops.equality_answers, person_id).value
    assert form.answers == stored and set(form.offered) == set(Characteristic)
    for actor in (OFFICER, INVESTIGATOR, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(
                database, actor, TODAY, ops.erase_equality_answers, person_id, "Withdrawn"
            )
    assert recorded() == stored
    assert run_operation(
        database, MANAGER, TODAY, ops.erase_equality_answers, person_id, "Withdrawn"
    ).value
    assert recorded() is None
    with pytest.raises(NotFound):
        run_operation(database, MANAGER, TODAY, ops.save_equality_answers, 999_999, answers)


def test_an_answer_must_be_one_offered(database: Database) -> None:
    person_id = _person(database)
    with pytest.raises(ValidationError, match="Choose one of"):
        database.write(
            lambda s: equality.record_equality(
                s, MANAGER, person_id, EqualityAnswers(sex="Sometimes")
            )
        )
    with database.session() as session:
        offered = equality.categories(session)
    assert all(
        any(c.is_prefer_not_to_say for c in offered[characteristic])
        for characteristic in Characteristic
    )


def test_answers_never_enter_the_audit_trail(database: Database) -> None:
    person_id = _person(database)
    database.write(
        lambda s: equality.record_equality(
            s,
            MANAGER,
            person_id,
            EqualityAnswers(
                ethnicity="Mixed or multiple ethnic groups", sexual_orientation="Bisexual"
            ),
        ),
        actor="manager1",
    )
    with database.session() as session:
        trail = " ".join(f"{e.before} {e.after}" for e in session.scalars(sa.select(AuditEvent)))
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity == "equality_monitoring")
        ).one()
    assert "Mixed or multiple" not in trail and "Bisexual" not in trail
    assert event.username == "manager1" and "ethnicity" in (event.after or "")


# ------------------------------------------------------------------------ suppression


def test_small_cells_are_hidden_and_cannot_be_worked_out_from_the_total() -> None:
    result = suppress([40, 3, 25, 0], threshold=5)
    assert result.primary == {1}
    assert result.secondary == {2}  # the smallest other cell: 25
    assert not result.total_hidden
    assert suppress([40, 3, 2, 0]).secondary == frozenset()  # two hidden already
    assert suppress([0, 0, 12]).primary == frozenset()  # zeros identify no one
    tiny = suppress([1, 2, 0])
    assert tiny.total_hidden and tiny.primary == {0, 1}
    # A group whose sum is known (the categories a share is taken over) is protected too.
    grouped = suppress([10, 3, 20, 6, 8], groups=[[0, 1, 2]])
    assert grouped.primary == {1} and grouped.secondary == {0}


@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=10),
    st.integers(min_value=2, max_value=10),
)
def test_no_hidden_cell_ever_stands_alone(counts: list[int], threshold: int) -> None:
    result = suppress(counts, threshold=threshold)
    hidden = [i for i in range(len(counts)) if result.hidden(i)]
    assert all(result.hidden(i) for i, c in enumerate(counts) if 0 < c < threshold)
    assert len(hidden) != 1 or result.total_hidden


# ----------------------------------------------------------------------------- report


def _complainants(database: Database, answers: Sequence[EqualityAnswers | None]) -> None:
    def build(session: sa.orm.Session) -> None:
        for given_answers in answers:
            person = add_person(session, someone("R"))
            add_closed_case(
                session,
                person,
                received=dt.date(2023, 5, 2),
                closed=dt.date(2023, 6, 1),
                role=PartyRole.COMPLAINANT,
            )
            if given_answers is not None:
                equality.record_equality(session, MANAGER, person.id, given_answers)

    database.write(build)


def test_the_disproportionality_table_suppresses_small_cells(database: Database) -> None:
    answers: list[EqualityAnswers | None] = (
        [EqualityAnswers(sex="Female")] * 12
        + [EqualityAnswers(sex="Male")] * 3
        + [EqualityAnswers(sex="Prefer not to say")] * 6
        + [None] * 7
    )
    _complainants(database, answers)
    database.write(
        lambda s: equality.set_population_share(s, MANAGER, Characteristic.SEX, "Female", 50.0)
    )
    with database.session() as session:
        tables = equality.disproportionality_tables(session, 2023)
    table = next(t for t in tables if t.key == "equality_sex")
    rows = {row[0].value: row for row in table.rows}
    assert rows["Male"][1].text == "<5"
    assert rows["Female"][1].text == "*"  # else 15 stated less 12 gives Male away
    assert rows["Female"][2].text == "*" and rows["Male"][2].text == "*"
    assert rows["Prefer not to say"][1].value == 6
    assert rows["Not recorded"][1].value == 7
    assert rows["Total"][1].value == 28
    assert rows["Female"][3].value == 50.0
    assert "3" not in [str(c.value) for row in table.rows for c in row]


def test_shares_and_ratio_against_the_population(database: Database) -> None:
    answers = [EqualityAnswers(disability="Disabled")] * 10 + [
        EqualityAnswers(disability="Not disabled")
    ] * 30
    _complainants(database, answers)
    database.write(
        lambda s: equality.set_population_share(
            s, MANAGER, Characteristic.DISABILITY, "Disabled", 20.0
        )
    )
    with database.session() as session:
        table = next(
            t
            for t in equality.disproportionality_tables(session, 2023)
            if t.key == "equality_disability"
        )
    disabled = table.rows[0]
    assert disabled[1].value == 10 and disabled[2].value == pytest.approx(25.0)
    assert disabled[4].value == pytest.approx(1.25)


def test_the_threshold_is_a_setting(database: Database) -> None:
    _complainants(database, [EqualityAnswers(sex="Female")] * 8 + [EqualityAnswers(sex="Male")] * 7)
    with database.session() as session:
        table = equality.disproportionality_tables(session, 2023)[1]
        assert [r[1].value for r in table.rows[:2]] == [8, 7]

    def set_threshold(session: sa.orm.Session) -> None:
        session.add(Setting(key=equality.THRESHOLD_SETTING, value="10"))

    database.write(set_threshold)
    with database.session() as session:
        table = equality.disproportionality_tables(session, 2023)[1]
        assert [r[1].text for r in table.rows[:2]] == ["<10", "<10"]


def test_the_section_renders_in_the_annual_report(database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _complainants(database, [EqualityAnswers(sex="Female", ethnicity="White")] * 6 + [None] * 5)
    with database.session() as session:
        report = annual_report(session, 2023, now=dt.datetime(2024, 5, 1))
        section = equality.equality_section(session, 2023)
    assert len(section.tables) == len(Characteristic)
    assert "6 of the 11 people" in section.commentary
    assert "without a complainant" not in section.commentary

    def about_someone_unnamed(session: sa.orm.Session) -> None:
        # A complaint about a person, with nobody recorded as its complainant (as an
        # import without complainant_name gives).
        add_closed_case(
            session,
            add_person(session, someone("S")),
            received=dt.date(2023, 7, 3),
            closed=dt.date(2023, 8, 1),
            role=PartyRole.SUBJECT,
        )

    database.write(about_someone_unnamed)
    with database.session() as session:
        again = equality.equality_section(session, 2023).commentary
    assert "6 of the 11 people" in again
    assert again.endswith(
        " 1 complaint received in the year was recorded without a complainant, and no "
        "one's answers can count for it."
    )
    extended = AnnualReport(
        report.year,
        report.procedures,
        report.generated_at,
        report.council_name,
        (*report.sections, section),
    )
    out = tmp_path / "report.pdf"
    render_pdf(extended, out)
    assert out.stat().st_size > 0
    workbook = tmp_path / "report.xlsx"
    render_xlsx(extended, workbook)
    assert workbook.stat().st_size > 0
    assert extended.table("equality_ethnicity").value("White", "Complainants") == 6


def test_population_shares_are_read_by_staff_and_set_by_managers(database: Database) -> None:
    def share() -> float | None:
        shares = run_operation(database, OFFICER, TODAY, ops.population_shares).value
        return next(c for c in shares[Characteristic.SEX] if c.label == "Female").population_percent

    assert share() is None
    for actor in (OFFICER, INVESTIGATOR, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(
                database, actor, TODAY, ops.set_population_share, Characteristic.SEX, "Female", 51
            )
    assert share() is None
    with pytest.raises(PermissionRefused):
        run_operation(database, INVESTIGATOR, TODAY, ops.population_shares)
    set_to = run_operation(
        database, MANAGER, TODAY, ops.set_population_share, Characteristic.SEX, "female", 51.5
    ).value
    assert (set_to.label, set_to.population_percent) == ("Female", 51.5)
    assert share() == 51.5
    with pytest.raises(ValidationError):
        run_operation(
            database, MANAGER, TODAY, ops.set_population_share, Characteristic.SEX, "Female", 101
        )
    assert share() == 51.5
