"""The demo accounts: a manager and four officers who own the demo's cases.

They are created when missing, all with one password (:data:`DEMO_PASSWORD` unless the
caller gives another); an account already there is used as it is. The five share one
Argon2id hash (one salt): they share the password by design, so separate salts would
hide nothing, and each hash takes a noticeable fraction of a second to make.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crm_desktop.db.models import User
from crm_desktop.domain.enums import UserRole
from crm_desktop.services.demo import data
from crm_desktop.services.demo.writer import Table, Writer, table_of
from crm_desktop.services.users import hash_password


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: UserRole
    created: bool  # False: the account was there already and was left as it was


@dataclass(frozen=True)
class Accounts:
    ids: list[int]  # per demo account, manager first
    accounts: tuple[DemoAccount, ...]
    table: Table | None  # the rows to insert, if any account was missing


def demo_accounts(
    writer: Writer,
    existing: dict[str, int],
    created_at: dt.datetime,
    actor: str,
    password: str,
) -> Accounts:
    """The demo accounts' ids, and rows for those that are missing."""
    missing = sum(1 for user in data.DEMO_USERS if user[0] not in existing)
    max_id = writer.reserve(table_of(User), missing) if missing else 0
    password_hash = hash_password(password) if missing else None
    rows: list[dict[str, Any]] = []
    ids: list[int] = []
    accounts: list[DemoAccount] = []
    for username, display_name, role in data.DEMO_USERS:
        user_id = existing.get(username)
        accounts.append(DemoAccount(username, display_name, role, user_id is None))
        if user_id is None:
            max_id += 1
            user_id = max_id
            rows.append(
                {
                    "id": user_id,
                    "username": username,
                    "display_name": display_name,
                    "email": f"{username}@council.example",
                    "role": role.value,
                    "password_hash": password_hash,
                    "windows_account": None,
                    "person_id": None,
                    "service_area_id": None,
                    "active": True,
                    "failed_sign_ins": 0,
                    "locked_until": None,
                    "last_sign_in_at": None,
                    "created_at": created_at,
                    "version": 1,
                    "updated_at": created_at,
                    "updated_by": actor,
                }
            )
        ids.append(user_id)
    table = None
    if rows:
        table = Table(table_of(User), len(rows))
        for key in rows[0]:
            table.columns[key] = [row[key] for row in rows]
    return Accounts(ids, tuple(accounts), table)
