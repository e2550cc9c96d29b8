"""Roles enforced by PostgreSQL, and an audit trail the server writes and chains.

Every database (SQLite and PostgreSQL):

- ``audit_event`` gains ``chain_seq`` (the event's place in the chain, unique) and
  ``hash_version``. The events already there keep their hashes (the trail is never
  edited); they are numbered in the chain in the order they were written, and checked
  with the first version of the hash.

PostgreSQL only (:func:`crm_desktop.db.pg_security.install`):

- one group role per application role, named after this database, with only the rights
  its work needs, table by table and column by column, and row-level security whose
  every policy has a ``WITH CHECK``; the old server-wide groups (``crm_staff``,
  ``crm_investigator``) lose every right in this database, and the users' existing
  logins move to their role's new group;
- the audit trail written by triggers in the name of the session's own login, chained
  by the server without a lock on every write (``crm_audit_seal``);
- disabling a user makes their login NOLOGIN and ends its sessions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("audit_event", sa.Column("chain_seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_event", sa.Column("hash_version", sa.SmallInteger(), nullable=True))
    # The events so far were written one writer at a time, so their ids are their order.
    op.execute(
        "UPDATE audit_event SET chain_seq = numbered.place FROM "
        "(SELECT id, row_number() OVER (ORDER BY id) AS place FROM audit_event) AS numbered "
        "WHERE numbered.id = audit_event.id"
    )
    op.create_index("ix_audit_event_chain_seq", "audit_event", ["chain_seq"], unique=True)
    op.create_index(
        "ix_audit_event_unsealed",
        "audit_event",
        ["id"],
        unique=False,
        postgresql_where=sa.text("chain_seq IS NULL"),
        sqlite_where=sa.text("chain_seq IS NULL"),
    )
    if bind.dialect.name != "postgresql":
        return
    from crm_desktop.db import pg_security

    pg_security.install(bind)
    pg_security.link_existing_logins(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.uninstall(bind)
        # Back to the rights of version 0005: the server-wide groups, as 0002 to 0005
        # set them up.
        for earlier in (
            "0002_row_level_security",
            "0003_data_protection",
            "0004_correspondence",
            "0005_calendar_day",
        ):
            module = importlib.import_module(f"crm_desktop.db.migrations.versions.{earlier}")
            module.secure()
    op.drop_index("ix_audit_event_unsealed", table_name="audit_event")
    op.drop_index("ix_audit_event_chain_seq", table_name="audit_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("hash_version")
        batch_op.drop_column("chain_seq")
