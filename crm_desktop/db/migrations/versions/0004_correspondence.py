"""Letters, emails, notifications and reminders: templates, notification centre, outbox.

On PostgreSQL the new tables are opened to the two group roles as 0002 opened the
others: staff may read and write them; an investigator reads the templates and only
their own notifications (and may mark those read), and never sees the outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF = "crm_staff"
INVESTIGATOR = "crm_investigator"
OWN_USER = "user_id = (SELECT id FROM app_user WHERE db_role = session_user AND active)"


def upgrade() -> None:
    op.create_table(
        "correspondence_template",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_correspondence_template")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_notification_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_notification_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_notification_user_read", ["user_id", "read_at", "id"], unique=False
        )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("correspondence_id", sa.Integer(), nullable=True),
        sa.Column("recipient_user_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_via", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_outbox_message_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["correspondence_id"],
            ["correspondence.id"],
            name=op.f("fk_outbox_message_correspondence_id_correspondence"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"],
            ["app_user.id"],
            name=op.f("fk_outbox_message_recipient_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_message_dedupe_key")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_message_status_next", ["status", "next_attempt_at"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        secure()


def secure() -> None:
    """The grants and policies of this version's tables (PostgreSQL)."""
    op.execute(f"GRANT SELECT ON correspondence_template TO {STAFF}, {INVESTIGATOR}")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON correspondence_template TO {STAFF}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_message TO {STAFF}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON notification TO {STAFF}")
    op.execute(f"GRANT SELECT, UPDATE ON notification TO {INVESTIGATOR}")
    for sequence in ("notification_id_seq", "outbox_message_id_seq"):
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {STAFF}")
    for table in ("notification", "outbox_message"):
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY crm_staff_all ON "{table}" TO {STAFF} USING (true) WITH CHECK (true)'
        )
    op.execute(
        f"CREATE POLICY crm_investigator_own ON notification FOR SELECT TO {INVESTIGATOR} "
        f"USING ({OWN_USER})"
    )
    op.execute(
        f"CREATE POLICY crm_investigator_update ON notification FOR UPDATE TO {INVESTIGATOR} "
        f"USING ({OWN_USER}) WITH CHECK ({OWN_USER})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("notification", "outbox_message"):
            for policy in ("crm_staff_all", "crm_investigator_own", "crm_investigator_update"):
                op.execute(f'DROP POLICY IF EXISTS {policy} ON "{table}"')
        for table in ("correspondence_template", "notification", "outbox_message"):
            op.execute(f'REVOKE ALL ON "{table}" FROM {STAFF}, {INVESTIGATOR}')
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_status_next")
        batch_op.drop_index(batch_op.f("ix_outbox_message_case_id"))
    op.drop_table("outbox_message")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_read")
        batch_op.drop_index(batch_op.f("ix_notification_case_id"))
    op.drop_table("notification")
    op.drop_table("correspondence_template")
