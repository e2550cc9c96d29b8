"""The case list service: pages, sorting, search and filters, all in SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.domain.enums import Kind, Procedure, StageCode
from crm_desktop.errors import ValidationError
from crm_desktop.services.case_list import (
    COLUMNS,
    CaseListQuery,
    count_cases,
    fetch_case_page,
)
from tests.factories import add_case


@pytest.fixture
def filled(any_database: Database) -> Database:
    def build(session: Session) -> None:
        add_case(
            session,
            reference="COR-2024-00001",
            received_on=dt.date(2024, 1, 5),
            complainant="Zoe O'Neil",
            summary="Pothole on the A44",
            due_on=dt.date(2024, 2, 2),
        )
        add_case(
            session,
            reference="COR-2024-00002",
            received_on=dt.date(2024, 1, 5),
            complainant="adam smith",
            summary="Bin not collected 100% of weeks",
            due_on=dt.date(2024, 1, 20),
        )
        add_case(
            session,
            reference="CSC-2024-00001",
            procedure=Procedure.CHILDREN,
            area="Through Care",
            received_on=dt.date(2024, 2, 1),
            complainant=None,
            summary="Social worker did not call back",
            due_on=None,
        )
        add_case(
            session,
            reference="ASC-2023-00009",
            procedure=Procedure.ADULT,
            area=None,
            stage=StageCode.LOW,
            received_on=dt.date(2023, 12, 1),
            complainant="Émile Durand",
            closed_on=dt.date(2024, 1, 10),
        )
        add_case(
            session,
            reference="COR-2024-00003",
            kind=Kind.COMPLIMENT,
            stage=None,
            received_on=dt.date(2024, 3, 1),
            complainant="B. Sample",
            summary="Thank you <b>so</b> much",
        )

    any_database.write(build)
    return any_database


def refs(db: Database, query: CaseListQuery, offset: int = 0, limit: int = 200) -> list[str]:
    with db.session() as session:
        return [row.reference for row in fetch_case_page(session, query, offset, limit)]


def test_default_is_newest_first_with_id_breaking_ties(filled: Database) -> None:
    assert refs(filled, CaseListQuery()) == [
        "COR-2024-00003",
        "CSC-2024-00001",
        "COR-2024-00002",
        "COR-2024-00001",
        "ASC-2023-00009",
    ]


def test_every_column_sorts_both_ways(filled: Database) -> None:
    for column in COLUMNS:
        up = refs(filled, CaseListQuery(sort=column.key, descending=False))
        down = refs(filled, CaseListQuery(sort=column.key, descending=True))
        assert sorted(up) == sorted(down) == sorted(refs(filled, CaseListQuery()))
    assert refs(filled, CaseListQuery(sort="reference", descending=False)) == [
        "ASC-2023-00009",
        "COR-2024-00001",
        "COR-2024-00002",
        "COR-2024-00003",
        "CSC-2024-00001",
    ]
    # Cases without a due date come last whichever way the column is sorted.
    assert refs(filled, CaseListQuery(sort="due", descending=False))[:2] == [
        "COR-2024-00002",
        "COR-2024-00001",
    ]
    assert refs(filled, CaseListQuery(sort="due", descending=True))[:2] == [
        "COR-2024-00001",
        "COR-2024-00002",
    ]


def test_pages_do_not_overlap_or_skip(filled: Database) -> None:
    query = CaseListQuery(sort="received")
    pages = [refs(filled, query, offset, 2) for offset in (0, 2, 4)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [ref for page in pages for ref in page] == refs(filled, query)


def test_quick_search_matches_reference_name_or_text_case_insensitively(
    filled: Database,
) -> None:
    assert refs(filled, CaseListQuery(search="csc-2024")) == ["CSC-2024-00001"]
    assert refs(filled, CaseListQuery(search="ADAM")) == ["COR-2024-00002"]
    assert refs(filled, CaseListQuery(search="o'neil")) == ["COR-2024-00001"]
    assert refs(filled, CaseListQuery(search="pothole")) == ["COR-2024-00001"]
    # Wildcards typed by the user are matched literally.
    assert refs(filled, CaseListQuery(search="100%")) == ["COR-2024-00002"]
    assert refs(filled, CaseListQuery(search="%")) == ["COR-2024-00002"]
    assert refs(filled, CaseListQuery(search="<b>so</b>")) == ["COR-2024-00003"]
    with filled.session() as session:
        assert count_cases(session, CaseListQuery(search="nothing like this")) == 0


def test_filters(filled: Database) -> None:
    with filled.session() as session:
        assert count_cases(session, CaseListQuery()) == 5
        assert count_cases(session, CaseListQuery(filters={"procedure": "corporate"})) == 3
        assert count_cases(session, CaseListQuery(filters={"kind": "compliment"})) == 1
        assert count_cases(session, CaseListQuery(filters={"status": "closed"})) == 1
    assert refs(filled, CaseListQuery(filters={"stage": "low"})) == ["ASC-2023-00009"]
    assert refs(filled, CaseListQuery(filters={"service_area": "Through Care"})) == [
        "CSC-2024-00001"
    ]


def test_rows_carry_what_the_list_shows(filled: Database) -> None:
    with filled.session() as session:
        row = fetch_case_page(session, CaseListQuery(search="COR-2024-00002"))[0]
    assert row.kind == "complaint" and row.procedure == "corporate"
    assert row.received_on == dt.date(2024, 1, 5)
    assert row.complainant == "adam smith"
    assert row.service_area == "Contact Centre"
    assert row.stage == "1" and row.status == "open"
    assert row.due_on == dt.date(2024, 1, 20)


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be sorted by 'colour'"):
        CaseListQuery(sort="colour")
    with pytest.raises(ValidationError, match="cannot be filtered by 'summary'"):
        CaseListQuery(filters={"summary": "x"})


def test_each_open_case_is_toned_as_the_queues_tone_it() -> None:
    from crm_desktop.services.case_list import CaseListRow, mark_due

    today, soon_before = dt.date(2026, 11, 30), dt.date(2026, 12, 4)

    def row(
        ref: str, due: dt.date | None, status: str = "open", stage: str = "open"
    ) -> CaseListRow:
        return CaseListRow(
            1, ref, "complaint", "corporate", today, None, None, "1", status, due,
            stage_status=stage,
        )  # fmt: skip

    rows = [
        row("late", dt.date(2026, 11, 27)),
        row("soon", dt.date(2026, 12, 3)),
        row("later", dt.date(2026, 12, 4)),
        row("stopped", dt.date(2026, 11, 1), stage="suspended"),
        row("closed", dt.date(2026, 11, 1), status="closed", stage="closed"),
        row("no date", None),
    ]
    tones = {r.reference: r.tone for r in mark_due(rows, today, soon_before)}
    assert tones == {
        "late": "overdue",
        "soon": "due soon",
        "later": None,
        "stopped": "suspended",
        "closed": None,
        "no date": None,
    }
