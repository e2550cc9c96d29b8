"""The program works under each user's own PostgreSQL login, end to end.

An investigator signs in over their own login, sees their cases, records progress and
hours, uploads their report and records it received; commands run with a user's own
login act as that user (``queue my-open`` needs no ``--user``); officers, managers and
service responders do their own work over theirs. Afterwards the owner's ``audit
verify`` finds the trail intact, every event in the name of the login that made it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_desktop.cli import main
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import Assignment, AuditEvent, Case, Person, ServiceArea, Stage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import AssignmentRole, AssignmentStatus, UserRole
from crm_desktop.errors import PermissionRefused
from crm_desktop.operations import investigators as inv_ops
from crm_desktop.operations import run_operation
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.users import SignInRefused, add_user, sign_in
from tests.factories import add_case

pytestmark = pytest.mark.postgres

PASSWORD = "a long password"
TODAY = dt.date(2025, 6, 2)


@dataclasses.dataclass
class Team:
    db: Database
    urls: dict[UserRole, str]
    names: dict[UserRole, str]
    mine: int
    closed: int
    accepted: int  # the investigator's accepted appointment on `mine`
    offered: int  # an offer to the investigator, on the same case


@pytest.fixture
def team(postgres_database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Team]:
    from crm_desktop.services import users

    monkeypatch.setattr(users, "_pause", lambda seconds: None)
    db = postgres_database

    def work(session: sa.orm.Session) -> dict[str, object]:
        area = session.scalar(sa.select(ServiceArea).where(ServiceArea.name == "Contact Centre"))
        assert area is not None
        mine = add_case(session, summary="Mine", area="Contact Centre")
        add_case(session, summary="Elsewhere", area="Network Control")
        closed = add_case(
            session, summary="Closed", area="Network Control", closed_on=dt.date(2018, 1, 8)
        )
        person = Person(full_name="Ivy Investigator", is_investigator=True, hourly_fee_pence=5000)
        session.add(person)
        session.flush()
        stage = session.scalar(sa.select(Stage.id).where(Stage.case_id == mine.id))
        accepted = Assignment(
            stage_id=stage,
            person_id=person.id,
            role=AssignmentRole.INVESTIGATING_OFFICER,
            status=AssignmentStatus.ACCEPTED,
            offered_on=dt.date(2025, 5, 1),
            responded_on=dt.date(2025, 5, 2),
        )
        offered = Assignment(
            stage_id=stage,
            person_id=person.id,
            role=AssignmentRole.INDEPENDENT_PERSON,
            status=AssignmentStatus.OFFERED,
            offered_on=dt.date(2025, 5, 1),
        )
        session.add_all([accepted, offered])
        names = {}
        for role in UserRole:
            name = f"{role.value.replace(' ', '')}.one"
            user = add_user(
                session,
                name,
                role,
                password=PASSWORD,
                person_id=person.id if role == UserRole.INVESTIGATOR else None,
            )
            names[role] = name
            if role == UserRole.OFFICER:
                mine.owner_id = user.id
            if role == UserRole.SERVICE_RESPONDER:
                session.execute(
                    sa.text("UPDATE app_user SET service_area_id = :a WHERE id = :u"),
                    {"a": area.id, "u": user.id},
                )
        session.flush()
        return {
            "mine": mine.id,
            "closed": closed.id,
            "accepted": accepted.id,
            "offered": offered.id,
            "names": names,
        }

    made = db.write(work, actor="builder")
    names: dict[UserRole, str] = made["names"]  # type: ignore[assignment]
    urls = {}
    for role, name in names.items():
        login = db.write(lambda s, n=name: grant_login(s, n, None))
        urls[role] = make_url(db.url).set(username=login).render_as_string(hide_password=False)
    yield Team(
        db,
        urls,
        names,
        int(made["mine"]),  # type: ignore[call-overload]
        int(made["closed"]),  # type: ignore[call-overload]
        int(made["accepted"]),  # type: ignore[call-overload]
        int(made["offered"]),  # type: ignore[call-overload]
    )


def audit_verify_as_owner(team: Team, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = main(["--database", team.db.url, "audit", "verify"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_an_investigator_works_under_their_own_login(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = team.names[UserRole.INVESTIGATOR]
    own = open_database(team.urls[UserRole.INVESTIGATOR])
    try:
        # Signing in: someone else's name, or a wrong password, is refused alike.
        with pytest.raises(SignInRefused, match="not right"):
            sign_in(own, team.names[UserRole.MANAGER], PASSWORD)
        with pytest.raises(SignInRefused, match="not right"):
            sign_in(own, name, "not the password")
        me = sign_in(own, name, PASSWORD)
        assert (me.username, me.role) == (name, UserRole.INVESTIGATOR)

        # My cases, and the one case's detail, all through the operations.
        def run(op, *args):  # type: ignore[no-untyped-def]
            return run_operation(own, me, TODAY, op, *args).value

        assert {c.case_id for c in run(inv_ops.my_cases)} == {team.mine}
        detail = run(inv_ops.my_case, team.mine)
        assert detail.summary == "Mine" and detail.assignment is not None
        # Answering an offer, progress and hours, the report uploaded and received.
        run(inv_ops.accept, team.offered)
        run(inv_ops.record_progress, team.accepted, "Met the team", 6.5)
        report = tmp_path / "Report.pdf"
        report.write_bytes(b"%PDF-1.4 the investigation report")
        run(inv_ops.upload_report, team.accepted, report, TODAY)
    finally:
        own.dispose()
    with team.db.session() as session:
        row = session.get(Assignment, team.accepted)
        assert row is not None
        assert (row.status, row.hours, row.fee_pence) == ("report received", 6.5, 32500)
        who = set(
            session.scalars(
                sa.select(AuditEvent.username).where(
                    AuditEvent.entity.in_(["assignment", "attachment"]),
                    AuditEvent.action != "create",
                )
            )
        ) | set(
            session.scalars(sa.select(AuditEvent.username).where(AuditEvent.entity == "attachment"))
        )
    assert who == {name}
    assert "The audit trail is intact" in audit_verify_as_owner(team, capsys)


def test_an_investigator_declines_their_only_offer_on_a_case_over_their_own_login(
    team: Team,
) -> None:
    """Declining the one appointment that let them see a case: the database stops
    showing them the case as the change is written, and the program still answers with
    the declined appointment (it had failed with an internal error)."""

    def offer(session: sa.orm.Session) -> int:
        case = add_case(session, summary="Offered only", area="Network Control")
        stage = session.scalar(sa.select(Stage.id).where(Stage.case_id == case.id))
        person = session.scalar(
            sa.select(Assignment.person_id).where(Assignment.id == team.offered)
        )
        only = Assignment(
            stage_id=stage,
            person_id=person,
            role=AssignmentRole.INVESTIGATING_OFFICER,
            status=AssignmentStatus.OFFERED,
            offered_on=dt.date(2025, 5, 1),
        )
        session.add(only)
        session.flush()
        return only.id

    only = team.db.write(offer, actor="builder")
    own = open_database(team.urls[UserRole.INVESTIGATOR])
    try:
        me = sign_in(own, team.names[UserRole.INVESTIGATOR], PASSWORD)
        assert len({c.case_id for c in run_operation(own, me, TODAY, inv_ops.my_cases).value}) == 2
        declined = run_operation(own, me, TODAY, inv_ops.decline, only, "Conflict of interest")
        assert declined.value.status == AssignmentStatus.DECLINED
        assert declined.value.reference and declined.value.case_id
        # The case is no longer theirs to see; their other case still is.
        assert {c.case_id for c in run_operation(own, me, TODAY, inv_ops.my_cases).value} == {
            team.mine
        }
    finally:
        own.dispose()
    with team.db.session() as session:
        row = session.get(Assignment, only)
        assert row is not None and (row.status, row.end_reason) == (
            "declined",
            "Conflict of interest",
        )


def test_commands_with_a_users_own_login_act_as_that_user(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    officer = team.urls[UserRole.OFFICER]
    # `queue my-open` needs no --user: the login says who.
    assert main(["--database", officer, "queue", "my-open", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    with team.db.session() as session:
        reference = session.scalar(sa.select(Case.reference).where(Case.id == team.mine))
    assert reference is not None and reference in out
    # Acting as someone else over one's own login is refused, in one line.
    assert (
        main(["--database", officer, "--as", team.names[UserRole.MANAGER], "queue", "my-open"]) == 2
    )
    err = capsys.readouterr().err
    assert "own database login" in err and err.count("\n") == 1
    # Managing users is an administrator's work, not an officer's nor a manager's:
    # refused before anything is written.
    for role in (UserRole.OFFICER, UserRole.MANAGER):
        assert (
            main(["--database", team.urls[role], "user", "disable", team.names[UserRole.OFFICER]])
            == 2
        )
        assert "cannot manage user accounts" in capsys.readouterr().err
    # An administrator's own login may, and the event is in the administrator's name.
    administrator = team.urls[UserRole.ADMIN]
    target = team.names[UserRole.SERVICE_RESPONDER]
    assert main(["--database", administrator, "user", "disable", target]) == 0
    with team.db.session() as session:
        who = session.scalar(
            sa.select(AuditEvent.username)
            .where(AuditEvent.entity == "app_user", AuditEvent.after.like('%"active": false%'))
            .order_by(AuditEvent.id.desc())
        )
    assert who == team.names[UserRole.ADMIN]
    assert "intact" in audit_verify_as_owner(team, capsys)


def test_an_administrators_own_login_keeps_their_account_and_the_last_administrator(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    """``user disable`` over an administrator's own login refuses their own account (the
    login would be switched off mid-command) and, like the Admin page, the last active
    administrator: over the owner's login too."""
    manager, administrator = team.names[UserRole.MANAGER], team.names[UserRole.ADMIN]
    own = team.urls[UserRole.ADMIN]
    capsys.readouterr()
    assert main(["--database", own, "user", "disable", administrator]) == 2
    err = capsys.readouterr().err
    assert "cannot disable your own account" in err and err.count("\n") == 1
    # A manager may go: an administrator stays.
    assert main(["--database", own, "user", "disable", manager]) == 0
    capsys.readouterr()
    assert main(["--database", team.db.url, "user", "disable", administrator]) == 2
    assert "last active administrator" in capsys.readouterr().err
    with team.db.engine.connect() as connection:
        state = dict(
            connection.execute(
                sa.text(
                    "SELECT u.username, u.active AND r.rolcanlogin FROM app_user u "
                    "JOIN pg_roles r ON r.rolname = u.db_role WHERE u.username IN (:m, :a)"
                ),
                {"m": manager, "a": administrator},
            ).all()  # type: ignore[arg-type]
        )
    assert state == {manager: False, administrator: True}
    # The administrator gives the manager their account back.
    assert main(["--database", own, "user", "enable", manager]) == 0


