"""Upgrading a database from the schema before roles were per database (0005), with data.

The events already in the trail keep their hashes (first version) and still verify; new
events continue the chain; on PostgreSQL the users' old logins move from the server-wide
groups into their role's group of this database, and the old groups keep nothing here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_desktop.db import migrate
from crm_desktop.db.audit import _legacy_hash, verify_chain
from crm_desktop.db.database import open_database
from crm_desktop.db.engine import make_engine
from crm_desktop.db.models import AuditEvent, Directorate, Role, User
from crm_desktop.db.pg_security import group_name, role_prefix

PREVIOUS_HEAD = "0005"


def fill_as_0005_did(engine: sa.Engine) -> None:
    """Users, a case-less directorate and a chained trail, written as version 0005's
    program wrote them (a password hash in a user's event, too)."""
    with engine.begin() as connection:
        now = dt.datetime(2025, 3, 1, 9, 0)
        connection.execute(
            sa.insert(Role.__table__).values(
                code="officer", label="Officer", description="", version=1, updated_at=now
            )
        )
        for name in ("old.officer", "old.io"):
            connection.execute(
                sa.insert(User.__table__).values(
                    username=name,
                    display_name=name,
                    role="officer",
                    password_hash="$argon2id$v=19$old",
                    active=True,
                    failed_sign_ins=0,
                    version=1,
                    updated_at=now,
                    created_at=now,
                )
            )
        prev = None
        for n in range(5):
            row = {
                "occurred_at": now + dt.timedelta(minutes=n),
                "username": "old.officer",
                "action": "create",
                "entity": "app_user" if n == 0 else "directorate",
                "entity_id": str(n),
                "case_id": None,
                "before": None,
                "after": json.dumps({"password_hash": "$argon2id$v=19$old"} if n == 0 else {}),
            }
            row["prev_hash"] = prev
            row["hash"] = prev = _legacy_hash(prev, row)
            connection.execute(sa.insert(AuditEvent.__table__).values(**row))


def test_a_sqlite_file_upgrades_with_its_trail(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    migrate.upgrade(engine, PREVIOUS_HEAD)
    fill_as_0005_did(engine)
    engine.dispose()
    db = open_database(url)
    try:
        with db.session() as session:
            old = session.execute(
                sa.select(AuditEvent.chain_seq, AuditEvent.hash_version)
                .order_by(AuditEvent.id)
                .limit(6)
            ).all()
            # Numbered in the order written, checked with the hash they were written with;
            # the reference data loaded at the first start after them is chained on.
            assert [tuple(r) for r in old] == [(n, None) for n in range(1, 6)] + [(6, 2)]
            assert verify_chain(session) == []
        db.write(lambda s: s.add(Directorate(name="After the upgrade")), actor="new")
        with db.session() as session:
            assert verify_chain(session) == []
            # The old events are left as they were, the hash copied into one included.
            first = session.scalar(sa.select(AuditEvent.after).where(AuditEvent.chain_seq == 1))
            assert first is not None and "$argon2id$" in first
    finally:
        db.dispose()


@pytest.mark.postgres
def test_a_postgresql_database_upgrades_with_its_logins(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate.upgrade(engine, PREVIOUS_HEAD)
    fill_as_0005_did(engine)
    database = make_url(postgres_url).database or ""
    linked, stray = f"crm_u_old_officer_{database[-6:]}", f"crm_u_stray_{database[-6:]}"
    with engine.begin() as connection:
        for login in (linked, stray):
            connection.exec_driver_sql(f'CREATE ROLE "{login}" LOGIN')
            connection.exec_driver_sql(f'GRANT crm_staff TO "{login}"')
        connection.exec_driver_sql(
            "UPDATE app_user SET db_role = %s WHERE username = 'old.officer'", (linked,)
        )
        # Before: any login in the server-wide staff group read everything here.
        assert connection.exec_driver_sql(
            "SELECT has_table_privilege(%s, 'app_user', 'SELECT')", (stray,)
        ).scalar()
    engine.dispose()
    try:
        db = open_database(postgres_url)
        try:
            with db.session() as session:
                assert verify_chain(session) == []
            prefix = role_prefix(database)
            with db.engine.connect() as connection:
                groups = set(
                    connection.exec_driver_sql(
                        "SELECT g.rolname FROM pg_auth_members m "
                        "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
                        "WHERE u.rolname = %s",
                        (linked,),
                    ).scalars()
                )
                assert group_name(prefix, "officer") in groups
                for table in ("app_user", "representation", "audit_event"):
                    assert not connection.exec_driver_sql(
                        "SELECT has_table_privilege('crm_staff', %s, 'SELECT')", (table,)
                    ).scalar()
            # The linked login works as its user; the stray one cannot even connect.
            own = sa.create_engine(make_url(postgres_url).set(username=linked))
            try:
                with own.connect() as connection:
                    assert (
                        connection.exec_driver_sql("SELECT count(*) FROM representation").scalar()
                        == 0
                    )
                    with pytest.raises(sa.exc.ProgrammingError):
                        connection.exec_driver_sql("SELECT password_hash FROM app_user")
            finally:
                own.dispose()
            stray_engine = sa.create_engine(make_url(postgres_url).set(username=stray))
            try:
                with pytest.raises(sa.exc.OperationalError, match="permission denied"):
                    stray_engine.connect()
            finally:
                stray_engine.dispose()
            db.write(lambda s: s.add(Directorate(name="After the upgrade")), actor="new")
            with db.session() as session:
                assert verify_chain(session) == []
        finally:
            db.dispose()
    finally:
        cleanup = sa.create_engine(
            make_url(postgres_url).set(database="test"), isolation_level="AUTOCOMMIT"
        )
        with cleanup.connect() as connection:
            for login in (linked, stray):
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (login,),
                )
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{login}"')
        cleanup.dispose()
