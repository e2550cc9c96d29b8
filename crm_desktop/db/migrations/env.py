"""Alembic environment. Run through ``crm_desktop.db.migrate`` (or ``crm-desktop db upgrade``).

The caller passes an open connection in ``config.attributes["connection"]``; SQLite
migrations use batch mode so ALTERs become table rebuilds.
"""

from __future__ import annotations

from alembic import context

from crm_desktop.db import models  # noqa: F401  (registers every table)
from crm_desktop.db.base import Base, in_schema_of

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the program always passes a connection
    raise RuntimeError("Run migrations through crm-desktop db upgrade.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=in_schema_of(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
