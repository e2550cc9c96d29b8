"""Reports, the historical import, admin and maintenance as operations.

Who is refused (by the error's type, with nothing changed or written), what each run
reports as changed (nothing when it changed nothing), and files written whole or not at
all, also when the user cancels. On PostgreSQL, a user connecting with their own login
is held to their role by the command line too.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.db.models import BaselineFigure, Case, ClosureDay, Nature, Setting, User
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import Procedure, UserRole
from crm_desktop.errors import FileProblem, NotFound, PermissionRefused, ValidationError
from crm_desktop.operations import Change, admin, imports, maintenance, reports, run_operation
from crm_desktop.operations.core import Cancelled
from crm_desktop.services import reference_admin as ra
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.users import add_user
from tests.factories import add_case

TODAY = dt.date(2025, 6, 2)
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "cases-example.csv"
PASSWORD = "a long password"

ADMIN = Actor("admin", UserRole.ADMIN)
MANAGER = Actor("boss", UserRole.MANAGER)
OFFICER = Actor("officer1", UserRole.OFFICER)
INVESTIGATOR = Actor("io", UserRole.INVESTIGATOR)
RESPONDER = Actor("responder", UserRole.SERVICE_RESPONDER)


def _count(database: Database, model: type) -> int:
    with database.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


class CancelAt:
    """A progress that records what it was told and cancels at its ``at``-th report."""

    def __init__(self, at: int | None = None) -> None:
        self.at = at
        self.reports: list[tuple[int, int, str]] = []

    def report(self, done: int, total: int, text: str = "") -> None:
        self.reports.append((done, total, text))

    def check(self) -> None:
        if self.at is not None and len(self.reports) >= self.at:
            raise Cancelled()


@pytest.fixture
def cases(database: Database) -> Database:
    def build(session: Session) -> None:
        for day in (1, 20, 40):
            add_case(session, received_on=dt.date(2024, 5, 1) + dt.timedelta(days=day))

    database.write(build)
    return database


# ------------------------------------------------------------------------ the annual report


def test_the_annual_report_is_refused_to_roles_that_do_not_run_reports(
    cases: Database, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    for actor in (INVESTIGATOR, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(cases, actor, TODAY, reports.write_annual_report, 2024, None, pdf)
        with pytest.raises(PermissionRefused):
            run_operation(cases, actor, TODAY, reports.export_data, "cases", tmp_path / "x.csv")
    assert not pdf.exists() and not (tmp_path / "x.csv").exists()
    assert not list(tmp_path.glob(".*.partial"))
    written = run_operation(
        cases, OFFICER, TODAY, reports.write_annual_report, 2024, [Procedure.CORPORATE], pdf
    )
    assert not written.changes
    assert written.value.pdf == pdf and written.value.workbook is None
    assert written.value.which == "Corporate" and written.value.year.label == "2024/25"
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("at", [1, 2, 5, 12])
def test_cancelling_the_report_at_any_step_leaves_the_old_files_as_they_were(
    cases: Database, tmp_path: Path, at: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    pdf, workbook = out / "report.pdf", out / "report.xlsx"
    pdf.write_bytes(b"last year's report")
    progress = CancelAt(at)
    with pytest.raises(Cancelled):
        run_operation(
            cases,
            MANAGER,
            TODAY,
            reports.write_annual_report,
            2024,
            None,
            pdf,
            workbook,
            progress=progress,
        )
    assert len(progress.reports) == at
    assert sorted(p.name for p in out.iterdir()) == ["report.pdf"]
    assert pdf.read_bytes() == b"last year's report"


def test_the_report_counts_up_to_100_and_writes_both_files(cases: Database, tmp_path: Path) -> None:
    progress = CancelAt()
    pdf, workbook = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    run_operation(
        cases, OFFICER, TODAY, reports.write_annual_report, 2024, None, pdf, workbook,
        progress=progress,
    )  # fmt: skip
    done = [d for d, _t, _x in progress.reports]
    assert done == sorted(done) and done[0] == 0 and done[-1] == 100
    assert progress.reports[0][2] == "Counting the figures for 2024/25…"
    assert pdf.read_bytes().startswith(b"%PDF") and workbook.read_bytes().startswith(b"PK")


def test_bad_report_targets_and_years_are_refused_before_any_work(
    cases: Database, tmp_path: Path
) -> None:
    pdf = tmp_path / "r.pdf"
    with pytest.raises(ValidationError) as same:
        run_operation(cases, OFFICER, TODAY, reports.write_annual_report, 2024, None, pdf, pdf)
    assert same.value.field == "workbook"
    with pytest.raises(FileProblem):
        run_operation(
            cases, OFFICER, TODAY, reports.write_annual_report, 2024, None, tmp_path / "n" / "r.pdf"
        )
    with pytest.raises(FileProblem):
        run_operation(cases, OFFICER, TODAY, reports.write_annual_report, 2024, None, tmp_path)
    with pytest.raises(ValidationError) as year:
        run_operation(cases, OFFICER, TODAY, reports.write_annual_report, 1999, None, pdf)
    assert year.value.field == "year"
    assert not pdf.exists()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_export_cancelled_part_way_saves_nothing(
    cases: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    monkeypatch.setattr("crm_desktop.reports.exports.BATCH", 1)  # a report after every row
    out = tmp_path / f"cases{suffix}"
    out.write_bytes(b"yesterday's export")
    progress = CancelAt(1)  # cancelled after the first row of three is written
    with pytest.raises(Cancelled):
        run_operation(cases, OFFICER, TODAY, reports.export_data, "stages", out, progress=progress)
    assert progress.reports == [(0, 0, "1 stages written…")]
    assert out.read_bytes() == b"yesterday's export"
    assert not list(tmp_path.glob(f".cases{suffix}*"))
    done = run_operation(cases, OFFICER, TODAY, reports.export_data, "cases", out)
    assert done.value == 3 and not done.changes


# ------------------------------------------------------------------- commentary, baseline


def test_baseline_figures_need_a_manager_and_report_a_change_only_when_loaded(
    database: Database, tmp_path: Path
) -> None:
    template = tmp_path / "template.csv"
    with pytest.raises(PermissionRefused):
        run_operation(database, OFFICER, TODAY, reports.save_baseline_template, 2021, template)
    assert not template.exists()
    saved = run_operation(database, MANAGER, TODAY, reports.save_baseline_template, 2021, template)
    assert saved.value == template and not saved.changes
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    lines = template.read_text(encoding="utf-8").splitlines()
    good = tmp_path / "good.csv"
    good.write_text(lines[0] + "\n" + lines[1] + "7\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(lines[0] + "\n" + lines[1] + "seven\n", encoding="utf-8")

    with pytest.raises(PermissionRefused):
        run_operation(database, OFFICER, TODAY, reports.load_baseline, good)
    assert _count(database, BaselineFigure) == 0
    refused = run_operation(database, MANAGER, TODAY, reports.load_baseline, bad)
    assert refused.value.errors and not refused.changes
    assert _count(database, BaselineFigure) == 0
    loaded = run_operation(database, MANAGER, TODAY, reports.load_baseline, good)
    assert loaded.value.loaded == 1 and loaded.changes.kinds == {Change.REPORT_INPUTS}
    assert _count(database, BaselineFigure) == 1


def test_commentary_is_read_by_report_makers_and_written_by_managers(database: Database) -> None:
    for actor in (INVESTIGATOR, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, reports.commentary_for, 2024)
    for actor in (OFFICER, INVESTIGATOR):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, reports.save_commentary, 2024, {"kpis": "x"})
    with database.session() as session:
        assert session.get(Setting, "report.commentary.2024.kpis") is None
    saved = run_operation(database, ADMIN, TODAY, reports.save_commentary, 2024, {"kpis": "Met"})
    assert saved.changes.kinds == {Change.REPORT_INPUTS}
    with database.session() as session:
        row = session.get(Setting, "report.commentary.2024.kpis")
        assert row is not None and row.value == "Met" and row.updated_by == "admin"


# ---------------------------------------------------------------------------- import


def test_only_a_manager_imports_and_a_refusal_reads_nothing(
    database: Database, tmp_path: Path
) -> None:
    before = _count(database, Case)
    missing = tmp_path / "not there.csv"  # refused before the file is even looked for
    for actor in (OFFICER, INVESTIGATOR, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, imports.check_file, missing)
    checked = run_operation(database, MANAGER, TODAY, imports.check_file, EXAMPLE, False, True)
    for actor in (OFFICER, INVESTIGATOR, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(
                database, actor, TODAY, imports.import_rows, checked.value.rows, "x", False, True
            )
    assert _count(database, Case) == before


def test_the_import_reports_what_it_changed_and_imports_the_rows_that_were_checked(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "cases.csv"
    shutil.copy(EXAMPLE, path)
    checked = run_operation(database, MANAGER, TODAY, imports.check_file, path, False, True)
    assert not checked.changes  # a dry run, in a read session
    plan = checked.value.result
    assert plan.dry_run and plan.ok and plan.cases == 15
    assert _count(database, Case) == 0
    # The file changes after the check (someone saves over it): what was checked and
    # shown is what is imported.
    path.write_text("reference,kind\nX-1,complaint\n", encoding="utf-8")
    done = run_operation(
        database, MANAGER, TODAY, imports.import_rows, checked.value.rows, str(path), False, True
    )
    assert done.value.ok and done.value.cases == 15 and not done.value.dry_run
    expected = {Change.CASES} | ({Change.REFERENCE_DATA} if plan.added_reference_data else set())
    assert done.changes.kinds == expected
    assert _count(database, Case) == 15
    with database.session() as session:
        makers = set(session.scalars(sa.select(Case.created_by)))
    assert makers == {"import:boss"}
    # Again, skipping what is there: nothing new, nothing reported.
    again = run_operation(
        database, MANAGER, TODAY, imports.import_rows, checked.value.rows, str(path), True, True
    )
    assert again.value.ok and again.value.cases == 0 and not again.changes
    # Again, not skipping: every reference is an error; nothing written, nothing reported.
    clash = run_operation(
        database, MANAGER, TODAY, imports.import_rows, checked.value.rows, str(path), False, True
    )
    assert clash.value.errors and not clash.changes
    assert _count(database, Case) == 15


def test_an_import_cancelled_part_way_writes_nothing(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crm_desktop.services.importer._INSERT_CHUNK", 4)  # rows per insert
    checked = run_operation(database, MANAGER, TODAY, imports.check_file, EXAMPLE, False, True)
    before = {table: _count(database, table) for table in (Case, Nature, User)}
    for at in (0, 1, 2, 4):  # before the check, before writing, then part way through it
        progress = CancelAt(at)
        with pytest.raises(Cancelled):
            run_operation(
                database, MANAGER, TODAY, imports.import_rows, checked.value.rows, "example",
                False, True, progress=progress,
            )  # fmt: skip
        assert {table: _count(database, table) for table in before} == before
    progress = CancelAt()
    run_operation(
        database, MANAGER, TODAY, imports.import_rows, checked.value.rows, "example",
        False, True, progress=progress,
    )  # fmt: skip
    texts = [text for _d, _t, text in progress.reports]
    assert texts[:2] == [f"Checking row 1 of {len(checked.value.rows)}…", "Preparing case 1 of 15…"]
    assert len(texts) > 4 and all(text.startswith("Writing case ") for text in texts[2:])
    assert texts[-1] == "Writing case 15 of 15…"
    assert _count(database, Case) == 15


# ----------------------------------------------------------------------------- admin


def test_admin_operations_report_the_data_they_change(database: Database) -> None:
    listed = run_operation(database, MANAGER, TODAY, admin.natures)
    assert listed.value and not listed.changes
    nature = run_operation(database, MANAGER, TODAY, admin.add_nature, "adult", "Charging")
    assert nature.changes.kinds == {Change.REFERENCE_DATA}
    day = run_operation(
        database, MANAGER, TODAY, admin.add_closure_day, dt.date(2025, 6, 4), "Staff training"
    )
    assert day.changes.kinds == {Change.CALENDAR}  # no open corporate clock moved
    user = run_operation(
        database, ADMIN, TODAY, admin.add_user, "tom", "officer", "Tom Hadley",
        PASSWORD, PASSWORD,
    )  # fmt: skip
    assert user.changes.kinds == {Change.USERS} and user.value.role == "officer"
    with database.session() as session:
        row = session.scalar(sa.select(User).where(User.username == "tom"))
        assert row is not None and row.updated_by == "admin"
    removed = run_operation(
        database, MANAGER, TODAY, admin.remove_closure_day, day.value.id, day.value.version
    )
    assert removed.changes.kinds == {Change.CALENDAR}
    # A row someone else removed meanwhile is not found, not "invalid input".
    with pytest.raises(NotFound):
        run_operation(database, MANAGER, TODAY, admin.remove_closure_day, day.value.id, 1)
    with pytest.raises(NotFound):
        run_operation(database, ADMIN, TODAY, admin.set_user_active, "nobody", False)


def test_enabling_and_disabling_keeps_an_administrator_and_ones_own_account(
    database: Database,
) -> None:
    """The command line's door (``set_user_active``) checks what the Admin page does:
    nobody disables their own account, the last active administrator stays enabled, and
    a manager changes no account at all."""

    def add(name: str, role: str) -> None:
        run_operation(
            database, ADMIN, TODAY, admin.add_user, name, role, name.title(), PASSWORD,
            PASSWORD,
        )  # fmt: skip

    def active() -> dict[str, bool]:
        with database.session() as session:
            return dict(session.execute(sa.select(User.username, User.active)).all())  # type: ignore[arg-type]

    add("boss", "manager")
    add("chief", "admin")
    add("deputy", "admin")
    add("officer1", "officer")
    before = active()
    chief, deputy = Actor("chief", UserRole.ADMIN), Actor("deputy", UserRole.ADMIN)
    with pytest.raises(ValidationError, match="cannot disable your own account"):
        run_operation(database, chief, TODAY, admin.set_user_active, "Chief", False)
    for name in ("officer1", "chief", "boss"):
        with pytest.raises(PermissionRefused, match="Ask an administrator"):
            run_operation(database, MANAGER, TODAY, admin.set_user_active, name, False)
    assert active() == before
    # Another administrator may; then the one left is the last, whoever asks.
    run_operation(database, chief, TODAY, admin.set_user_active, "deputy", False)
    with pytest.raises(ValidationError, match="chief is the last active administrator"):
        run_operation(database, deputy, TODAY, admin.set_user_active, "chief", False)
    assert active() == {**before, "deputy": False}
    # Enabling is never refused, nor disabling someone who is not an administrator.
    run_operation(database, chief, TODAY, admin.set_user_active, "deputy", True)
    run_operation(database, chief, TODAY, admin.set_user_active, "boss", False)
    run_operation(database, chief, TODAY, admin.set_user_active, "officer1", False)
    assert active() == {**before, "boss": False, "officer1": False}


def test_roles_without_admin_rights_change_nothing(database: Database) -> None:
    def state() -> tuple[int, int, int, list[ra.UserRow]]:
        with database.session() as session:
            return (
                _count(database, Nature),
                _count(database, ClosureDay),
                _count(database, User),
                ra.list_user_rows(session),
            )

    before = state()
    for actor in (OFFICER, INVESTIGATOR, RESPONDER):
        for op, args in (
            (admin.add_nature, ("adult", "Charging")),
            (admin.add_closure_day, (dt.date(2025, 6, 4), "Training")),
            (admin.add_user, ("tom", "manager", "Tom", PASSWORD, PASSWORD)),
            (admin.set_password, ("boss", PASSWORD)),
            (admin.grant_database_login, ("boss",)),
            (admin.user_accounts, ()),
        ):
            with pytest.raises(PermissionRefused):
                run_operation(database, actor, TODAY, op, *args)  # type: ignore[arg-type]
    # A manager changes reference data, but not users and roles.
    for op, args in (
        (admin.add_user, ("tom", "manager", "Tom", PASSWORD, PASSWORD)),
        (admin.set_password, ("boss", PASSWORD)),
        (admin.set_user_active, ("officer1", False)),
        (admin.user_accounts, ()),
    ):
        with pytest.raises(PermissionRefused):
            run_operation(database, MANAGER, TODAY, op, *args)  # type: ignore[arg-type]
    assert state() == before


# ----------------------------------------------------------------------- maintenance


def test_only_an_administrator_maintains_the_database(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "backup.db"
    for actor in (MANAGER, OFFICER, INVESTIGATOR, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, maintenance.back_up, out)
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, maintenance.restore_backup, out)
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, maintenance.load_demo_data, 5)
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, maintenance.check_database)
    assert not out.exists() and _count(database, Case) == 0
    progress = CancelAt()
    made = run_operation(database, ADMIN, TODAY, maintenance.back_up, out, progress=progress)
    assert made.value.path == out and progress.reports[-1][0] == progress.reports[-1][1]
    assert not made.changes
    assert run_operation(database, ADMIN, TODAY, maintenance.check_database).value.ok
    trail = run_operation(database, ADMIN, TODAY, maintenance.check_audit_trail).value
    assert trail.events > 0 and not trail.problems


def test_everyone_may_start_the_daily_check_once_a_day(database: Database) -> None:
    first = run_operation(database, INVESTIGATOR, TODAY, maintenance.daily_check)
    assert first.value is not None and first.value.ok and not first.changes
    assert run_operation(database, OFFICER, TODAY, maintenance.daily_check).value is None


def test_restore_over_a_damaged_database_keeps_the_damaged_file(
    database: Database, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup_file = tmp_path / "nightly.db"
    assert main(["--database", sqlite_url, "backup", str(backup_file)]) == 0
    database.dispose()
    live = Path(sqlite_url.removeprefix("sqlite:///"))
    damaged = b"SQLite format 3\x00" + b"\xde\xad" * 4000  # a header, then rubbish
    live.write_bytes(damaged)
    capsys.readouterr()
    assert main(["--database", sqlite_url, "restore", str(backup_file)]) == 0
    out = capsys.readouterr().out
    kept = next(tmp_path.glob("crm.replaced-*.db"))
    assert str(kept) in out and kept.read_bytes() == damaged
    connection = sqlite3.connect(live)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    assert not list(tmp_path.glob(".*.partial"))


def test_restore_refuses_a_file_that_is_not_a_backup_and_keeps_the_database(
    database: Database, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database.dispose()
    live = Path(sqlite_url.removeprefix("sqlite:///"))
    before = live.read_bytes()
    junk = tmp_path / "junk.db"
    junk.write_text("not a backup")
    assert main(["--database", sqlite_url, "restore", str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crm-desktop: ") and err.count("\n") == 1
    assert live.read_bytes() == before


def test_the_command_line_holds_a_named_user_to_their_role(
    database: Database, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def people(session: Session) -> None:
        add_user(session, "officer1", UserRole.OFFICER, password=PASSWORD)
        add_user(session, "boss", UserRole.MANAGER, password=PASSWORD)

    database.write(people)
    before = _count(database, User)
    code = main(
        ["--database", sqlite_url, "--as", "officer1", "user", "add", "eve", "--role", "admin",
         "--windows-account", "council\\eve"]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("crm-desktop: ") and err.count("\n") == 1
    assert _count(database, User) == before
    out = tmp_path / "copy.db"
    assert main(["--database", sqlite_url, "--as", "boss", "backup", str(out)]) == 2
    assert not out.exists()
    capsys.readouterr()
    export = tmp_path / "cases.csv"
    assert main(["--database", sqlite_url, "--as", "officer1", "export", "cases", "--out",
                 str(export)]) == 0  # fmt: skip
    assert export.read_text(encoding="utf-8-sig").startswith("reference,")


# ------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def officer_login(postgres_database: Database) -> Iterator[tuple[Database, str]]:
    suffix = uuid.uuid4().hex[:8]
    username = f"officer{suffix}"
    postgres_database.write(
        lambda s: add_user(s, username, UserRole.OFFICER, password=PASSWORD), actor="system"
    )
    role = postgres_database.write(lambda s: grant_login(s, username, None))
    try:
        yield postgres_database, role
    finally:
        owner = sa.create_engine(postgres_database.engine.url, isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            connection.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
            )
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        owner.dispose()


@pytest.mark.postgres
def test_an_officer_on_their_own_login_cannot_manage_users_or_reference_data(
    officer_login: tuple[Database, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database, role = officer_login
    url = make_url(database.url).set(username=role, password=None)
    as_officer = url.render_as_string(hide_password=False)
    before = _count(database, User)
    code = main(
        ["--database", as_officer, "user", "add", "eve", "--role", "admin",
         "--windows-account", "council\\eve"]
    )  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert _count(database, User) == before
    assert main(["--database", as_officer, "baseline", "template", "--year", "2021",
                 "--out", str(tmp_path / "t.csv")]) == 2  # fmt: skip
    assert not (tmp_path / "t.csv").exists()
    capsys.readouterr()
    assert main(["--database", as_officer, "export", "cases", "--out",
                 str(tmp_path / "c.csv")]) == 0  # fmt: skip
    assert (tmp_path / "c.csv").is_file()