def test_staff_work_under_their_own_logins(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crm_desktop.correspondence.letters import Letter
    from crm_desktop.operations import correspondence as mail_ops
    from crm_desktop.operations import privacy as privacy_ops
    from crm_desktop.operations import run_operation
    from crm_desktop.privacy.equality import EqualityAnswers
    from crm_desktop.reports.figures import annual_report
    from tests.workflow_driver import STARTS, Driver

    def actor(role: UserRole, db: Database) -> Actor:
        return sign_in(db, team.names[role], PASSWORD)

    # An officer records and moves a case, and writes a letter.
    officer_db = open_database(team.urls[UserRole.OFFICER])
    try:
        officer = actor(UserRole.OFFICER, officer_db)
        driver = Driver(officer_db)
        handle = driver.create(STARTS[1])
        driver.give_point_outcomes(handle)
        result = run_operation(
            officer_db,
            officer,
            TODAY,
            mail_ops.send_letter,
            handle.case_id,
            Letter("acknowledgement"),
        ).value
        assert result.pdf.startswith(b"%PDF")
        # The annual report works over an officer's login; the equality answers, which
        # only managers may read, are left out of it and it says so.
        with officer_db.session() as session:
            report = annual_report(session, 2024)
        (equality,) = [s for s in report.sections if s.key == "equality"]
        assert equality.tables == () and "when a manager makes it" in equality.commentary
        assert report.notes and "audit trail up to event" in report.notes[0]
        # A manager's decision, made past the program's own checks: the database refuses
        # it, in the program's words.
        with pytest.raises(PermissionRefused, match="database login is not allowed"):
            officer_db.write(
                lambda s: s.execute(
                    sa.update(Case).where(Case.id == team.closed).values(legal_hold=True)
                ),
                actor=officer.username,
            )
    finally:
        officer_db.dispose()

    # A manager edits a template, records equality answers and runs the retention path.
    manager_db = open_database(team.urls[UserRole.MANAGER])
    try:
        manager = actor(UserRole.MANAGER, manager_db)
        (template,) = [
            t.text
            for t in run_operation(manager_db, manager, TODAY, mail_ops.templates_for_editing).value
            if t.text.key == "acknowledgement"
        ]
        run_operation(
            manager_db,
            manager,
            TODAY,
            mail_ops.save_template,
            "acknowledgement",
            "Thank you",
            "Dear {{ complainant.name }},\n",
            template.version,
        )
        with manager_db.session() as session:
            person = session.scalar(sa.select(Person.id).order_by(Person.id))
            closed = session.scalar(sa.select(Case.reference).where(Case.id == team.closed))
        assert person is not None and closed is not None
        run_operation(
            manager_db,
            manager,
            TODAY,
            privacy_ops.save_equality_answers,
            person,
            EqualityAnswers(sex="Female"),
        )
        form = run_operation(manager_db, manager, TODAY, privacy_ops.equality_answers, person).value
        assert form.answers is not None and form.answers.sex == "Female"
        # A closure day inside the officer's open corporate case's count re-times it,
        # through the manager's own login, and the moved date is in the manager's name.
        from crm_desktop.db.models import DueDateChange, Stage
        from crm_desktop.operations import admin as admin_ops

        added = run_operation(
            manager_db, manager, TODAY, admin_ops.add_closure_day, dt.date(2024, 3, 5), "Move"
        ).value
        assert added.stages_moved >= 1
        with manager_db.session() as session:
            moved_by = session.scalars(
                sa.select(DueDateChange.changed_by)
                .join(Stage, Stage.id == DueDateChange.stage_id)
                .where(Stage.case_id == handle.case_id, DueDateChange.cause == "calendar")
            ).all()
        assert moved_by and set(moved_by) == {manager.username}
        with manager_db.session() as session:
            (equality,) = [s for s in annual_report(session, 2024).sections if s.key == "equality"]
            assert equality.tables
        with team.db.session() as session:
            before_retention = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        run_operation(
            manager_db, manager, TODAY, privacy_ops.anonymise_case, closed, "Six years passed"
        )
        run_operation(
            manager_db, manager, TODAY, privacy_ops.delete_case, closed, "Six years passed"
        )
    finally:
        manager_db.dispose()
    with team.db.session() as session:
        assert session.get(Case, team.closed) is None
        trail = " ".join(
            f"{b} {a}"
            for b, a in session.execute(
                sa.select(AuditEvent.before, AuditEvent.after).where(
                    AuditEvent.case_id == team.closed, AuditEvent.id > before_retention
                )
            )
        )
    # The retention path recorded the rows it cleared and deleted, never their values.
    assert "Closed" not in trail and "A. Example" not in trail and "[withheld]" in trail

    # A service responder sees and writes to their own area's cases only.
    responder_db = open_database(team.urls[UserRole.SERVICE_RESPONDER])
    try:
        responder = actor(UserRole.SERVICE_RESPONDER, responder_db)
        with responder_db.session() as session:
            seen = set(session.scalars(sa.select(Case.id)))
        with team.db.session() as session:
            every = dict(session.execute(sa.select(Case.id, Case.service_area_id)).all())
        area = every[team.mine]
        assert seen == {case for case, where in every.items() if where == area}
        assert len(every) > len(seen)
        result = run_operation(
            responder_db,
            responder,
            TODAY,
            mail_ops.send_letter,
            team.mine,
            Letter("acknowledgement"),
        ).value
        assert result.pdf.startswith(b"%PDF")
    finally:
        responder_db.dispose()
    assert "intact" in audit_verify_as_owner(team, capsys)


def test_every_staff_login_opens_a_case_and_the_access_log_has_it(team: Team) -> None:
    """Opening a case (as the case window does) writes who opened it to the access log,
    which only managers may read: the write must not need to read the row back."""
    from crm_desktop.db.models_privacy import CaseAccess
    from crm_desktop.operations import cases as case_ops

    staff = [r for r in UserRole if r != UserRole.INVESTIGATOR]
    for role in staff:
        own = open_database(team.urls[role])
        try:
            user = sign_in(own, team.names[role], PASSWORD)
            detail = run_operation(own, user, TODAY, case_ops.open_case, team.mine).value
            assert detail.id == team.mine
        finally:
            own.dispose()
    with team.db.session() as session:
        opened = session.execute(
            sa.select(CaseAccess.username, CaseAccess.role).where(CaseAccess.case_id == team.mine)
        ).all()
    assert sorted(opened) == sorted((team.names[r], r.value) for r in staff)


def test_an_administrator_adds_users_over_their_own_login_but_renames_nobody(
    team: Team,
) -> None:
    """Over their own login an administrator adds a user (but renames nobody: the name
    the trail writes events under); a manager's login adds nobody, whatever the program
    it runs: the database refuses it."""
    from crm_desktop.db.models import User

    admin_db = open_database(team.urls[UserRole.ADMIN])
    manager_db = open_database(team.urls[UserRole.MANAGER])
    try:
        administrator = sign_in(admin_db, team.names[UserRole.ADMIN], PASSWORD)
        made = admin_db.write(
            lambda s: add_user(s, "newcomer", UserRole.OFFICER, password=PASSWORD),
            actor=administrator.username,
        )
        assert made.username == "newcomer"
        with pytest.raises(PermissionRefused, match="database login is not allowed"):
            admin_db.write(
                lambda s: s.execute(
                    sa.update(User).where(User.username == "newcomer").values(username="n2")
                ),
                actor=administrator.username,
            )
        with pytest.raises(PermissionRefused, match="database login is not allowed"):
            manager_db.write(
                lambda s: add_user(s, "newcomer2", UserRole.OFFICER, password=PASSWORD),
                actor=team.names[UserRole.MANAGER],
            )
    finally:
        admin_db.dispose()
        manager_db.dispose()
    with team.db.session() as session:
        names = set(session.scalars(sa.select(User.username)))
    assert "newcomer" in names and "newcomer2" not in names


def test_windows_sign_in_over_an_own_login_is_that_user_only(team: Team) -> None:
    from crm_desktop.services.users import authenticate_windows

    with team.db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE app_user SET windows_account = :a WHERE username = :u"),
            {"a": "council\\boss", "u": team.names[UserRole.MANAGER]},
        )
    officer_db = open_database(team.urls[UserRole.OFFICER])
    try:
        with officer_db.session() as session, pytest.raises(SignInRefused):
            authenticate_windows(session, "council\\boss")
    finally:
        officer_db.dispose()
    manager_db = open_database(team.urls[UserRole.MANAGER])
    try:
        with manager_db.session() as session:
            actor = authenticate_windows(session, "council\\boss")
        assert actor.username == team.names[UserRole.MANAGER]
    finally:
        manager_db.dispose()


