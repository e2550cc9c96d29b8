"""Users: Argon2id passwords, roles, sign-in with lockout, the user command."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from crm_desktop.cli import main
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import Directorate, ServiceArea, User
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import ValidationError
from crm_desktop.services import users
from crm_desktop.services.users import (
    MAX_FAILURES,
    REFUSAL_SECONDS,
    REFUSED,
    SignInRefused,
    add_user,
    authenticate_windows,
    check_password_rules,
    set_active,
    set_password,
    sign_in,
)

PASSWORD = "correct horse battery"


class FakeClock:
    """Time that passes only when sign-in waits: what a refusal takes, measured."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(users, "_clock", fake)
    monkeypatch.setattr(users, "_pause", fake.pause)
    return fake


def timed(clock: FakeClock, attempt: Callable[[], object]) -> tuple[str, float]:
    """The message of a refused sign-in and how long it took."""
    started = clock.now
    with pytest.raises(SignInRefused) as refused:
        attempt()
    return refused.value.message, clock.now - started


def test_passwords_are_stored_as_argon2id_hashes(database: Database) -> None:
    database.write(lambda s: add_user(s, "Officer1", UserRole.OFFICER, password=PASSWORD))
    with database.session() as session:
        stored = session.scalar(sa.select(User.password_hash).where(User.username == "officer1"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    actor = sign_in(database, "OFFICER1 ", PASSWORD)
    assert (actor.username, actor.role) == ("officer1", UserRole.OFFICER)


def test_wrong_passwords_lock_the_account_and_the_count_is_kept(database: Database) -> None:
    database.write(lambda s: add_user(s, "officer2", UserRole.OFFICER, password=PASSWORD))
    now = dt.datetime(2024, 3, 14, 9, 0)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused, match="username or password is not right"):
            sign_in(database, "officer2", "wrong password!", now)
    with pytest.raises(SignInRefused, match="locked after 5 wrong passwords"):
        sign_in(database, "officer2", PASSWORD, now + dt.timedelta(minutes=1))
    actor = sign_in(database, "officer2", PASSWORD, now + dt.timedelta(minutes=16))
    assert actor.username == "officer2"


def test_unknown_users_and_disabled_accounts(database: Database) -> None:
    with pytest.raises(SignInRefused, match="username or password is not right"):
        sign_in(database, "nobody", PASSWORD)
    database.write(lambda s: add_user(s, "leaver", UserRole.OFFICER, password=PASSWORD))
    database.write(lambda s: set_active(s, "leaver", False))
    with pytest.raises(SignInRefused, match="disabled"):
        sign_in(database, "leaver", PASSWORD)


def test_windows_account_sign_in(database: Database) -> None:
    database.write(
        lambda s: add_user(s, "jbloggs", UserRole.MANAGER, windows_account="COUNCIL\\JBloggs")
    )
    with database.session() as session:
        actor = authenticate_windows(session, "council\\jbloggs")
    assert actor.role == UserRole.MANAGER and actor.is_manager
    with database.session() as session, pytest.raises(SignInRefused, match="No CRM Desktop user"):
        authenticate_windows(session, "COUNCIL\\someone")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "x", "role": "officer", "password": PASSWORD}, "2 to 80"),
        ({"username": "ok1", "role": "wizard", "password": PASSWORD}, "'wizard' is not a role"),
        ({"username": "ok2", "role": "officer", "password": "short"}, "at least 12"),
        ({"username": "ok2", "role": "officer", "password": "eleven char"}, "at least 12"),
        ({"username": "ok5", "role": "officer", "password": "password1234"}, "most common"),
        ({"username": "ok3", "role": "officer"}, "password or a Windows account"),
        ({"username": "ok4", "role": "investigator", "password": PASSWORD}, "linked to their"),
        # Reminders would go to '"bad mail"@council'.
        (
            {"username": "ok6", "role": "officer", "password": PASSWORD, "email": "bad mail@x"},
            "'bad mail@x' is not an email address",
        ),
        (
            {"username": "ok7", "role": "officer", "password": PASSWORD, "email": "a@b"},
            "is not an email address",
        ),
    ],
)
def test_bad_users_are_refused(database: Database, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        database.write(lambda s: add_user(s, **kwargs))  # type: ignore[arg-type]
    with database.session() as session:
        assert session.scalar(sa.select(User.id).where(User.username == kwargs["username"])) is None


def test_user_command(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(
            [
                "--database",
                sqlite_url,
                "user",
                "add",
                "manager1",
                "--role",
                "admin",
                "--name",
                "Team Manager",
                "--password-stdin",
            ]
        )
        == 0
    )
    assert "Added manager1 (admin)." in capsys.readouterr().out
    assert main(["--database", sqlite_url, "user", "list"]) == 0
    assert "manager1\tadmin\tactive\tlast signed in never\tTeam Manager" in (
        capsys.readouterr().out
    )
    # The only administrator stays enabled (as on the Admin page): nobody could change
    # users and roles.
    assert main(["--database", sqlite_url, "user", "disable", "manager1"]) == 2
    assert "manager1 is the last active administrator" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(
            [
                *("--database", sqlite_url, "user", "add", "manager2"),
                *("--role", "admin", "--password-stdin"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--database", sqlite_url, "user", "disable", "manager1"]) == 0
    assert "manager1 is now disabled." in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(
        [
            "--database",
            sqlite_url,
            "user",
            "add",
            "manager1",
            "--role",
            "manager",
            "--password-stdin",
        ]
    )
    assert code == 2
    assert "already a user called manager1" in capsys.readouterr().err


def test_user_add_gives_a_service_responder_their_area_by_name(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def add(username: str, *extra: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        return main(
            [
                *("--database", sqlite_url, "user", "add", username),
                *("--role", "service responder", "--password-stdin", *extra),
            ]
        )

    assert add("responder1") == 2
    assert "Choose the service area whose cases" in capsys.readouterr().err
    assert add("responder1", "--service-area", "No Such Area") == 2
    refused = capsys.readouterr().err
    assert "There is no service area called No Such Area. Give one of:" in refused
    assert "Contact Centre" in refused
    assert add("responder1", "--service-area", " contact   centre ") == 0
    assert "Added responder1 (service responder)." in capsys.readouterr().out
    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            area = session.scalar(
                sa.select(ServiceArea.name)
                .join(User, User.service_area_id == ServiceArea.id)
                .where(User.username == "responder1")
            )
    finally:
        database.dispose()
    assert area == "Contact Centre"
    # Two directorates' areas of one name: each is named with its procedure and
    # directorate, and can be given so.
    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            first = session.scalar(
                sa.select(ServiceArea).where(ServiceArea.name == "Contact Centre")
            )
            assert first is not None and first.directorate_id is not None
            other = session.scalar(
                sa.select(Directorate).where(Directorate.id != first.directorate_id).limit(1)
            )
            assert other is not None
            twin, directorate = (first.procedure, other.id), other.name
        database.write(
            lambda s: s.add(
                ServiceArea(procedure=twin[0], directorate_id=twin[1], name="Contact Centre")
            ),
            actor="setup",
        )
    finally:
        database.dispose()
    assert add("responder2", "--service-area", "Contact Centre") == 2
    refused = capsys.readouterr().err
    assert "More than one service area is called Contact Centre" in refused
    assert f"Contact Centre (Corporate, {directorate})" in refused
    assert add("responder2", "--service-area", f"contact centre (corporate, {directorate})") == 0
    capsys.readouterr()
    # An area given for another role is refused, not ignored.
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(
        [
            *("--database", sqlite_url, "user", "add", "officer9", "--role", "officer"),
            *("--password-stdin", "--service-area", "Contact Centre"),
        ]
    )
    assert code == 2
    assert "Only a service responder's account has a service area" in capsys.readouterr().err


def test_no_service_area_in_use_says_where_to_add_one() -> None:
    from crm_desktop.services.reference_admin import AccountChoices, responder_area

    with pytest.raises(ValidationError, match="no service areas in use yet"):
        responder_area(AccountChoices([], []), "Contact Centre")


@pytest.mark.parametrize(
    "password",
    ["1234567890", "aaaaaaaaaa", "qwertyuiop12", "Password1234", "iloveyou1234", " padded pass "],
)
def test_short_common_and_padded_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError, match=r"at least 12|most common|start or end"):
        check_password_rules(password)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaaaaa", "one character repeated"),
        ("bbbbbbbbbbbbbbbbbbbbbbbb", "one character repeated"),
        # A common password with an invisible character in it, or in full-width letters,
        # reads the same.
        ("password1234\u200b", "most common"),
        ("\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13\uff14", "most common"),
        # Twelve characters counting an invisible one are eleven as read.
        ("elevenchars\u200b", "at least 12"),
    ],
)
def test_a_password_is_judged_as_it_reads(password: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        check_password_rules(password)


def test_a_password_holding_the_accounts_name_or_the_demo_password_is_refused(
    database: Database,
) -> None:
    for password in ("alexandra.jones", "ALEXANDRA.JONES", "alexandra.jones2024!"):
        with pytest.raises(ValidationError, match="username"):
            database.write(
                lambda s, p=password: add_user(
                    s, "alexandra.jones", UserRole.OFFICER, display_name="Ali Jones", password=p
                )
            )
    with pytest.raises(ValidationError, match=r"account.s (username|name) "):
        database.write(
            lambda s: add_user(
                s,
                "ajones",
                UserRole.OFFICER,
                display_name="Ali Jones",
                password="Ali Jones rocks 1",
            )
        )
    with pytest.raises(ValidationError, match="demo accounts' password"):
        database.write(
            lambda s: add_user(s, "ajones", UserRole.OFFICER, password="malvern-hills-demo")
        )
    database.write(
        lambda s: add_user(
            s, "ajones", UserRole.OFFICER, display_name="Ali Jones", password=PASSWORD
        )
    )
    for password in ("ajones-at-the-council", "malvern-hills-demo"):
        with pytest.raises(ValidationError, match=r"username|demo accounts"):
            database.write(lambda s, p=password: set_password(s, "ajones", p))
    with database.session() as session:
        user = session.scalar(sa.select(User).where(User.username == "ajones"))
        assert user is not None and users._hasher.verify(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("username", "display_name", "password", "held"),
    [
        ("bob", "Bob Hale", "bobcat river lantern", None),  # "bob" is not a word of it
        ("bob", "Bob Hale", "this bob sleeps 12", "username (bob)"),
        ("bob", "Bob Hale", "bob-is-my-name-12", "username (bob)"),
        ("bob", "Bob Hale", "my name is bobhale!", "name (Bob Hale)"),
        ("sam", "Sam Lee", "this ample garden", None),
        ("alexandra.jones", "Alexandra Jones", "Alexandra Jones 2024", "username"),
        ("alexandra.jones", "Alexandra Jones", "alexandra_jones_2024", "username"),
        ("alexandra.jones", "Alexandra Jones", "lexa and the jones lot", None),
    ],
)
def test_a_password_holds_a_name_only_where_it_would_be_guessed(
    username: str, display_name: str, password: str, held: str | None
) -> None:
    if held is None:
        check_password_rules(password, (username, display_name))
        return
    with pytest.raises(ValidationError, match=re.escape(f"hold the account's {held}")):
        check_password_rules(password, (username, display_name))


def test_the_common_password_list_is_the_one_shipped() -> None:
    common = users.common_passwords()
    # Only the entries long enough to pass the length rule are kept in memory.
    assert all(len(word) >= users.MIN_PASSWORD_LENGTH for word in common)
    assert {"password1234", "qwertyuiop12", "1q2w3e4r5t6y"} <= common
    check_password_rules("correct horse battery staple")


def test_every_refusal_says_the_same_and_takes_as_long(
    database: Database, clock: FakeClock
) -> None:
    """Whoever asks without the right password learns nothing about the account: not
    whether it exists, is disabled or is locked, from the words or from the time."""
    now = dt.datetime(2024, 3, 14, 9, 0)
    for name in ("active1", "leaver1", "locked1"):
        database.write(lambda s, n=name: add_user(s, n, UserRole.OFFICER, password=PASSWORD))
    database.write(lambda s: set_active(s, "leaver1", False))
    for _ in range(MAX_FAILURES):
        timed(clock, lambda: sign_in(database, "locked1", "wrong password!", now))
    wrong = [
        timed(clock, lambda n=name: sign_in(database, n, "wrong password!", now))
        for name in ("nobody", "active1", "leaver1", "locked1")
    ]
    assert wrong == [(REFUSED, REFUSAL_SECONDS)] * 4
    # The account's state is said only to someone who gave its right password (and
    # still takes the same time).
    disabled = timed(clock, lambda: sign_in(database, "leaver1", PASSWORD, now))
    locked = timed(clock, lambda: sign_in(database, "locked1", PASSWORD, now))
    assert disabled == ("This account is disabled. Ask an administrator to enable it.", 1.0)
    assert locked[0].startswith("This account is locked") and locked[1] == REFUSAL_SECONDS
    started = clock.now
    assert sign_in(database, "active1", PASSWORD, now).username == "active1"
    assert clock.now == started  # a right password does not wait


def test_password_hashes_never_reach_the_audit_trail(database: Database) -> None:
    from crm_desktop.db.models import AuditEvent

    database.write(lambda s: add_user(s, "hashless", UserRole.OFFICER, password=PASSWORD))
    database.write(lambda s: set_password(s, "hashless", "another long password"))
    with database.session() as session:
        stored = session.scalar(sa.select(User.password_hash).where(User.username == "hashless"))
        trail = session.execute(
            sa.select(AuditEvent.action, AuditEvent.before, AuditEvent.after).where(
                AuditEvent.entity == "app_user"
            )
        ).all()
    assert stored is not None and trail
    text = " ".join(f"{b} {a}" for _, b, a in trail)
    assert "$argon2" not in text and stored not in text
    changed = [a for action, _, a in trail if action == "update"]
    assert changed and '"password_hash": "[withheld]"' in changed[-1]


@pytest.mark.postgres
def test_two_administrators_disabling_each_other_at_once_leave_one(
    postgres_database: Database,
) -> None:
    """The last active administrator stays even when two disable each other at the same
    moment: the second waits for the first to commit, then finds itself the last."""
    import threading

    from crm_desktop.domain.access import Actor

    db = postgres_database
    db.write(lambda s: [add_user(s, n, UserRole.ADMIN, password=PASSWORD) for n in ("ann", "bob")])
    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def ann_disables_bob(session: sa.orm.Session) -> None:
        set_active(session, "bob", False, Actor("ann", UserRole.ADMIN))
        holding.set()
        assert release.wait(30)

    def bob_disables_ann() -> None:
        try:
            db.write(lambda s: set_active(s, "ann", False, Actor("bob", UserRole.ADMIN)))
            outcome["bob"] = "disabled ann"
        except ValidationError as exc:
            outcome["bob"] = exc.message

    first = threading.Thread(target=lambda: db.write(ann_disables_bob))
    first.start()
    assert holding.wait(30)
    second = threading.Thread(target=bob_disables_ann)
    second.start()
    # Bob's save is waiting for Ann's to end (her rows are locked) before it counts.
    with db.engine.connect() as connection:
        for _ in range(200):
            waiting = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).scalar()
            if waiting:
                break
            threading.Event().wait(0.05)
    release.set()
    first.join(30)
    second.join(30)
    last = (
        "ann is the last active administrator: give someone else the administrator role "
        "first, or nobody could change users and roles."
    )
    assert outcome == {"bob": last}
    with db.session() as session:
        active = dict(session.execute(sa.select(User.username, User.active)).all())  # type: ignore[arg-type]
    assert active == {"ann": True, "bob": False}


@pytest.mark.parametrize(
    "role", [UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.INVESTIGATOR, UserRole.MANAGER]
)
def test_everyone_changes_their_own_password_knowing_the_current_one(
    database: Database, role: UserRole
) -> None:
    """Changing users is an administrator's, but everyone changes their own password:
    the current one first (not someone at a desk left signed in), then the new one
    twice, keeping the rules; a refusal changes nothing."""
    from crm_desktop.db.models import Person
    from crm_desktop.domain.access import Actor
    from crm_desktop.errors import PermissionRefused
    from crm_desktop.operations import admin, run_operation

    def make(session: sa.orm.Session) -> int:
        person = None
        if role == UserRole.INVESTIGATOR:
            person = Person(full_name="Ivy Investigator", is_investigator=True)
            session.add(person)
            session.flush()
        area = None
        if role == UserRole.SERVICE_RESPONDER:
            area = session.scalar(sa.select(ServiceArea.id).limit(1))
        made = add_user(
            session,
            "pat.jones",
            role,
            display_name="Pat Jones",
            password=PASSWORD,
            person_id=None if person is None else person.id,
        )
        user = session.get(User, made.id)
        assert user is not None
        user.service_area_id = area
        return made.id

    user_id = database.write(make)
    me = Actor("pat.jones", role, user_id, "Pat Jones")
    today = dt.date(2026, 12, 7)

    def change(current: str, new: str, confirm: str) -> None:
        run_operation(database, me, today, admin.change_own_password, current, new, confirm)

    for current, new, confirm, why in (
        ("not my password", "quiet orange kettle", "quiet orange kettle", "current password"),
        (PASSWORD, "quiet orange kettle", "quiet orange kettles", "not the same"),
        (PASSWORD, PASSWORD, PASSWORD, "the one you have now"),
        (PASSWORD, "pat jones the great", "pat jones the great", "name"),
        (PASSWORD, "password1234", "password1234", "most common"),
    ):
        with pytest.raises(ValidationError, match=why):
            change(current, new, confirm)
    assert sign_in(database, "pat.jones", PASSWORD).username == "pat.jones"
    change(PASSWORD, "quiet orange kettle", "quiet orange kettle")
    assert sign_in(database, "pat.jones", "quiet orange kettle").user_id == user_id
    with pytest.raises(SignInRefused):
        sign_in(database, "pat.jones", PASSWORD)
    # Someone else's password is still an administrator's to set.
    with pytest.raises(PermissionRefused):
        run_operation(database, me, today, admin.set_password, "pat.jones", "a whole new one")


def test_an_account_with_no_password_is_told_to_ask_an_administrator(
    database: Database,
) -> None:
    from crm_desktop.domain.access import Actor
    from crm_desktop.operations import admin, run_operation

    made = database.write(
        lambda s: add_user(s, "wyn", UserRole.OFFICER, windows_account=r"COUNCIL\wyn")
    )
    me = Actor("wyn", UserRole.OFFICER, made.id)
    new = "quiet orange kettle"
    with pytest.raises(ValidationError, match="Windows account and has no password"):
        run_operation(database, me, dt.date(2026, 12, 7), admin.change_own_password, "", new, new)
