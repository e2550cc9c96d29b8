"""The historical import over a user's own PostgreSQL login, and beside other writers.

A manager's own login imports a file end to end (the ids come from the tables' id
sequences, which a login allowed to add the rows may draw on; nobody but the owner may
set them): the cases are there, each row audited in the manager's name, and the
owner's ``audit verify`` finds the trail intact. An officer's own login is refused the
import as the program refuses it, in one line. Ids drawn while another connection adds
cases never clash, and ids that are not one run still link every row to its own case.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_desktop.cli import main
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import (
    AuditEvent,
    Case,
    CaseParty,
    ComplaintPoint,
    Person,
    PointOutcome,
    Stage,
)
from crm_desktop.domain.enums import UserRole
from crm_desktop.operations import imports
from crm_desktop.operations.core import run_operation
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.demo.writer import Writer
from crm_desktop.services.importer import read_rows
from crm_desktop.services.users import add_user, command_line_actor
from tests.core.test_importer import EXAMPLE, example_rows, row, snapshot, table_counts, write_csv
from tests.factories import add_case

TODAY = dt.date(2026, 1, 15)
PASSWORD = "a long password"


def _own_login(database: Database, role: UserRole) -> tuple[str, str]:
    """A new user with ``role`` and their own login: (username, the login's URL)."""
    username = f"{role.value.replace(' ', '')}{uuid.uuid4().hex[:8]}"
    database.write(lambda s: add_user(s, username, role, password=PASSWORD), actor="system")
    login = database.write(lambda s: grant_login(s, username, None))
    url = make_url(database.url).set(username=login, password=None)
    return username, url.render_as_string(hide_password=False)


@pytest.fixture
def logins(postgres_database: Database) -> Iterator[dict[UserRole, tuple[str, str]]]:
    made = {
        role: _own_login(postgres_database, role) for role in (UserRole.MANAGER, UserRole.OFFICER)
    }
    try:
        yield made
    finally:
        owner = sa.create_engine(postgres_database.engine.url, isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            for _, url in made.values():
                login = make_url(url).username
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (login,),
                )
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{login}"')
        owner.dispose()


def _verify_as_owner(database: Database, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = main(["--database", database.url, "audit", "verify"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.mark.postgres
def test_a_manager_imports_a_file_over_their_own_login(
    postgres_database: Database,
    logins: dict[UserRole, tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = postgres_database
    username, url = logins[UserRole.MANAGER]
    references = sorted({r["reference"] for r in example_rows()})
    before = table_counts(database)
    capsys.readouterr()
    assert main(["--database", url, "import", "cases", str(EXAMPLE)]) == 0, capsys.readouterr()
    assert f"Imported {len(references)} cases" in capsys.readouterr().out
    after = table_counts(database)
    assert after["representation"] == before["representation"] + len(references)
    with database.session() as session:
        imported = session.scalars(
            sa.select(Case).where(Case.reference.in_(references)).order_by(Case.id)
        ).all()
        assert len(imported) == len(references)
        assert {c.created_by for c in imported} == {f"import:{username}"}
        # Every row was audited in the manager's name, and the import named every case.
        who = set(
            session.scalars(
                sa.select(AuditEvent.username).where(
                    AuditEvent.entity == "representation",
                    AuditEvent.entity_id.in_([str(c.id) for c in imported]),
                )
            )
        )
        assert who == {username}
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")).one()
        assert event.username == username
        assert all(reference in (event.after or "") for reference in references)
    assert "The audit trail is intact" in _verify_as_owner(database, capsys)


@pytest.mark.postgres
def test_an_officer_is_refused_the_import_over_their_own_login(
    postgres_database: Database,
    logins: dict[UserRole, tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, url = logins[UserRole.OFFICER]
    before = table_counts(postgres_database)
    capsys.readouterr()
    assert main(["--database", url, "import", "cases", str(EXAMPLE)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "you cannot import historical cases" in err and "permission denied" not in err
    assert table_counts(postgres_database) == before


def _links(database: Database, references: Sequence[str]) -> list[tuple[Any, ...]]:
    """Each imported case's rows, as links that must hold: the case's current stage is
    its last, each stage follows the one before, each party, point and outcome is of
    the case it names."""
    problems: list[tuple[Any, ...]] = []
    with database.session() as session:
        for case in session.scalars(sa.select(Case).where(Case.reference.in_(references))):
            stages = session.scalars(
                sa.select(Stage).where(Stage.case_id == case.id).order_by(Stage.seq)
            ).all()
            if stages and case.current_stage_id != stages[-1].id:
                problems.append((case.reference, "current stage"))
            previous = None
            for stage in stages:
                if stage.previous_stage_id != previous:
                    problems.append((case.reference, "previous stage", stage.seq))
                previous = stage.id
            points = set(
                session.scalars(
                    sa.select(ComplaintPoint.id).where(ComplaintPoint.case_id == case.id)
                )
            )
            outcomes = session.execute(
                sa.select(PointOutcome.point_id, PointOutcome.stage_id).where(
                    PointOutcome.stage_id.in_([s.id for s in stages])
                )
            ).all()
            if any(point not in points for point, _ in outcomes):
                problems.append((case.reference, "outcome of another case's point"))
            parties = session.scalar(
                sa.select(sa.func.count())
                .select_from(CaseParty)
                .where(CaseParty.case_id == case.id)
            )
            if (parties == 1) != (case.complainant_name is not None):
                problems.append((case.reference, "complainant"))
    return problems


def _spaced_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids as a concurrent writer leaves them: not one run (every other id of a block
    twice the size, every one of them reserved)."""
    real = Writer.reserve_ids

    def spaced(self: Writer, table: sa.Table, count: int) -> Sequence[int]:
        return list(real(self, table, 2 * count))[1::2]

    monkeypatch.setattr(Writer, "reserve_ids", spaced)


def test_ids_that_are_not_one_run_still_link_every_row_to_its_own_case(
    any_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The example file's cases, imported with spaced ids: every row linked to its own.
    references = sorted({r["reference"] for r in example_rows()})
    _spaced_ids(monkeypatch)
    with any_database.session() as session:
        actor = command_line_actor(session)
    result = run_operation(
        any_database, actor, TODAY, imports.import_rows, read_rows(EXAMPLE), str(EXAMPLE)
    ).value
    assert result.ok and result.cases == len(references)
    assert _links(any_database, references) == []
    assert [s[0] for s in snapshot(any_database)] == references


@pytest.mark.postgres
def test_an_import_beside_a_concurrent_case_creation_takes_no_id_of_it(
    postgres_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = postgres_database
    path = write_csv(tmp_path / "cases.csv", [row(reference=f"C-{n}") for n in range(20)])
    other = open_database(database.url)
    made: list[int] = []
    real = Writer.reserve_ids

    def reserve_then_someone_adds_a_case(
        self: Writer, table: sa.Table, count: int
    ) -> Sequence[int]:
        ids = real(self, table, count)
        if table.name == "representation" and not made:
            # Another user adds a case (its own case, stage and party rows) and commits
            # while the import has its ids and has written nothing yet.
            made.append(other.write(lambda s: add_case(s, reference="OTHER-1").id, actor="other"))
        return ids

    monkeypatch.setattr(Writer, "reserve_ids", reserve_then_someone_adds_a_case)
    try:
        with database.session() as session:
            actor = command_line_actor(session)
        result = run_operation(
            database, actor, TODAY, imports.import_rows, read_rows(path), str(path)
        ).value
    finally:
        other.dispose()
    assert result.ok and result.cases == 20
    references = [f"C-{n}" for n in range(20)]
    with database.session() as session:
        ids = dict(
            session.execute(
                sa.select(Case.reference, Case.id).where(
                    Case.reference.in_([*references, "OTHER-1"])
                )
            ).all()
        )
        other_stages = set(session.scalars(sa.select(Stage.id).where(Stage.case_id == made[0])))
    assert ids["OTHER-1"] == made[0] and len(ids) == 21
    assert _links(database, references) == []
    assert other_stages


@pytest.mark.postgres
def test_ids_are_drawn_after_rows_written_with_ids_of_their_own(
    postgres_database: Database,
) -> None:
    # A row given an id of its own leaves the sequence behind: it is moved on past it.
    people = Person.__table__
    assert isinstance(people, sa.Table)

    def draw(session: sa.orm.Session) -> list[int]:
        session.execute(sa.insert(people).values(id=5000, full_name="Given an id of its own"))
        ids = list(Writer(session).reserve_ids(people, 3))
        after = Person(full_name="Added the ordinary way")
        session.add(after)
        session.flush()
        return [*ids, after.id]

    ids = postgres_database.write(draw, actor="system")
    assert ids[:3] == sorted(ids[:3]) and ids[0] > 5000 and len(set(ids)) == 4
    assert ids[3] > 5000


@pytest.mark.postgres
def test_ids_drawn_on_two_connections_at_once_never_meet(postgres_database: Database) -> None:
    cases = Case.__table__
    assert isinstance(cases, sa.Table)
    first = postgres_database.write_sessions()
    second = postgres_database.write_sessions()
    try:
        a = list(Writer(first).reserve_ids(cases, 50))
        b = list(Writer(second).reserve_ids(cases, 50))
        c = list(Writer(first).reserve_ids(cases, 50))
    finally:
        first.rollback()
        second.rollback()
        first.close()
        second.close()
    assert len(set(a) | set(b) | set(c)) == 150