def test_an_officer_takes_every_kind_of_case_through_its_procedure_over_their_own_login(
    team: Team,
) -> None:
    """Every action the workflow offers below a manager, on every kind of case, from its
    receipt through each stage and the Ombudsman to closing, works over an officer's own
    login: what the database keeps a manager's (a closed stage's dates and outcomes, see
    migration 0024) is nothing the program changes in an officer's work."""
    from tests.core.test_stage_states import longest_paths
    from tests.workflow_driver import STARTS, Driver, paths

    officer_db = open_database(team.urls[UserRole.OFFICER])
    try:
        driver = Driver(officer_db)
        walked = 0
        for start in STARTS:
            longest = set(longest_paths(start))
            for node, path in paths(start).items():
                if tuple(path) not in longest:
                    continue
                handle = driver.walk(start, path)
                assert driver.state(handle) == node, (start.name, path)
                walked += len(path)
        assert walked > 50
    finally:
        officer_db.dispose()


def test_a_manager_reopens_and_regrades_over_their_own_login(team: Team) -> None:
    """A manager's own login takes every kind of case to closed and reopens it, and
    regrades an adult complaint: the decisions the database keeps a manager's are theirs
    through the program."""
    from crm_desktop.domain.workflow import Action, State
    from tests.core.test_stage_states import walks
    from tests.workflow_driver import Driver

    manager_db = open_database(team.urls[UserRole.MANAGER])
    try:
        driver = Driver(manager_db)
        chosen = [(start, path) for start, path in walks() if Action.REOPEN in path]
        chosen += [(start, path) for start, path in walks() if Action.REGRADE in path]
        assert len(chosen) > len({start for start, _ in chosen})
        for start, path in chosen:
            handle = driver.walk(start, list(path))
            if path[-1] == Action.REOPEN:
                assert driver.state(handle)[1] != State.CLOSED, (start.name, path)
    finally:
        manager_db.dispose()


