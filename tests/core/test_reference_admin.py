"""Reference data and users as a manager edits them: validation, roles, optimistic locking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import verify_chain
from crm_desktop.db.database import Database
from crm_desktop.db.models import AuditEvent
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import Procedure, UserRole
from crm_desktop.errors import ConflictError, PermissionRefused, ValidationError
from crm_desktop.operations import admin, run_operation
from crm_desktop.services import reference_admin as ra
from crm_desktop.services.calendar_service import timescales, working_calendar
from crm_desktop.services.users import sign_in

MANAGER = Actor("boss", UserRole.MANAGER, display_name="The Boss")
OFFICER = Actor("officer1", UserRole.OFFICER)
TODAY = dt.date(2024, 6, 3)


def _one(rows: list[Any], **match: object) -> Any:
    found = [r for r in rows if all(getattr(r, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_choices_list_active_reference_data_per_procedure(database: Database) -> None:
    with database.session() as session:
        choices = ra.reference_choices(session)
    assert "Communication" in choices.natures["corporate"]
    assert choices.natures["children"] and choices.natures["adult"]
    assert choices.directorates
    corporate = choices.areas(Procedure.CORPORATE, choices.directorates[0])
    assert corporate and all(isinstance(n, str) for n in corporate)
    assert "Through Care" in choices.areas(Procedure.CHILDREN)
    # Within a directorate, only that directorate's areas.
    other = choices.areas(Procedure.CORPORATE, choices.directorates[1])
    assert not set(corporate) & set(other) or corporate != other


def test_natures_add_rename_retire_with_locking(database: Database) -> None:
    row = database.write(
        lambda s: ra.add_nature(s, MANAGER, "corporate", "  Noise   nuisance "), actor="boss"
    )
    assert row.name == "Noise nuisance" and row.active and row.procedure == "corporate"
    with pytest.raises(ValidationError, match="already has a nature"):
        database.write(lambda s: ra.add_nature(s, MANAGER, "corporate", "noise nuisance"))
    with pytest.raises(ValidationError, match="name"):
        database.write(lambda s: ra.add_nature(s, MANAGER, "corporate", "   "))
    with pytest.raises(PermissionRefused):
        run_operation(database, OFFICER, TODAY, admin.add_nature, "corporate", "Parking")
    with database.session() as session:
        assert all(n.name != "Parking" for n in ra.list_natures(session))
    renamed = database.write(
        lambda s: ra.update_nature(s, MANAGER, row.id, row.version, name="Noise", active=False),
        actor="boss",
    )
    assert renamed.name == "Noise" and not renamed.active and renamed.version == row.version + 1
    # A second manager still holding the old version is refused, naming who changed it.
    with pytest.raises(ConflictError, match="changed by boss"):
        database.write(
            lambda s: ra.update_nature(s, MANAGER, row.id, row.version, name="X", active=True)
        )
    with database.session() as session:
        assert "Noise" not in ra.reference_choices(session).natures["corporate"]
        assert _one(ra.list_natures(session, "corporate"), id=row.id).name == "Noise"


def test_service_areas(database: Database) -> None:
    with database.session() as session:
        directorate = ra.reference_choices(session).directorates[0]
    with pytest.raises(ValidationError, match="directorate"):
        database.write(lambda s: ra.add_service_area(s, MANAGER, "corporate", "Parks"))
    with pytest.raises(ValidationError, match="tick at least one"):
        database.write(
            lambda s: ra.add_service_area(
                s, MANAGER, "corporate", "Parks", directorate=directorate, for_complaints=False
            )
        )
    area = database.write(
        lambda s: ra.add_service_area(s, MANAGER, "corporate", "Parks", directorate=directorate),
        actor="boss",
    )
    assert area.directorate == directorate and area.for_complaints and not area.for_compliments
    with pytest.raises(ValidationError, match="Only corporate"):
        database.write(
            lambda s: ra.add_service_area(s, MANAGER, "adult", "Parks", directorate=directorate)
        )
    updated = database.write(
        lambda s: ra.update_service_area(
            s,
            MANAGER,
            area.id,
            area.version,
            name="Parks and open spaces",
            active=True,
            for_complaints=True,
            for_compliments=True,
        ),
        actor="boss",
    )
    assert updated.for_compliments and updated.name == "Parks and open spaces"
    with database.session() as session:
        names = ra.reference_choices(session).areas("corporate", directorate, kind="compliment")
    assert "Parks and open spaces" in names


def test_timescales_and_extension_limits(database: Database) -> None:
    with database.session() as session:
        rows = ra.list_timescales(session)
    duration = _one(rows, procedure="children", stage="1", rule="duration")
    limit = _one(rows, procedure="children", stage="1", rule="extension limit")
    assert (duration.value, limit.value) == (10, 20)
    with pytest.raises(ValidationError, match="cannot be longer than its extension limit"):
        database.write(lambda s: ra.set_timescale(s, MANAGER, duration.id, duration.version, 25))
    with pytest.raises(ValidationError, match="cannot be shorter"):
        database.write(lambda s: ra.set_timescale(s, MANAGER, limit.id, limit.version, 5))
    with pytest.raises(ValidationError, match="from 1 to"):
        database.write(lambda s: ra.set_timescale(s, MANAGER, limit.id, limit.version, 0))
    new_limit = database.write(
        lambda s: ra.set_timescale(s, MANAGER, limit.id, limit.version, 30), actor="boss"
    )
    database.write(
        lambda s: ra.set_timescale(s, MANAGER, duration.id, duration.version, 12), actor="boss"
    )
    with database.session() as session:
        rules = timescales(session, "children", "1", None)
    assert (rules.duration, rules.extension_limit) == (12, 30)
    with pytest.raises(ConflictError):
        database.write(lambda s: ra.set_timescale(s, MANAGER, limit.id, limit.version, 31))
    assert new_limit.version == limit.version + 1
    percent = _one(rows, procedure="children", rule="remedy escalation percent")
    with pytest.raises(ValidationError, match="percentage"):
        database.write(lambda s: ra.set_timescale(s, MANAGER, percent.id, percent.version, 101))


def test_kpi_targets(database: Database) -> None:
    with database.session() as session:
        kpi = ra.list_kpis(session)[0]
    with pytest.raises(ValidationError, match="0 to 100"):
        database.write(lambda s: ra.set_kpi_target(s, MANAGER, kpi.id, kpi.version, 120))
    changed = database.write(
        lambda s: ra.set_kpi_target(s, MANAGER, kpi.id, kpi.version, 85.56, active=False),
        actor="boss",
    )
    assert changed.target_percent == 85.6 and not changed.active
    with pytest.raises(ConflictError):
        database.write(lambda s: ra.set_kpi_target(s, MANAGER, kpi.id, kpi.version, 80))


def test_closure_days_count_in_the_calendar(database: Database) -> None:
    monday = dt.date(2025, 6, 9)
    with pytest.raises(ValidationError, match="Saturday"):
        database.write(lambda s: ra.add_closure_day(s, MANAGER, dt.date(2025, 6, 7), "Fete"))
    with pytest.raises(ValidationError, match="bank holiday"):
        database.write(lambda s: ra.add_closure_day(s, MANAGER, dt.date(2025, 12, 25), "Xmas"))
    row = database.write(
        lambda s: ra.add_closure_day(s, MANAGER, monday, "Office move"), actor="boss"
    )
    with database.session() as session:
        assert not working_calendar(session).is_working_day(monday)
        assert [c.day for c in ra.list_closure_days(session)] == [monday]
    database.write(lambda s: ra.remove_closure_day(s, MANAGER, row.id, row.version), actor="boss")
    with database.session() as session:
        assert working_calendar(session).is_working_day(monday)
        assert ra.list_closure_days(session) == []


def test_first_administrator_only_on_an_empty_database(database: Database) -> None:
    with database.session() as session:
        assert not ra.has_users(session)
    with pytest.raises(ValidationError, match="not the same"):
        database.write(
            lambda s: ra.create_first_administrator(
                s, "morag", "Morag", "long enough 1", "other one 12"
            )
        )
    row = database.write(
        lambda s: ra.create_first_administrator(
            s, "Morag", "Morag E", "long enough 1", "long enough 1"
        ),
        actor="morag",
    )
    assert (row.username, row.role) == ("morag", "admin")
    assert sign_in(database, "morag", "long enough 1").role == UserRole.ADMIN
    with pytest.raises(ValidationError, match="already has users"):
        database.write(
            lambda s: ra.create_first_administrator(
                s, "eve", "Eve", "long enough 1", "long enough 1"
            )
        )


def test_users_roles_and_the_last_administrator(database: Database) -> None:
    boss = database.write(
        lambda s: ra.create_first_administrator(s, "boss", "Boss", "long enough 1", "long enough 1")
    )
    me = Actor("boss", UserRole.ADMIN, boss.id)
    for refused in (
        OFFICER,
        Actor("mgr", UserRole.MANAGER),
        Actor("io", UserRole.INVESTIGATOR),
        Actor("sr", UserRole.SERVICE_RESPONDER),
    ):
        with pytest.raises(PermissionRefused):
            run_operation(
                database, refused, TODAY, admin.add_user, "x1", "officer", "X", "long enough 1"
            )
        with pytest.raises(PermissionRefused):
            run_operation(
                database,
                refused,
                TODAY,
                admin.update_user,
                boss.id,
                boss.version,
                "B",
                "officer",
                True,
            )
    with database.session() as session:
        assert [u.username for u in ra.list_user_rows(session)] == ["boss"]
        assert ra.list_user_rows(session)[0].version == boss.version
    officer = database.write(
        lambda s: ra.add_user_account(
            s,
            me,
            "priya",
            "officer",
            display_name="Priya Raman",
            password="long enough 1",
            confirm="long enough 1",
        ),
        actor="boss",
    )
    assert officer.role == "officer" and officer.active
    with pytest.raises(ValidationError, match="last active administrator"):
        database.write(
            lambda s: ra.update_user(
                s, me, boss.id, boss.version, display_name="Boss", role="officer", active=True
            )
        )
    with pytest.raises(ValidationError, match="your own account"):
        database.write(
            lambda s: ra.update_user(
                s, me, boss.id, boss.version, display_name="Boss", role="manager", active=False
            )
        )
    promoted = database.write(
        lambda s: ra.update_user(
            s,
            me,
            officer.id,
            officer.version,
            display_name="Priya R",
            role="admin",
            active=True,
            windows_account="COUNCIL\\praman",
        ),
        actor="boss",
    )
    assert promoted.role == "admin" and promoted.windows_account == "council\\praman"
    with pytest.raises(ConflictError, match="changed by boss"):
        database.write(
            lambda s: ra.update_user(
                s, me, officer.id, officer.version, display_name="P", role="officer", active=True
            )
        )
    # Now boss is not the last administrator and may step down.
    database.write(
        lambda s: ra.update_user(
            s, me, boss.id, boss.version, display_name="Boss", role="officer", active=True
        ),
        actor="boss",
    )
    changed = database.write(
        lambda s: ra.reset_password(
            s, me, promoted.id, promoted.version, "a new password", "a new password"
        ),
        actor="boss",
    )
    assert sign_in(database, "priya", "a new password").role == UserRole.ADMIN
    assert changed.version > promoted.version
    with database.session() as session:
        assert [u.username for u in ra.list_user_rows(session)] == ["boss", "priya"]


def test_a_windows_account_signs_in_one_user_only(database: Database) -> None:
    """Adding a user with a Windows account another user has is refused with a message,
    as changing one is (it used to fail on the database's unique index)."""
    me = Actor("boss", UserRole.MANAGER)

    def add(username: str, account: str) -> Any:
        return database.write(
            lambda s: ra.add_user_account(
                s,
                me,
                username,
                "officer",
                display_name=username.title(),
                windows_account=account,
            ),
            actor="boss",
        )

    first = add("priya", "COUNCIL\\PRaman")
    assert first.windows_account == "council\\praman"
    with pytest.raises(ValidationError, match="already used by priya") as no:
        add("pat", " council\\praman ")
    assert no.value.field == "windows_account"
    second = add("pat", "council\\pat")
    with pytest.raises(ValidationError, match="already used by priya"):
        database.write(
            lambda s: ra.update_user(
                s,
                me,
                second.id,
                second.version,
                display_name="Pat",
                role="officer",
                active=True,
                windows_account="council\\praman",
            ),
            actor="boss",
        )
    with database.session() as session:
        assert [u.username for u in ra.list_user_rows(session)] == ["pat", "priya"]


def test_changes_are_audited_under_the_manager(database: Database) -> None:
    database.write(lambda s: ra.add_nature(s, MANAGER, "adult", "Charging"), actor="boss")

    def events(session: Session) -> list[tuple[str | None, str]]:
        return [
            (e.username, e.action)
            for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "nature"))
        ]

    with database.session() as session:
        assert ("boss", "create") in events(session)
        assert verify_chain(session) == []