def test_user_accounts_are_managed_over_an_own_login(team: Team) -> None:
    """An administrator's own login edits a user (whether the user has a password is
    asked of the database: the hash is the owner's), and is told plainly that giving a
    user a login of their own is the owner's login's work."""
    role = UserRole.ADMIN
    from crm_desktop.db.models import User
    from crm_desktop.errors import ValidationError
    from crm_desktop.operations import admin as admin_ops

    def make(session: sa.orm.Session) -> None:
        add_user(session, "pat.password", UserRole.OFFICER, password=PASSWORD)
        add_user(session, "wyn.windows", UserRole.OFFICER, windows_account=r"COUNCIL\wyn")

    team.db.write(make, actor="builder")
    with team.db.session() as session:
        users = {
            u.username: (u.id, u.version)
            for u in session.scalars(
                sa.select(User).where(User.username.in_(["pat.password", "wyn.windows"]))
            )
        }
    own = open_database(team.urls[role])
    try:
        me = sign_in(own, team.names[role], PASSWORD)
        edited = run_operation(
            own, me, TODAY, admin_ops.update_user, *users["pat.password"], "Pat", "officer", True
        ).value
        assert edited.display_name == "Pat" and edited.windows_account is None
        # A user with no password keeps a Windows account: taking it away is refused.
        with pytest.raises(ValidationError, match="no password, so they need a Windows"):
            run_operation(
                own, me, TODAY, admin_ops.update_user, *users["wyn.windows"], "Wyn", "officer", True
            )
        with pytest.raises(PermissionRefused, match="Only the database owner's login"):
            run_operation(own, me, TODAY, admin_ops.grant_database_login, "pat.password")
    finally:
        own.dispose()
    with team.db.session() as session:
        wyn = session.scalar(sa.select(User).where(User.username == "wyn.windows"))
        assert wyn is not None and wyn.display_name != "Wyn" and wyn.windows_account


def test_an_officer_ends_a_suspended_stage_over_their_own_login(team: Team) -> None:
    """Ending a stage while its clock is suspended ends the suspension that day: the one
    change of a closed stage's suspensions the database leaves below a manager
    (crm_closed_stage_rows, migration 0029), as the program makes it."""
    from crm_desktop.db.models import StageSuspension
    from crm_desktop.domain.workflow import Action, State
    from tests.workflow_driver import STARTS, Driver, paths

    officer_db = open_database(team.urls[UserRole.OFFICER])
    try:
        driver = Driver(officer_db)
        ended = 0
        for start in STARTS[:2]:  # children's and corporate complaints
            to_suspend = min(
                (p for p in paths(start).values() if p and p[-1] == Action.SUSPEND), key=len
            )
            for last in (Action.WITHDRAW, Action.DISCONTINUE):
                handle = driver.walk(start, [*to_suspend, last])
                assert driver.state(handle)[1] == State.ENDED, (start.name, last)
                with officer_db.session() as session:
                    ends = session.scalars(
                        sa.select(StageSuspension.ends_on)
                        .join(Stage, Stage.id == StageSuspension.stage_id)
                        .where(Stage.case_id == handle.case_id)
                    ).all()
                assert ends and all(day is not None for day in ends), (start.name, last)
                ended += 1
        assert ended == 4
    finally:
        officer_db.dispose()


def test_an_administrators_own_sql_keeps_their_account_and_the_last_administrator(
    team: Team,
) -> None:
    """What ``user disable`` refuses, the database refuses to a login's own SQL too: an
    administrator's login switching off its own account, and the last active
    administrator disabled, demoted or removed; a manager's login changes no account but
    its own password and sign-ins (only an administrator changes users and roles). Each
    is refused and leaves the accounts as they were; an administrator may still disable
    a manager and enable them again."""
    from tests.core.test_row_level_security import INSUFFICIENT_PRIVILEGE

    manager = team.names[UserRole.MANAGER]

    def accounts() -> dict[str, bool]:
        with team.db.engine.connect() as connection:
            return dict(
                connection.execute(sa.text("SELECT username, active FROM app_user")).all()  # type: ignore[arg-type]
            )

    def refused(role: UserRole, *statements: str) -> str:
        engine = sa.create_engine(team.urls[role])
        try:
            with engine.connect() as connection:
                try:
                    for statement in statements:
                        connection.execute(sa.text(statement))
                    connection.commit()
                except sa.exc.DBAPIError as exc:
                    connection.rollback()
                    assert getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, exc
                    return str(exc.orig)
        finally:
            engine.dispose()
        pytest.fail(f"allowed: {statements}")

    before = accounts()
    own = "UPDATE app_user SET active = false WHERE db_role = session_user"
    assert "disable their own account" in refused(UserRole.ADMIN, own)
    for statement in (
        own,
        f"UPDATE app_user SET role = 'admin' WHERE username = '{manager}'",
        "UPDATE app_user SET active = false WHERE role = 'admin'",
    ):
        assert "permission denied" in refused(UserRole.MANAGER, statement)
    # The administrator disables every other administrator, then the last one goes too.
    others = (
        "UPDATE app_user SET active = false WHERE role = 'admin' "
        "AND db_role IS DISTINCT FROM session_user"
    )
    assert "the last active administrator" in refused(
        UserRole.ADMIN, others, "UPDATE app_user SET role = 'manager' WHERE db_role = session_user"
    )
    assert accounts() == before
    # An administrator's login may disable a manager, and enable them again.
    engine = sa.create_engine(team.urls[UserRole.ADMIN])
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE app_user SET active = false WHERE username = :m"), {"m": manager}
            )
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE app_user SET active = true WHERE username = :m"), {"m": manager}
            )
    finally:
        engine.dispose()
    assert accounts() == before


def test_a_logins_own_session_defaults_do_not_change_how_the_program_works(
    team: Team,
) -> None:
    """Any login may set its own session defaults (ALTER ROLE ... SET): a search path
    that finds no table, a stricter isolation level (at which the server refuses a stage
    added below a manager), read-only transactions, row-level security off. The program
    starts its sessions with its own, and an officer takes a case from receipt to
    Stage 2 as before."""
    from crm_desktop.domain.enums import Kind, Procedure, StageCode
    from crm_desktop.domain.workflow import Action
    from tests.workflow_driver import STARTS, Driver, paths

    login = make_url(team.urls[UserRole.OFFICER]).username
    settings = {
        "search_path": "'nowhere'",
        "default_transaction_isolation": "'repeatable read'",
        "default_transaction_read_only": "on",
        "row_security": "off",
    }
    with team.db.engine.begin() as connection:
        for name, value in settings.items():
            connection.exec_driver_sql(f'ALTER ROLE "{login}" SET {name} = {value}')
    officer_db = open_database(team.urls[UserRole.OFFICER])
    try:
        with officer_db.engine.connect() as connection:
            shown = {name: connection.exec_driver_sql(f"SHOW {name}").scalar() for name in settings}
        assert shown == {
            "search_path": "public",
            "default_transaction_isolation": "read committed",
            "default_transaction_read_only": "off",
            "row_security": "on",
        }
        corporate = next(
            s for s in STARTS if (s.kind, s.procedure) == (Kind.COMPLAINT, Procedure.CORPORATE)
        )
        node, path = next(
            (node, path)
            for node, path in paths(corporate).items()
            if node[0] == StageCode.STAGE_2 and Action.ESCALATE in path
        )
        driver = Driver(officer_db)
        handle = driver.walk(corporate, path)
        assert driver.state(handle) == node
    finally:
        officer_db.dispose()
        with team.db.engine.begin() as connection:
            for name in settings:
                connection.exec_driver_sql(f'ALTER ROLE "{login}" RESET {name}')


@pytest.mark.parametrize("role", [UserRole.OFFICER, UserRole.MANAGER, UserRole.INVESTIGATOR])
def test_a_user_changes_their_own_password_over_their_own_login(team: Team, role: UserRole) -> None:
    """Only an administrator changes users, but every user's own login changes its own
    password (the database lets a login write its own account's hash, as the program's
    Argon2id hash only); the trail names them."""
    from crm_desktop.operations import admin as admin_ops

    own = open_database(team.urls[role])
    try:
        me = sign_in(own, team.names[role], PASSWORD)
        run_operation(
            own, me, TODAY, admin_ops.change_own_password, PASSWORD, "quiet orange kettle",
            "quiet orange kettle",
        )  # fmt: skip
        assert sign_in(own, team.names[role], "quiet orange kettle").username == me.username
        run_operation(
            own, me, TODAY, admin_ops.change_own_password, "quiet orange kettle", PASSWORD,
            PASSWORD,
        )  # fmt: skip
    finally:
        own.dispose()
    with team.db.session() as session:
        who = session.scalars(
            sa.select(AuditEvent.username).where(
                AuditEvent.entity == "app_user", AuditEvent.after.like('%"password_hash"%')
            )
        ).all()
    assert who.count(team.names[role]) >= 2
