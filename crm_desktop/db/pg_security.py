"""PostgreSQL: every role's rights kept by the database itself, and the audit trail.

The program's own checks (:mod:`crm_desktop.operations.policy`) decide what the screens
offer; this module makes the database refuse the rest, whatever SQL a user's own login
runs. :func:`install` (called by the migrations, idempotent) sets up one database:

**Group roles, per database.** One NOLOGIN group for each application role, named after
the database (``<db>_role_officer``, ``_responder``, ``_manager``, ``_admin``,
``_investigator``), so a login granted here has no rights in another database on the
same server. Managers are members of the officers' group and administrators of the
managers', as the permission table has it. Each user's own login (``<db>_u_<username>``,
:mod:`crm_desktop.services.db_roles`) is a member of the one group for their role, and
the connection to the database is granted to the groups only.

**Least privilege, table by table and column by column** (:data:`RULES`): what each
group may read, insert, update (which columns) and delete. Nobody but the owner reads a
password hash (:data:`HIDDEN_COLUMNS`; sign-in asks ``crm_sign_in_account``, which
answers a login about its own account only). Only managers and administrators change
users, read equality answers and edit templates, settings and reference data. Nobody
deletes a case: ``crm_delete_case`` (managers) checks it is closed and not on legal hold
and records its own event.

**Rows** (row-level security, every policy with ``WITH CHECK``): officers, managers and
administrators every case; a service responder the cases of their own service area; an
investigator the cases they hold a live appointment on, their own appointments and
their own person record. An investigator may update only their own appointment's
progress columns; a trigger (``crm_assignment_guard``) lets its status move only as an
investigator may move it (accept or decline an offer, record the report) and its fee
only as the hours times their own rates, so no UPDATE can move an appointment, re-open
a declined one, or change a fee.

**The audit trail** is written by triggers (``crm_audit_row``) in the name of the
session's own login, never by a login directly; see :mod:`crm_desktop.db.audit`.

**Logins follow their user**: disabling a user makes their login NOLOGIN and ends its
open sessions, enabling makes it LOGIN again, and changing a user's role moves their
login to the other group (``crm_login_sync``, a trigger on ``app_user``). The owner
needs CREATEROLE for that, and pg_signal_backend (or to be a superuser) to end sessions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from crm_desktop.db import audit, rules_cache
from crm_desktop.db.base import Base
from crm_desktop.db.models_privacy import (
    DEFAULT_RETENTION_YEARS,
    RecordType,
    RetentionEventKind,
)
from crm_desktop.domain.access import MAX_FAILURES, PASSWORD_HASH, PROGRAM_NAMES
from crm_desktop.domain.enums import (
    AssignmentStatus,
    CaseStatus,
    StageCode,
    StageStatus,
    UserRole,
)
from crm_desktop.domain.workflow import ADULT_GRADES, Action
from crm_desktop.files import STORED_NAME

__all__ = [
    "GROUPS",
    "HIDDEN_COLUMNS",
    "RULES",
    "drop_database_roles",
    "group_name",
    "install",
    "install_in_migration",
    "login_name",
    "role_prefix",
    "uninstall",
]

# -- names ---------------------------------------------------------------------------

GROUPS: Mapping[UserRole, str] = {
    UserRole.OFFICER: "officer",
    UserRole.SERVICE_RESPONDER: "responder",
    UserRole.MANAGER: "manager",
    UserRole.ADMIN: "admin",
    UserRole.INVESTIGATOR: "investigator",
}
# Group memberships that carry one role's rights into another (the permission table's
# "managers can do what officers can", "administrators what managers can").
INHERITS: Mapping[str, str] = {"manager": "officer", "admin": "manager"}
MAX_NAME = 63
TAG = "crm-desktop"
# How the database's own functions run: as the owner, finding nothing a login made.
DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
# How many connections one user's login may hold at once: the program holds at most 15
# (SQLAlchemy's pool, 5 and 10 more while busy), so two windows or a window and the
# command line fit; without a limit one login could take every connection the server
# has, and nobody in any database on it could connect.
LOGIN_CONNECTION_LIMIT = 30
OLD_GROUPS = ("crm_staff", "crm_investigator")


def role_prefix(database: str) -> str:
    """The start of every role name made for ``database``: the name itself when it is
    short and plain, else a shortened form with a hash of the full name."""
    plain = re.sub(r"[^a-z0-9_]", "_", database.lower())
    if plain == database and len(plain) <= 24 and plain[:1].isalpha():
        return plain
    digest = hashlib.sha256(database.encode("utf-8")).hexdigest()[:6]
    start = plain.strip("_")[:16] or "crm"
    if not start[0].isalpha():
        start = "crm_" + start[:12]
    return f"{start}_{digest}"


def group_name(prefix: str, group: str) -> str:
    return f"{prefix}_role_{group}"


def login_name(prefix: str, username: str) -> str | None:
    """The login role for ``username`` (kept as it is, dots and hyphens too, so no two
    usernames share a login); None when it would be longer than PostgreSQL allows."""
    name = f"{prefix}_u_{username}"
    return name if len(name) <= MAX_NAME else None


def tag(database: str, kind: str, detail: str) -> str:
    """The comment that marks a role as made by CRM Desktop for ``database``."""
    return f"{TAG} database={database} {kind}={detail}"


def identifier(name: str) -> str:
    """A name quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


COUNCIL_TODAY = "(now() AT TIME ZONE 'Europe/London')::date"
"""Today in England, the council's day, whatever time zone a login sets for its own
sessions (``current_date`` follows the session's: a login that set one fourteen hours
ahead was given a day more than the day's grace the checks allow)."""


def literal(text: str) -> str:
    """A string quoted for SQL (standard_conforming_strings, PostgreSQL's default)."""
    return "'" + text.replace("'", "''") + "'"


_ident = identifier
_literal = literal


def _text_array(items: Iterable[str]) -> str:
    """A text[] of ``items`` for SQL, in sorted order."""
    return "ARRAY[" + ", ".join(_literal(i) for i in sorted(items)) + "]::text[]"


# -- the rules -------------------------------------------------------------------------

OFFICER, RESPONDER, MANAGER, ADMIN, INVESTIGATOR = (
    "officer",
    "responder",
    "manager",
    "admin",
    "investigator",
)
EVERYONE = (OFFICER, RESPONDER, INVESTIGATOR)  # managers and admins inherit officers'
ALL = None  # every column (except the hidden and protected ones)

# Columns nobody but the owner reads.
HIDDEN_COLUMNS: Mapping[str, frozenset[str]] = {"app_user": frozenset({"password_hash"})}
# Columns nobody but the owner changes (whatever a group's update list says).
PROTECTED_COLUMNS: Mapping[str, frozenset[str]] = {"app_user": frozenset({"db_role", "id"})}
# Columns written when a row is added and never changed after, but by the owner. A
# username is the name the trail writes events under: renamed, a manager could write
# events as someone else and then give the name back.
FIXED_COLUMNS: Mapping[str, frozenset[str]] = {
    "app_user": frozenset({"username"}),
    # A case's reference is given once, from the gap-free counter: renamed, a number
    # would be left unused (and another taken twice over). What it is, which procedure
    # it follows and the day it was received are given once too (the program never
    # changes them): the rules in force, the clocks, the report's year and a closed
    # stage's timeliness are counted from them.
    "representation": frozenset({"reference", "kind", "procedure", "received_on"}),
    # The case (or stage) a row belongs to: moved to another, the rows that link to it
    # would name another case's row (and stop that case being deleted), and what was
    # decided on one case would stand on another.
    "action_item": frozenset({"case_id"}),
    # An appointment's stage, person and role too: a manager's approval of someone the
    # eligibility rules warn about would otherwise pass to another person or role.
    "assignment": frozenset({"stage_id", "person_id", "role"}),
    "attachment": frozenset({"case_id"}),
    "case_party": frozenset({"case_id"}),
    "case_service_category": frozenset({"case_id"}),
    # A point's nature too (the "Nature of complaints" table counts points by it).
    "complaint_point": frozenset({"case_id", "nature_id"}),
    "correspondence": frozenset({"case_id"}),
    "lgsco_payment": frozenset({"stage_id"}),
    "lgsco_remedy": frozenset({"stage_id"}),
    "outbox_message": frozenset({"case_id"}),
    "point_outcome": frozenset({"stage_id", "point_id"}),
    # A stage's place after the one before it, too (its link and its number): unlinked
    # and linked again, or numbered again, a stage could take its previous stage's
    # responder without the check seeing it.
    "stage": frozenset({"case_id", "previous_stage_id", "seq"}),
    "stage_extension": frozenset({"stage_id"}),
    "stage_suspension": frozenset({"stage_id"}),
    # An Ombudsman decision, a due date's change and a regrading stay with their stage.
    "lgsco_detail": frozenset({"stage_id"}),
    "due_date_change": frozenset({"stage_id"}),
    "stage_grading": frozenset({"stage_id"}),
}
# And on every table its rows' ids: an id moved ahead of the sequence would make the
# next save of that table fail, and one given up could be taken by a new row, which
# the trail would then tie to the old row's history.
FIXED_EVERYWHERE = frozenset({"id"})
# What every login may change of its own account: the sign-in counters, its own password.
OWN_ACCOUNT_COLUMNS = (
    "failed_sign_ins",
    "locked_until",
    "last_sign_in_at",
    "password_hash",
    "version",
    "updated_at",
    "updated_by",
)
# What an investigator may change of their own appointment (the guard trigger checks
# status and fee): their answer to the offer, their progress, hours and report.
INVESTIGATOR_ASSIGNMENT_COLUMNS = (
    "status",
    "responded_on",
    "end_reason",
    "report_received_on",
    "hours",
    "fee_pence",
    "progress_note",
    "version",
    "updated_at",
    "updated_by",
)
# Row scopes (SQL, with the helper functions below).
OWN_CASES = {
    RESPONDER: "{case} IN (SELECT crm_area_cases())",
    INVESTIGATOR: "{case} IN (SELECT crm_assigned_cases())",
}
OWN_STAGES = {
    RESPONDER: "stage_id IN (SELECT crm_area_stages())",
    INVESTIGATOR: "stage_id IN (SELECT crm_assigned_stages())",
}


@dataclass(frozen=True)
class Policy:
    group: str
    command: str  # ALL, SELECT, INSERT, UPDATE, DELETE
    using: str | None  # None for INSERT
    check: str | None  # None for SELECT and DELETE


@dataclass(frozen=True)
class Rules:
    """One table: who may read, insert, update (which columns) and delete it, and, when
    its rows are secured, the policies that say which rows."""

    select: tuple[str, ...] = ()
    insert: tuple[str, ...] = ()
    update: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    delete: tuple[str, ...] = ()
    policies: tuple[Policy, ...] = ()

    @property
    def row_secured(self) -> bool:
        return bool(self.policies)


def _everyone_sees(table: str) -> tuple[Policy, ...]:
    """Policies for a case table every staff group sees whole and the restricted groups
    see the rows of their own cases."""
    column = "id" if table == "representation" else "case_id"
    return (
        Policy(OFFICER, "ALL", "true", "true"),
        *(
            Policy(group, "ALL", scope.format(case=column), scope.format(case=column))
            for group, scope in OWN_CASES.items()
        ),
    )


def _stage_rows() -> tuple[Policy, ...]:
    return (
        Policy(OFFICER, "ALL", "true", "true"),
        *(Policy(group, "ALL", scope, scope) for group, scope in OWN_STAGES.items()),
    )


def _reference(readers: tuple[str, ...] = EVERYONE) -> Rules:
    """Reference data: read by the given groups, kept by managers."""
    return Rules(select=readers, insert=(MANAGER,), update={MANAGER: ALL}, delete=(MANAGER,))


def _case_work(
    table: str,
    *,
    readers: tuple[str, ...] = (OFFICER, RESPONDER),
    officers_delete: bool = False,
    updated_by: str = OFFICER,
) -> Rules:
    """A table of a case's records: read by ``readers`` (restricted groups their own
    cases' rows), written by officers (managers and administrators with them);
    ``updated_by`` managers only for officers' append-only records."""
    by_stage = table not in CASE_LINKED
    return Rules(
        select=readers,
        insert=(OFFICER,),
        update={updated_by: ALL},
        delete=(OFFICER,) if officers_delete else (),
        policies=_stage_rows() if by_stage else _everyone_sees(table),
    )


# Tables whose rows belong to a case by their own case_id (the others, by stage_id).
CASE_LINKED = frozenset(
    {
        "representation",
        "case_party",
        "case_service_category",
        "complaint_point",
        "stage",
        "action_item",
        "correspondence",
        "attachment",
    }
)
OWN_USER = "user_id = crm_own_user_id()"
OWN_ACCOUNT = "db_role = session_user"
# A row in the name of the signed-in user as their account has it, on a case they may open.
OWN_NAME_AND_ROLE = (
    "(username, role) IN (SELECT u.username, u.role FROM app_user u "
    "WHERE u.db_role = session_user AND u.active) AND crm_may_open_case(case_id)"
)

RULES: dict[str, Rules] = {
    # -- reference data and settings
    "alembic_version": Rules(select=EVERYONE),
    "rules_version": Rules(select=EVERYONE),
    "role": Rules(select=EVERYONE),
    "directorate": _reference(),
    "service_area": _reference(),
    "team": _reference(),
    "nature": _reference(),
    "service_category": _reference(),
    "outcome_code": _reference(),
    "stage_timescale": _reference(),
    "procedure_policy": _reference(),
    "report_bucket": _reference(),
    "kpi_definition": _reference((OFFICER, RESPONDER)),
    "closure_day": _reference(),
    "calendar_day": Rules(
        select=EVERYONE, insert=(MANAGER,), update={MANAGER: ALL}, delete=(MANAGER,)
    ),
    "baseline_figure": _reference((OFFICER,)),
    "retention_rule": _reference((OFFICER,)),
    "equality_category": _reference((OFFICER,)),
    "correspondence_template": _reference((OFFICER, RESPONDER)),
    "setting": Rules(
        select=EVERYONE,
        insert=(MANAGER,),
        update={MANAGER: ALL},
        delete=(MANAGER,),
        policies=(
            Policy(OFFICER, "SELECT", "true", None),
            Policy(RESPONDER, "SELECT", "true", None),
            # An investigator never sees a credential (the mail server's password).
            Policy(INVESTIGATOR, "SELECT", "NOT crm_secret_setting(key)", None),
            Policy(MANAGER, "ALL", "true", "true"),
        ),
    ),
    "reference_counter": Rules(
        select=(OFFICER,), insert=(OFFICER,), update={OFFICER: ("last_number",)}
    ),
    # -- people and users
    "person": Rules(
        select=EVERYONE,
        insert=(OFFICER,),
        update={OFFICER: ALL},
        delete=(MANAGER,),
        policies=(
            Policy(OFFICER, "ALL", "true", "true"),
            Policy(RESPONDER, "SELECT", "id IN (SELECT crm_area_persons())", None),
            Policy(INVESTIGATOR, "SELECT", "id = crm_own_person()", None),
        ),
    ),
    # Only administrators add, change and remove accounts and give roles: a manager
    # changes their own account as everyone does (an officer's rights, inherited).
    "app_user": Rules(
        select=EVERYONE,
        insert=(ADMIN,),
        update={
            OFFICER: OWN_ACCOUNT_COLUMNS,
            RESPONDER: OWN_ACCOUNT_COLUMNS,
            INVESTIGATOR: OWN_ACCOUNT_COLUMNS,
            ADMIN: ALL,
        },
        policies=(
            Policy(OFFICER, "SELECT", "true", None),
            Policy(RESPONDER, "SELECT", "true", None),
            Policy(INVESTIGATOR, "SELECT", OWN_ACCOUNT, None),
            *(Policy(g, "UPDATE", OWN_ACCOUNT, OWN_ACCOUNT) for g in EVERYONE),
            Policy(ADMIN, "ALL", "true", "true"),
        ),
    ),
    "equality_monitoring": Rules(
        select=(MANAGER,), insert=(MANAGER,), update={MANAGER: ALL}, delete=(MANAGER,)
    ),
    # -- cases
    # Legal hold and anonymisation are managers' (MANAGER_ONLY_COLUMNS below); nobody
    # deletes a case but crm_delete_case.
    "representation": _case_work("representation", readers=EVERYONE),
    "case_party": _case_work("case_party", readers=EVERYONE, officers_delete=True),
    "case_service_category": _case_work(
        "case_service_category", readers=EVERYONE, officers_delete=True
    ),
    "complaint_point": _case_work("complaint_point", readers=EVERYONE, officers_delete=True),
    "stage": _case_work("stage", readers=EVERYONE),
    "action_item": _case_work("action_item"),
    "correspondence": Rules(
        select=(OFFICER, RESPONDER),
        insert=(OFFICER, RESPONDER),
        update={OFFICER: ALL, RESPONDER: ALL},
        policies=_everyone_sees("correspondence"),
    ),
    "attachment": Rules(
        select=EVERYONE,
        insert=EVERYONE,
        delete=(MANAGER,),
        policies=(
            Policy(OFFICER, "ALL", "true", "true"),
            Policy(
                RESPONDER,
                "ALL",
                OWN_CASES[RESPONDER].format(case="case_id"),
                OWN_CASES[RESPONDER].format(case="case_id"),
            ),
            Policy(INVESTIGATOR, "SELECT", OWN_CASES[INVESTIGATOR].format(case="case_id"), None),
            # An investigator adds documents to their own cases, on their own appointment.
            Policy(
                INVESTIGATOR,
                "INSERT",
                None,
                OWN_CASES[INVESTIGATOR].format(case="case_id")
                + " AND (assignment_id IS NULL OR assignment_id IN "
                "(SELECT id FROM assignment WHERE person_id = crm_own_person()))",
            ),
        ),
    ),
    "point_outcome": _case_work("point_outcome", readers=EVERYONE, officers_delete=True),
    # A stage's suspensions and extensions are its due date's history (and an extension
    # a manager let pass its limit is the Code report's good reason): never deleted but
    # with their case.
    "stage_suspension": _case_work("stage_suspension"),
    "stage_extension": _case_work("stage_extension"),
    # Append-only for officers; managers clear their personal text on anonymisation.
    "due_date_change": _case_work("due_date_change", updated_by=MANAGER),
    "stage_grading": _case_work("stage_grading", updated_by=MANAGER),
    "lgsco_detail": _case_work("lgsco_detail"),
    "lgsco_remedy": _case_work("lgsco_remedy"),
    "lgsco_payment": _case_work("lgsco_payment"),
    "assignment": Rules(
        select=EVERYONE,
        insert=(OFFICER,),
        update={OFFICER: ALL, INVESTIGATOR: INVESTIGATOR_ASSIGNMENT_COLUMNS},
        policies=(
            Policy(OFFICER, "ALL", "true", "true"),
            Policy(RESPONDER, "SELECT", OWN_STAGES[RESPONDER], None),
            # Their own appointments only: not a colleague's notes, hours or fee.
            Policy(INVESTIGATOR, "SELECT", "person_id = crm_own_person()", None),
            Policy(
                INVESTIGATOR,
                "UPDATE",
                "person_id = crm_own_person()",
                "person_id = crm_own_person() AND stage_id IN (SELECT crm_assigned_stages())",
            ),
        ),
    ),
    # -- letters, notifications, the outbox
    "notification": Rules(
        select=EVERYONE,
        insert=(OFFICER,),
        update={g: ("read_at",) for g in EVERYONE} | {MANAGER: ALL},
        delete=(MANAGER,),
        policies=(
            *(Policy(g, "SELECT", OWN_USER, None) for g in EVERYONE),
            *(Policy(g, "UPDATE", OWN_USER, OWN_USER) for g in EVERYONE),
            Policy(OFFICER, "INSERT", None, "true"),
            Policy(MANAGER, "ALL", "true", "true"),
        ),
    ),
    "outbox_message": Rules(
        select=(OFFICER, RESPONDER),
        insert=(OFFICER, RESPONDER),
        update={OFFICER: ALL, RESPONDER: ALL},
        delete=(MANAGER,),
        policies=(
            Policy(OFFICER, "ALL", "true", "true"),
            # A responder's program writes only its letters' emails, each under its
            # letter's key: a key of its own choosing could take (and so stop) a
            # reminder of a case it may not see, and tell by the refusal that the
            # reminder exists.
            Policy(
                RESPONDER,
                "ALL",
                "case_id IN (SELECT crm_area_cases())",
                "case_id IN (SELECT crm_area_cases()) AND correspondence_id IS NOT NULL "
                "AND dedupe_key = 'letter:' || correspondence_id::text",
            ),
        ),
    ),
    # -- logs (the audit trail's rules follow the others': see _trail_rules)
    # Managers read it; entries past their retention period go only through
    # crm_purge_access_log, which records that they went (nobody deletes one at will).
    "case_access": Rules(
        select=(MANAGER,),
        insert=EVERYONE,
        policies=(
            *(Policy(g, "INSERT", None, f"{OWN_USER} AND {OWN_NAME_AND_ROLE}") for g in EVERYONE),
            Policy(MANAGER, "ALL", "true", "true"),
        ),
    ),
    "retention_event": Rules(select=(MANAGER,), insert=(MANAGER,)),
    # -- the Complaint Handling Code's yearly records: officers read them (the report),
    # managers keep them; each save of the self-assessment is kept, never changed.
    "code_year": _reference((OFFICER,)),
    "code_self_assessment": _reference((OFFICER,)),
    "code_self_assessment_change": Rules(select=(OFFICER,), insert=(MANAGER,)),
    "subject_access_request": Rules(select=(MANAGER,), insert=(MANAGER,)),
    "redaction_log": Rules(select=(MANAGER,), insert=(MANAGER,)),
}


# The program's own notes in the trail about a table's records, under another name.
NOTES_ABOUT: Mapping[str, tuple[str, ...]] = {"retention_event": ("retention",)}

# The notes the program writes in the trail (crm_audit_note), by entity: their actions.
# A note can say nothing else: not a change to a table the writer may not read, nor an
# import that never was. Officers write the workflow's (a step taken on a case they
# may open); the rest are managers' work (the import, the demo data, the retention
# schedule, a subject access export, equality answers).
WORKFLOW_NOTES: tuple[str, frozenset[str]] = ("workflow", frozenset(a.value for a in Action))
MANAGERS_NOTES: Mapping[str, frozenset[str]] = {
    "representation": frozenset({"import", "generate demo data"}),
    # (The access log's purge is noted by the database's own crm_purge_access_log.)
    "retention": frozenset(
        k.value for k in RetentionEventKind if k != RetentionEventKind.ACCESS_LOG_PURGED
    ),
    "subject_access_request": frozenset({"export"}),
    "equality_monitoring": frozenset({"record", "erase"}),
}


def _not_read_by(group: str) -> list[str]:
    """The tables ``group`` may not read (by its own grants: managers and administrators
    also have officers'), and the names the program's notes about them go under."""
    tables = [t for t, rules in RULES.items() if group not in rules.select]
    return sorted({*tables, *(n for t in tables for n in NOTES_ABOUT.get(t, ()))})


def _trail_rules() -> Rules:
    """The audit trail: read by officers, and by service responders for their own area's
    cases; neither reads the events of a table they may not read themselves (a subject
    access request, equality answers, the access log...), nor officers the events about
    user accounts (which once held password hashes). Managers read it all."""

    def other_than(entities: Iterable[str]) -> str:
        return "entity NOT IN (" + ", ".join(_literal(e) for e in sorted(entities)) + ")"

    return Rules(
        select=(OFFICER, RESPONDER),
        policies=(
            Policy(OFFICER, "SELECT", other_than({"app_user", *_not_read_by(OFFICER)}), None),
            Policy(
                RESPONDER,
                "SELECT",
                "case_id IN (SELECT crm_area_cases()) AND "
                + other_than({"app_user", *_not_read_by(RESPONDER)}),
                None,
            ),
            Policy(MANAGER, "SELECT", "true", None),
        ),
    )


RULES["audit_event"] = _trail_rules()

# Managers' own extra columns on a case (legal hold, anonymisation) are in officers'
# ALL; they are taken out of officers' grant here.
MANAGER_ONLY_COLUMNS: Mapping[str, frozenset[str]] = {
    "representation": frozenset({"legal_hold", "anonymised_at"}),
    "person": frozenset({"anonymised_at"}),
    # Passing an extension's limit is a manager's decision (the Code report counts it
    # as a good reason).
    "stage_extension": frozenset({"beyond_limit"}),
    # Accepting a request for the next stage after its window closed.
    "stage": frozenset({"next_stage_window_override"}),
    # Appointing someone the eligibility rules warn about.
    "assignment": frozenset({"override_reason", "overridden_by"}),
}

# What changes on a closed council stage below a manager: what the program records after
# the response (when the complainant received it, when they asked for the next stage,
# a manager's acceptance of a late request) and who changed the row when. The rest is
# what the figures count, changed only by reopening the stage (crm_manager_decisions).
AFTER_RESPONSE = frozenset(
    {
        "response_received_on",
        "next_stage_requested_on",
        "next_stage_window_override",
        "version",
        "updated_at",
        "updated_by",
    }
)

# Tables whose rows, once written, change below a manager only in these columns
# (crm_written_once): a letter when it is sent (the day it went is anyone's to enter).
WRITTEN_ONCE: Mapping[str, frozenset[str]] = {
    "correspondence": frozenset({"sent_at", "version", "updated_at", "updated_by"}),
}

# What closing a suspended stage changes of its open suspension (crm_closed_stage_rows).
ENDING_SUSPENSION = frozenset({"ends_on", "version", "updated_at", "updated_by"})

# The columns that say who wrote a row and when, by name, and what kind each is (see
# author_function): written by the database on a login's own writes, so a service responder's
# letter cannot be put in a manager's name, nor dated last year. (``claimed_by`` on the
# outbox is a sending program's token, not a person.)
AUTHOR_KINDS: Mapping[str, str] = {
    "created_by": "author",
    "uploaded_by": "author",
    "changed_by": "author",
    "produced_by": "author",
    "redacted_by": "author",
    "created_at": "added",
    "uploaded_at": "added",
    "changed_at": "added",
    "produced_at": "added",
    "redacted_at": "added",
    "opened_at": "added",
    "overridden_by": "approver",
    "updated_by": "changer",
}


# The program's labels of its work, written before the user's name in who wrote a row
# ("import:j.smith", crm_desktop.operations.imports).
WORK_LABELS = ("import",)


# Columns of one table that say who wrote a row and when, under names of its own: the
# retention log's who anonymised, deleted or held a case (always the login's own user:
# none of it is the program's work under its own names), and when.
TABLE_AUTHOR_KINDS: Mapping[str, Mapping[str, str]] = {
    "retention_event": {"actor": "writer", "occurred_at": "added"},
}


def author_columns(columns: Iterable[str], table: str = "") -> list[tuple[str, str]]:
    """Of ``table``'s ``columns``, those that say who wrote a row and when, with their
    kind."""
    kinds = {**AUTHOR_KINDS, **TABLE_AUTHOR_KINDS.get(table, {})}
    return [(c, kinds[c]) for c in sorted(columns) if c in kinds]


def author_function(function: str, kinds: Iterable[tuple[str, str]]) -> str:
    """The trigger function ``function`` that writes who wrote a row of one table and
    when (its columns and their kinds: :func:`author_columns`), as the database knows
    it, whatever a login's own SQL sent: who added the row and when ("author", "added")
    are written once and kept; who approved it ("approver") is whoever sets it; who
    changed it last ("changer"), whoever did. The user's name, the program's label of
    the work before it (an import is written as "import:<username>"), or one of the
    program's own names for work no one person did ("system", "reminders") stands as
    sent. Written out column by column for each table: a row of the import costs a few
    assignments, not a rebuilt record."""
    sent = ", ".join(
        [
            "actor",
            *(f"{_literal(label + ':')} || actor" for label in WORK_LABELS),
            *(_literal(name) for name in PROGRAM_NAMES),
        ]
    )
    added, changed, always = [], [], []
    for column, kind in kinds:
        c = _ident(column)
        if kind == "writer":  # the login's own user, whatever was sent
            added.append(f"NEW.{c} := actor;")
            changed.append(f"NEW.{c} := OLD.{c};")
        elif kind == "author":
            added.append(
                f"IF NEW.{c} IS NULL OR NEW.{c} NOT IN ({sent}) THEN NEW.{c} := actor; END IF;"
            )
            changed.append(f"NEW.{c} := OLD.{c};")
        elif kind == "added":
            added.append(f"NEW.{c} := clock_timestamp() AT TIME ZONE 'UTC';")
            changed.append(f"NEW.{c} := OLD.{c};")
        elif kind == "approver":
            added.append(
                f"IF NEW.{c} IS NOT NULL AND NEW.{c} NOT IN ({sent}) THEN NEW.{c} := actor; END IF;"
            )
            changed.append(
                f"IF NEW.{c} IS DISTINCT FROM OLD.{c} AND NEW.{c} IS NOT NULL "
                f"AND NEW.{c} NOT IN ({sent}) THEN NEW.{c} := actor; END IF;"
            )
        else:  # changer
            always.append(
                f"IF NEW.{c} IS NULL OR NEW.{c} NOT IN ({sent}) THEN NEW.{c} := actor; END IF;"
            )
    body = "\n".join(
        [
            "IF TG_OP = 'INSERT' THEN",
            *added,
            "ELSE",
            *changed,
            "END IF;",
            *always,
        ]
    )
    # With the login's own rights and nothing set (it reads nothing itself; who the
    # login is comes from crm_actor): called for every row a login writes.
    return (
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
        "AS $fn$\nDECLARE actor text := public.crm_actor();\nBEGIN\n"
        f"{body}\nRETURN NEW;\nEND\n$fn$"
    )


# A row's case and its links to other rows of a case, which must be of the same case
# (crm_same_case).
SAME_CASE_LINKS: Mapping[str, tuple[str, ...]] = {
    "representation": ("current_stage_id",),
    "correspondence": ("case_id", "stage_id"),
    "attachment": ("case_id", "correspondence_id", "assignment_id"),
    "outbox_message": ("case_id", "correspondence_id"),
    "action_item": ("case_id", "stage_id"),
    "point_outcome": ("stage_id", "point_id"),
    "stage": ("case_id", "previous_stage_id"),
    "lgsco_payment": ("stage_id", "remedy_id"),
    "assignment": ("stage_id", "replaced_by_id"),
}


def audited_tables() -> list[str]:
    """The tables whose every row change the database records in the trail."""
    return sorted(set(_tables()) - audit.NOT_AUDITED_TABLES)


def _tables() -> dict[str, sa.Table]:
    return dict(Base.metadata.tables)


# -- functions and triggers --------------------------------------------------------------


def _functions(prefix: str, database: str) -> list[str]:
    groups = {g: group_name(prefix, g) for g in GROUPS.values()}
    grades = _text_array(g.value for g in ADULT_GRADES)
    group_of_role = " ".join(
        f"WHEN {_literal(role.value)} THEN {_literal(groups[g])}" for role, g in GROUPS.items()
    )
    all_groups = "ARRAY[" + ", ".join(_literal(n) for n in groups.values()) + "]::text[]"
    # What only the database writes: a row created, changed or deleted, a case deleted.
    row_actions = ", ".join(_literal(a) for a in ("", "create", "update", "delete", "delete case"))
    workflow_entity = _literal(WORKFLOW_NOTES[0])
    workflow_actions = _text_array(WORKFLOW_NOTES[1])
    managers_notes = "\n                            OR ".join(
        f"(one_note ->> 'entity' = {_literal(entity)} "
        f"AND one_note ->> 'action' = ANY ({_text_array(actions)}))"
        for entity, actions in sorted(MANAGERS_NOTES.items())
    )
    deleted = _literal(RetentionEventKind.DELETED.value)
    live = ", ".join(
        _literal(s.value)
        for s in (
            AssignmentStatus.OFFERED,
            AssignmentStatus.ACCEPTED,
            AssignmentStatus.REPORT_RECEIVED,
        )
    )
    secrets = "ARRAY[" + ", ".join(_literal(k) for k in sorted(audit.SECRET_SETTINGS)) + "]"
    kept = "ARRAY[" + ", ".join(_literal(k) for k in sorted(audit.KEPT_WHEN_WITHHELD)) + "]"
    definer = DEFINER
    from crm_desktop.domain.appointments import (
        HOURS_PER_DAY,
        MAX_HOURS,
        NOTE_HEADER,
        OTHER_LINE_BREAKS,
        Step,
        statuses_allowing,
    )

    # The start of a progress note as the program writes it: "7 Dec 2026 (".
    header = _literal(NOTE_HEADER.pattern)
    # Any line break but a new line (the program writes new lines only).
    other_breaks = _literal("[" + "".join(f"\\u{ord(c):04x}" for c in OTHER_LINE_BREAKS) + "]")
    progress_statuses = ", ".join(
        _literal(s.value) for s in sorted(statuses_allowing(Step.RECORD_PROGRESS))
    )

    transitions = " OR ".join(
        f"(OLD.status = {_literal(a.value)} AND NEW.status = {_literal(b.value)})"
        for a, b in (
            (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED),
            (AssignmentStatus.OFFERED, AssignmentStatus.DECLINED),
            (AssignmentStatus.ACCEPTED, AssignmentStatus.REPORT_RECEIVED),
        )
    )
    return [
        # ---- who is connected
        """
        CREATE OR REPLACE FUNCTION crm_is_owner() RETURNS boolean
        LANGUAGE sql STABLE AS $fn$
            -- The tables' owner, a role that has the owner's rights (a member of it that
            -- inherits them) or a superuser: the only ones who may empty the audit
            -- trail's table (TRUNCATE is granted to no login, and the trail's own
            -- trigger refuses it anyway). One call of a built-in function, with the
            -- caller's rights and nothing set, so that PostgreSQL writes it into the
            -- triggers' WHEN itself: it is asked for every row a login writes.
            SELECT pg_catalog.has_table_privilege(
                session_user, 'public.audit_event'::pg_catalog.regclass, 'TRUNCATE')
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_is_manager() RETURNS boolean
        LANGUAGE sql STABLE AS $fn$
            -- The owner or a manager's login (a member of the managers' group): who may
            -- make the decisions the program leaves to a manager, asked in one place
            -- by every rule that leaves one to them. Plain SQL with nothing set, like
            -- crm_is_owner(), so PostgreSQL writes it into the expression that asks.
            SELECT public.crm_is_owner() OR pg_catalog.pg_has_role(
                session_user, {_literal(groups[MANAGER])}, 'MEMBER')
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_own_user_id() RETURNS integer
        LANGUAGE plpgsql STABLE {definer} AS $fn$
        DECLARE result integer;
        BEGIN
            SELECT id INTO result FROM app_user WHERE db_role = session_user AND active;
            RETURN result;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_own_person() RETURNS integer
        LANGUAGE plpgsql STABLE {definer} AS $fn$
        DECLARE result integer;
        BEGIN
            SELECT person_id INTO result FROM app_user WHERE db_role = session_user AND active;
            RETURN result;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_own_role() RETURNS text
        LANGUAGE plpgsql STABLE {definer} AS $fn$
        DECLARE result text;
        BEGIN
            SELECT role INTO result FROM app_user WHERE db_role = session_user AND active;
            RETURN result;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_assigned_stages() RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT s2.id FROM stage s2 WHERE s2.case_id IN (
                SELECT s.case_id FROM stage s JOIN assignment a ON a.stage_id = s.id
                WHERE a.person_id = crm_own_person() AND a.status IN ({live}))
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_assigned_cases() RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT DISTINCT s.case_id FROM stage s JOIN assignment a ON a.stage_id = s.id
            WHERE a.person_id = crm_own_person() AND a.status IN ({live})
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_area_cases() RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT r.id FROM representation r
            WHERE r.service_area_id = (SELECT service_area_id FROM app_user
                                       WHERE db_role = session_user AND active)
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_area_stages() RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT s.id FROM stage s WHERE s.case_id IN (SELECT crm_area_cases())
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_area_persons() RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT p.person_id FROM case_party p WHERE p.case_id IN (SELECT crm_area_cases())
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_may_open_case(case_id integer) RETURNS boolean
        LANGUAGE sql STABLE {definer} AS $$
            SELECT CASE crm_own_role()
                WHEN 'investigator' THEN case_id IN (SELECT crm_assigned_cases())
                WHEN 'service responder' THEN case_id IN (SELECT crm_area_cases())
                ELSE crm_own_role() IS NOT NULL END
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_secret_setting(key text) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $$ SELECT key OPERATOR(pg_catalog.=) ANY ({secrets}) $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_group_for(role text) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$ SELECT CASE role {group_of_role} END $$""",
        # ---- the audit trail
        f"""
        CREATE OR REPLACE FUNCTION crm_actor() RETURNS text
        LANGUAGE plpgsql STABLE {definer} AS $fn$
        BEGIN
            RETURN coalesce(
                (SELECT username FROM app_user WHERE db_role = session_user),
                CASE WHEN crm_is_owner() THEN coalesce(
                    nullif(current_setting('crm.actor', true), ''), session_user::text) END,
                'login:' || session_user);
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_may_withhold() RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $fn$
        BEGIN
            RETURN crm_is_owner() OR coalesce(crm_own_role() IN ('manager', 'admin'), false);
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_audit_mask(data jsonb, masked text[], withheld boolean)
        RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
            SELECT CASE WHEN data IS NULL THEN NULL ELSE coalesce(
                (SELECT jsonb_object_agg(k, CASE
                     WHEN k = ANY (masked) THEN to_jsonb({_literal(audit.WITHHELD)}::text)
                     WHEN withheld AND v <> 'null'::jsonb AND NOT k = ANY ({kept})
                         THEN to_jsonb({_literal(audit.WITHHELD)}::text)
                     ELSE v END)
                 FROM jsonb_each(data) AS e(k, v)), '{{}}'::jsonb) END
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_audit_row() RETURNS trigger
        LANGUAGE plpgsql {definer} SET extra_float_digits = 1 AS $fn$
        DECLARE
            keys text[] := string_to_array(TG_ARGV[0], ',');
            masked text[] := string_to_array(coalesce(TG_ARGV[1], ''), ',');
            old_row jsonb; new_row jsonb; row_data jsonb;
            before_data jsonb; after_data jsonb;
            the_case integer; the_id text; withheld boolean;
        BEGIN
            IF current_setting('crm.audit_rows', true) = 'off' AND crm_is_owner() THEN
                RETURN NULL;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                old_row := to_jsonb(OLD) - 'updated_at' - 'updated_by';
            END IF;
            IF TG_OP <> 'DELETE' THEN
                new_row := to_jsonb(NEW) - 'updated_at' - 'updated_by';
            END IF;
            IF TG_OP = 'UPDATE' THEN
                -- The columns that changed, before and after (one query, not a loop:
                -- a stage has some forty columns).
                SELECT coalesce(jsonb_object_agg(n.key, o.value), '{{}}'::jsonb),
                       coalesce(jsonb_object_agg(n.key, n.value), '{{}}'::jsonb)
                INTO before_data, after_data
                FROM jsonb_each(new_row) AS n JOIN jsonb_each(old_row) AS o USING (key)
                WHERE n.value IS DISTINCT FROM o.value;
                IF before_data = '{{}}'::jsonb THEN
                    -- Only who last changed it: the program never writes that alone,
                    -- so someone named another user by hand, and the trail says so.
                    before_data := jsonb_build_object('updated_by', to_jsonb(OLD) -> 'updated_by');
                    after_data := jsonb_build_object('updated_by', to_jsonb(NEW) -> 'updated_by');
                    IF before_data = after_data THEN
                        RETURN NULL;
                    END IF;
                END IF;
            ELSIF TG_OP = 'INSERT' THEN
                after_data := new_row;
            ELSE
                before_data := old_row;
            END IF;
            row_data := coalesce(new_row, old_row);
            IF TG_TABLE_NAME = 'setting' AND crm_secret_setting(row_data ->> 'key') THEN
                masked := masked || ARRAY['value'];
            END IF;
            withheld := coalesce(current_setting('crm.audit_values', true), '') = 'withheld'
                AND crm_may_withhold();
            IF withheld OR cardinality(masked) > 0 THEN
                before_data := crm_audit_mask(before_data, masked, withheld);
                after_data := crm_audit_mask(after_data, masked, withheld);
            END IF;
            IF cardinality(keys) = 1 THEN
                the_id := row_data ->> keys[1];
            ELSE
                SELECT string_agg(row_data ->> k, ':' ORDER BY n) INTO the_id
                FROM unnest(keys) WITH ORDINALITY AS u(k, n);
            END IF;
            IF TG_TABLE_NAME = 'representation' THEN
                the_case := (row_data ->> 'id')::integer;
            ELSIF row_data ? 'case_id' THEN
                the_case := (row_data ->> 'case_id')::integer;
            ELSIF row_data ? 'stage_id' THEN
                SELECT s.case_id INTO the_case FROM stage s
                WHERE s.id = (row_data ->> 'stage_id')::integer;
            END IF;
            INSERT INTO audit_event
                (occurred_at, username, action, entity, entity_id, case_id, before, after)
            VALUES (
                clock_timestamp() AT TIME ZONE 'UTC', crm_actor(),
                CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update'
                           ELSE 'delete' END,
                TG_TABLE_NAME, the_id, the_case, before_data::text, after_data::text);
            RETURN NULL;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_audit_write(events jsonb) RETURNS integer
        LANGUAGE sql VOLATILE {definer} AS $$
            WITH added AS (
                INSERT INTO audit_event
                    (occurred_at, username, action, entity, entity_id, case_id, before, after)
                SELECT clock_timestamp() AT TIME ZONE 'UTC', crm_actor(), e ->> 'action',
                       e ->> 'entity', e ->> 'entity_id', (e ->> 'case_id')::integer,
                       e ->> 'before', e ->> 'after'
                FROM jsonb_array_elements(events) AS e
                RETURNING 1)
            SELECT count(*)::integer FROM added
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_audit_note(events jsonb) RETURNS integer
        LANGUAGE plpgsql VOLATILE {definer} AS $fn$
        DECLARE
            one_note jsonb; the_case integer;
        BEGIN
            -- The program's actions and entities are plain words ("close case",
            -- "equality_monitoring"): no tab, no-break space or look-alike letter can
            -- make a note pass for one of the database's own events.
            IF jsonb_typeof(events) IS DISTINCT FROM 'array' OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(events) AS e
                    WHERE coalesce(e ->> 'action', '') IN ({row_actions})
                       OR coalesce(e ->> 'action', '') !~ '^[a-z]+( [a-z]+)*$'
                       OR coalesce(e ->> 'entity', '') !~ '^[a-z]+(_[a-z]+)*$') THEN
                RAISE EXCEPTION 'An event written by the program names its action and entity '
                    'in plain lower-case words, and cannot say that a row was created, changed '
                    'or deleted: the database records those itself.'
                    USING ERRCODE = '42501';
            END IF;
            FOR one_note IN SELECT * FROM jsonb_array_elements(events) LOOP
                -- Only the program's own notes: a step taken on a case (officers), or a
                -- manager's import, retention, export or equality work.
                IF NOT ((one_note ->> 'entity' = {workflow_entity}
                         AND one_note ->> 'action' = ANY ({workflow_actions}))
                        OR (crm_is_manager() AND (
                            {managers_notes}))) THEN
                    RAISE EXCEPTION 'The trail takes only the program''s own notes: "%" '
                        'of "%" is not one of them.',
                        one_note ->> 'action', one_note ->> 'entity'
                        USING ERRCODE = '42501';
                END IF;
                -- What a note says before and after is an object, as the program writes
                -- it (anything else would stop the case's history from being shown).
                IF NOT (crm_json_object(one_note ->> 'before')
                        AND crm_json_object(one_note ->> 'after')) THEN
                    RAISE EXCEPTION 'A note''s before and after are JSON objects.'
                        USING ERRCODE = '42501';
                END IF;
                -- A note names a case that exists and that the writer may open (a step
                -- is always on a case); a deletion's note, the case it deleted.
                IF one_note ->> 'case_id' IS NULL THEN
                    IF one_note ->> 'entity' = {workflow_entity} THEN
                        RAISE EXCEPTION 'A step in the workflow is noted on its case.'
                            USING ERRCODE = '42501';
                    END IF;
                    CONTINUE;
                END IF;
                IF jsonb_typeof(one_note -> 'case_id') IS DISTINCT FROM 'number'
                   OR (one_note ->> 'case_id') !~ '^[0-9]{{1,9}}$' THEN
                    RAISE EXCEPTION 'A note names its case by its number.' USING ERRCODE = '42501';
                END IF;
                the_case := (one_note ->> 'case_id')::integer;
                IF NOT coalesce(CASE WHEN one_note ->> 'entity' = 'retention'
                                          AND one_note ->> 'action' = {deleted}
                    THEN NOT EXISTS (SELECT 1 FROM representation WHERE id = the_case)
                         AND EXISTS (SELECT 1 FROM audit_event
                                     WHERE case_id = the_case AND action = 'delete case')
                    ELSE EXISTS (SELECT 1 FROM representation WHERE id = the_case)
                         AND (crm_is_owner() OR crm_may_open_case(the_case)) END, false)
                THEN
                    RAISE EXCEPTION 'A note names a case that exists and that its writer may '
                        'open (a deletion''s note, the case it deleted).'
                        USING ERRCODE = '42501';
                END IF;
            END LOOP;
            RETURN crm_audit_write(events);
        END
        $fn$""",
        """
        CREATE OR REPLACE FUNCTION crm_as_json(value text) RETURNS jsonb
        LANGUAGE plpgsql IMMUTABLE AS $fn$
        BEGIN
            RETURN value::jsonb;
        EXCEPTION WHEN data_exception THEN
            RETURN NULL;  -- not JSON (or JSON no jsonb holds)
        END
        $fn$""",
        """
        CREATE OR REPLACE FUNCTION crm_json_object(value text) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $fn$
            SELECT value IS NULL OR coalesce(jsonb_typeof(crm_as_json(value)) = 'object', false)
        $fn$""",
        """
        CREATE OR REPLACE FUNCTION crm_audit_field(value text) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT CASE WHEN value IS NULL THEN '~,'
                        ELSE length(value)::text || ':' || value || ',' END
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_event_hash(
            prev text, seq bigint, event_id bigint, occurred_at timestamp, username text,
            action text, entity text, entity_id text, case_id integer, before text, after text)
        RETURNS text LANGUAGE sql IMMUTABLE AS $$
            SELECT encode(sha256(convert_to(
                'crm-audit-{audit.HASH_VERSION}' || chr(10) || coalesce(prev, '') || chr(10)
                || crm_audit_field(seq::text) || crm_audit_field(event_id::text)
                || crm_audit_field(to_char(occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS.US'))
                || crm_audit_field(username) || crm_audit_field(action)
                || crm_audit_field(entity) || crm_audit_field(entity_id)
                || crm_audit_field(case_id::text) || crm_audit_field(before)
                || crm_audit_field(after), 'UTF8')), 'hex')
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_audit_seal(wait boolean DEFAULT true) RETURNS integer
        LANGUAGE plpgsql {definer} SET lock_timeout = '20s' AS $fn$
        DECLARE
            last_seq bigint; last_hash text; sealed integer := 0; ev record; digest text;
        BEGIN
            -- One seal at a time. The lock is the schema version's row, which only the
            -- owner may lock (an advisory lock's key anyone could take and hold, and no
            -- event would be sealed again); waiting gives up after 20 seconds.
            IF wait THEN
                PERFORM 1 FROM alembic_version FOR UPDATE;
            ELSE
                PERFORM 1 FROM alembic_version FOR UPDATE SKIP LOCKED;
                IF NOT FOUND THEN
                    RETURN -1;
                END IF;
            END IF;
            SELECT chain_seq, hash INTO last_seq, last_hash FROM audit_event
            WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
            last_seq := coalesce(last_seq, 0);
            FOR ev IN SELECT * FROM audit_event WHERE chain_seq IS NULL ORDER BY id LOOP
                last_seq := last_seq + 1;
                digest := crm_event_hash(last_hash, last_seq, ev.id, ev.occurred_at,
                    ev.username, ev.action, ev.entity, ev.entity_id,
                    ev.case_id, ev.before, ev.after);
                UPDATE audit_event
                SET chain_seq = last_seq, prev_hash = last_hash, hash = digest,
                    hash_version = {audit.HASH_VERSION}
                WHERE id = ev.id;
                last_hash := digest;
                sealed := sealed + 1;
            END LOOP;
            RETURN sealed;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_audit_head() RETURNS TABLE (seq bigint, hash text)
        LANGUAGE sql STABLE {definer} AS $$
            SELECT chain_seq, hash::text FROM audit_event WHERE chain_seq IS NOT NULL
            ORDER BY chain_seq DESC LIMIT 1
        $$""",
        """
        CREATE OR REPLACE FUNCTION crm_audit_guard() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
                   AND (NEW.id, NEW.occurred_at, NEW.username, NEW.action, NEW.entity,
                        NEW.entity_id, NEW.case_id, NEW.before, NEW.after)
                       IS NOT DISTINCT FROM
                       (OLD.id, OLD.occurred_at, OLD.username, OLD.action, OLD.entity,
                        OLD.entity_id, OLD.case_id, OLD.before, OLD.after) THEN
                    RETURN NEW;
                END IF;
            END IF;
            RAISE EXCEPTION 'The audit trail is append-only: its events are never changed '
                'or deleted.' USING ERRCODE = '42501';
        END
        $fn$""",
        # ---- sign-in, logins, deleting a case
        f"""
        CREATE OR REPLACE FUNCTION crm_sign_in_account(name text)
        RETURNS TABLE (user_id integer, password_hash text)
        LANGUAGE sql STABLE {definer} AS $$
            SELECT u.id, u.password_hash::text FROM app_user u
            WHERE u.username = lower(btrim(name))
              AND (crm_is_owner() OR u.db_role = session_user)
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_has_password(name text) RETURNS boolean
        LANGUAGE sql STABLE {definer} AS $$
            -- Whether a user signs in with a password (for whoever manages users; the
            -- hash itself is the owner's and the user's own login's only).
            SELECT u.password_hash IS NOT NULL FROM app_user u
            WHERE u.username = lower(btrim(name))
        $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_revoke_groups(login text, keep text) RETURNS void
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            group_role text;
        BEGIN
            FOREACH group_role IN ARRAY {all_groups} LOOP
                IF group_role IS DISTINCT FROM keep AND EXISTS (
                        SELECT 1 FROM pg_auth_members m
                        JOIN pg_roles g ON g.oid = m.roleid
                        JOIN pg_roles u ON u.oid = m.member
                        WHERE g.rolname = group_role AND u.rolname = login) THEN
                    EXECUTE format('REVOKE %I FROM %I', group_role, login);
                END IF;
            END LOOP;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_apply_login(login text, role text, active boolean)
        RETURNS void LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            -- A disabled login keeps no group: a session that slipped in before the
            -- change committed loses every right with it.
            wanted text := CASE WHEN active THEN crm_group_for(role) END;
            held text[];
        BEGIN
            IF login IS NULL OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
                RETURN;
            END IF;
            SELECT coalesce(array_agg(g.rolname::text ORDER BY g.rolname), '{{}}') INTO held
            FROM pg_auth_members m
            JOIN pg_roles g ON g.oid = m.roleid
            JOIN pg_roles u ON u.oid = m.member
            WHERE u.rolname = login AND g.rolname = ANY ({all_groups});
            PERFORM crm_revoke_groups(login, wanted);
            IF wanted IS NOT NULL AND NOT wanted = ANY (held) THEN
                EXECUTE format('GRANT %I TO %I', wanted, login);
            END IF;
            IF active THEN
                EXECUTE format('ALTER ROLE %I LOGIN CONNECTION LIMIT %s', login,
                               {LOGIN_CONNECTION_LIMIT});
            ELSE
                EXECUTE format('ALTER ROLE %I NOLOGIN', login);
            END IF;
            -- Disabled, or moved to another role's group: its open sessions end (one that
            -- had taken the old group's rights with SET ROLE would keep them otherwise).
            IF NOT active OR held IS DISTINCT FROM ARRAY[wanted] THEN
                BEGIN
                    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE usename = login AND pid <> pg_backend_pid();
                EXCEPTION WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'The login % cannot be signed out of the database: the '
                        'database owner needs to be a member of pg_signal_backend.',
                        login USING ERRCODE = '42501';
                END;
            END IF;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_login_sync() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.db_role IS NOT NULL
               AND OLD.db_role IS DISTINCT FROM NEW.db_role THEN
                -- A login no longer linked to this user keeps nothing here.
                PERFORM crm_revoke_groups(OLD.db_role, NULL);
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = OLD.db_role) THEN
                    EXECUTE format('ALTER ROLE %I NOLOGIN', OLD.db_role);
                END IF;
            END IF;
            IF TG_OP = 'UPDATE' AND NEW.role IS NOT DISTINCT FROM OLD.role
               AND NEW.active IS NOT DISTINCT FROM OLD.active
               AND NEW.db_role IS NOT DISTINCT FROM OLD.db_role THEN
                RETURN NULL;
            END IF;
            PERFORM crm_apply_login(NEW.db_role, NEW.role, NEW.active);
            RETURN NULL;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_keeps_a_manager() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            was boolean := OLD.active AND OLD.role = {_literal(UserRole.ADMIN.value)};
            stays boolean := TG_OP = 'UPDATE' AND NEW.active
                AND NEW.role = {_literal(UserRole.ADMIN.value)};
        BEGIN
            -- The program's rules for accounts, whatever a login's own SQL does: nobody
            -- disables or removes their own account, and an active administrator
            -- remains, to change users and roles (the active administrators' rows are
            -- locked first, so two disabling each other at once cannot both succeed).
            -- The owner's login may do either.
            IF OLD.db_role = session_user AND OLD.active
               AND (TG_OP = 'DELETE' OR NOT NEW.active) THEN
                RAISE EXCEPTION 'Nobody can disable their own account: ask another '
                    'administrator.' USING ERRCODE = '42501';
            END IF;
            IF was AND NOT stays THEN
                PERFORM 1 FROM app_user u
                    WHERE u.active AND u.role = {_literal(UserRole.ADMIN.value)}
                    ORDER BY u.id FOR UPDATE;
                IF NOT EXISTS (SELECT 1 FROM app_user u WHERE u.active
                               AND u.role = {_literal(UserRole.ADMIN.value)}
                               AND u.id <> OLD.id) THEN
                    RAISE EXCEPTION '% is the last active administrator: enable or add '
                        'another administrator first.', OLD.username USING ERRCODE = '42501';
                END IF;
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_account_columns() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $fn$
        BEGIN
            -- What the program writes of an account's password and sign-ins, whoever's
            -- login writes it (a login may change these of its own account): a password
            -- only as its Argon2id hash, a count of wrong passwords the program could
            -- have counted (a negative one would never reach the lockout), and a sign-in
            -- no later than now (one in the future would hide an unused account; a
            -- computer whose clock is fast gets the server's time).
            IF NEW.password_hash IS DISTINCT FROM
                   (CASE WHEN TG_OP = 'UPDATE' THEN OLD.password_hash END)
               AND (NEW.password_hash IS NULL
                    OR NEW.password_hash !~ {_literal(PASSWORD_HASH)}) THEN
                RAISE EXCEPTION 'A password is kept only as the program''s hash of it: '
                    'set it in CRM Desktop.' USING ERRCODE = '42501';
            END IF;
            IF NEW.failed_sign_ins IS DISTINCT FROM
                   (CASE WHEN TG_OP = 'UPDATE' THEN OLD.failed_sign_ins END)
               AND NEW.failed_sign_ins NOT BETWEEN 0 AND {MAX_FAILURES} THEN
                RAISE EXCEPTION 'The count of wrong passwords is kept by the program.'
                    USING ERRCODE = '42501';
            END IF;
            IF NEW.last_sign_in_at IS DISTINCT FROM
                   (CASE WHEN TG_OP = 'UPDATE' THEN OLD.last_sign_in_at END)
               AND NEW.last_sign_in_at > now() AT TIME ZONE 'UTC' THEN
                NEW.last_sign_in_at := now() AT TIME ZONE 'UTC';
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_stored_name() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $fn$
        BEGIN
            -- A document's file is named as the program names it, in one spelling only:
            -- "./name" or "name/." would reach another record's file (the unique name
            -- compares the text), to be opened, or deleted with this record's case.
            IF NEW.stored_name !~ {_literal("^" + STORED_NAME.pattern + "$")} THEN
                RAISE EXCEPTION 'A document''s file is named by the program: add it in '
                    'CRM Desktop.' USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_counter_guard() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        BEGIN
            -- Reference numbers have no gaps: below a manager, a login takes the next
            -- number only (a new year's first, or one more than the last).
            IF crm_is_manager() THEN
                RETURN NEW;
            END IF;
            IF NEW.year > extract(year FROM {COUNCIL_TODAY} + 1) THEN
                RAISE EXCEPTION 'A reference number is taken in its own year, not before.'
                    USING ERRCODE = '42501';
            END IF;
            IF TG_OP = 'INSERT' AND NEW.last_number = 1 THEN
                RETURN NEW;
            END IF;
            IF TG_OP = 'UPDATE' AND (NEW.prefix, NEW.year) = (OLD.prefix, OLD.year)
               AND NEW.last_number = OLD.last_number + 1 THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'Reference numbers are taken one at a time, with no gaps.'
                USING ERRCODE = '42501';
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_reminders_lock() RETURNS void
        LANGUAGE plpgsql {definer} AS $fn$
        BEGIN
            -- The reminders' planning, one run at a time, until the caller's transaction
            -- ends. The lock is on the roles' table, which only the owner may lock (and
            -- this function, which only managers may call): an advisory lock's key any
            -- login could take and hold, and no reminder would be planned again.
            IF NOT crm_is_manager() THEN
                RAISE EXCEPTION 'Only a manager runs reminders.' USING ERRCODE = '42501';
            END IF;
            LOCK TABLE public.role IN SHARE ROW EXCLUSIVE MODE;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_needs_other_responder(the_case integer, code text)
        RETURNS boolean LANGUAGE plpgsql STABLE {definer} AS $fn$
        BEGIN
            -- Whether the procedure policy the case follows (the version in force on
            -- the day it was received) says stage ``code`` must be considered by someone
            -- other than the previous stage's responder (the Code's Stage 2).
            RETURN coalesce((
                SELECT (entry ->> 'different_responder')::boolean
                FROM representation c
                CROSS JOIN LATERAL (
                    SELECT p.rules FROM procedure_policy p
                    WHERE p.procedure = c.procedure AND p.effective_from <= c.received_on
                    ORDER BY p.effective_from DESC LIMIT 1) policy
                CROSS JOIN LATERAL jsonb_array_elements(policy.rules::jsonb -> 'stages') AS entry
                WHERE c.id = the_case AND entry ->> 'stage' = code
                LIMIT 1), false);
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_manager_decisions() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            before_responder integer; after_responder integer; after_stage text;
            case_status text; gives_responder boolean;
        BEGIN
            -- Decisions the program leaves to a manager, whatever a login's own SQL
            -- does: reopening a closed case or stage (the Reopen action), and letting
            -- the previous stage's responder answer a stage its procedure policy says
            -- someone else must consider (the Complaint Handling Code's Stage 2).
            IF crm_is_manager() THEN
                RETURN NEW;  -- (the owner's writes do not come here: the trigger's WHEN)
            END IF;
            IF TG_OP = 'UPDATE' AND OLD.status = {_literal(CaseStatus.CLOSED.value)}
               AND NEW.status IS DISTINCT FROM OLD.status THEN
                RAISE EXCEPTION 'Only a manager can reopen a closed %.',
                    CASE TG_TABLE_NAME WHEN 'stage' THEN 'stage' ELSE 'case' END
                    USING ERRCODE = '42501';
            END IF;
            IF TG_TABLE_NAME = 'stage' THEN  -- (NEW has a stage's columns only here)
                -- A stage that has responded (closed, or given a response date: the
                -- figures count the date) keeps what it is: an Ombudsman's stage made a
                -- council stage would bring a response, outcome and dates no one decided.
                -- Below a manager a stage changes what it is only by a regrading (one
                -- adult grade for another, while open): an Ombudsman's stage made a
                -- council stage, or the reverse, would move a response into or out of
                -- the council's figures.
                IF TG_OP = 'UPDATE' AND NEW.stage IS DISTINCT FROM OLD.stage
                   AND NOT (OLD.stage = ANY ({grades}) AND NEW.stage = ANY ({grades})
                            AND OLD.status <> {_literal(StageStatus.CLOSED.value)}
                            AND OLD.closed_on IS NULL) THEN
                    RAISE EXCEPTION 'Only a manager can change which stage a stage is (an '
                        'adult complaint is regraded while open).' USING ERRCODE = '42501';
                END IF;
                IF TG_OP = 'UPDATE'
                   AND (OLD.status = {_literal(StageStatus.CLOSED.value)}
                        OR OLD.closed_on IS NOT NULL) THEN
                    -- A council stage's response is what the figures count (the day it was
                    -- sent, its outcome, and the dates its timeliness is counted from):
                    -- changed only by reopening it. What the program records after a
                    -- response (when the complainant received it, when they asked for the
                    -- next stage) stays the officer's.
                    IF OLD.stage <> {_literal(StageCode.LGSCO.value)} THEN
                        IF NEW.closed_on IS DISTINCT FROM OLD.closed_on
                           OR NEW.outcome IS DISTINCT FROM OLD.outcome THEN
                            RAISE EXCEPTION 'Only a manager can change a closed stage''s '
                                'response: reopen it first.' USING ERRCODE = '42501';
                        END IF;
                        IF to_jsonb(NEW) - {_text_array(AFTER_RESPONSE)}
                           IS DISTINCT FROM to_jsonb(OLD) - {_text_array(AFTER_RESPONSE)} THEN
                            RAISE EXCEPTION 'Only a manager can change a closed stage''s dates '
                                'or details: reopen it first.' USING ERRCODE = '42501';
                        END IF;
                    END IF;
                END IF;
                -- A council stage given a responder, or made another stage with one.
                gives_responder := NEW.responder_id IS NOT NULL
                    AND NEW.stage <> {_literal(StageCode.LGSCO.value)}
                    AND (TG_OP = 'INSERT' OR NEW.responder_id IS DISTINCT FROM OLD.responder_id
                         OR NEW.stage IS DISTINCT FROM OLD.stage);
                IF TG_OP = 'INSERT' OR gives_responder THEN
                    -- The checks below read the case's other stages as other sessions
                    -- have committed them, the case locked so that two sessions take
                    -- turns. A stricter isolation level reads them as they were when its
                    -- transaction began, and would miss a stage another session has just
                    -- added (a Stage 2 given Stage 1's responder, or a stage numbered
                    -- before one added meanwhile): refused there.
                    IF current_setting('transaction_isolation') <> 'read committed' THEN
                        RAISE EXCEPTION 'A stage is added, or given its responder, at the '
                            'READ COMMITTED isolation level only.' USING ERRCODE = '42501';
                    END IF;
                    PERFORM 1 FROM representation c WHERE c.id = NEW.case_id FOR UPDATE;
                END IF;
                IF TG_OP = 'INSERT' THEN
                    -- A closed case has no stage added (reopening it is a manager's) ...
                    -- (The case is locked above: a session closing it, or adding a
                    -- stage to it, meanwhile is waited for.)
                    SELECT c.status INTO case_status FROM representation c
                    WHERE c.id = NEW.case_id;
                    IF case_status = {_literal(CaseStatus.CLOSED.value)} THEN
                        RAISE EXCEPTION 'Only a manager can add a stage to a closed case: '
                            'reopen it first.' USING ERRCODE = '42501';
                    END IF;
                    -- ... and a new stage comes after the case's others, as the program
                    -- adds them (so the stage before it is the one numbered before it).
                    IF EXISTS (SELECT 1 FROM stage s WHERE s.case_id = NEW.case_id
                               AND s.seq >= NEW.seq) THEN
                        RAISE EXCEPTION 'A new stage comes after the case''s other stages.'
                            USING ERRCODE = '42501';
                    END IF;
                END IF;
                IF gives_responder THEN
                    -- This stage against the council stage before it, and the one after it
                    -- against this one (the earlier stage given the later one's responder).
                    -- The case is locked above: two sessions giving the two stages one
                    -- responder at once would each find the other's stage as it was. The
                    -- stages read are locked too (a change to one is waited for).
                    SELECT s.responder_id INTO before_responder FROM stage s
                    WHERE s.case_id = NEW.case_id AND s.id <> NEW.id AND s.seq < NEW.seq
                      AND s.stage <> {_literal(StageCode.LGSCO.value)}
                    ORDER BY s.seq DESC LIMIT 1 FOR SHARE;
                    SELECT s.responder_id, s.stage INTO after_responder, after_stage FROM stage s
                    WHERE s.case_id = NEW.case_id AND s.id <> NEW.id AND s.seq > NEW.seq
                      AND s.stage <> {_literal(StageCode.LGSCO.value)}
                    ORDER BY s.seq LIMIT 1 FOR SHARE;
                    IF (before_responder = NEW.responder_id
                        AND crm_needs_other_responder(NEW.case_id, NEW.stage))
                       OR (after_responder = NEW.responder_id
                           AND crm_needs_other_responder(NEW.case_id, after_stage)) THEN
                        RAISE EXCEPTION 'Only a manager can let the previous stage''s '
                            'responder answer the stage after it.' USING ERRCODE = '42501';
                    END IF;
                END IF;
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_written_once() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        BEGIN
            -- What a row says stays as the program wrote it: below a manager only the
            -- columns named (TG_ARGV) change (a letter's text, once written, is the
            -- letter its author wrote and the complainant was sent).
            IF to_jsonb(NEW) - TG_ARGV IS DISTINCT FROM to_jsonb(OLD) - TG_ARGV
               AND NOT crm_is_manager() THEN
                RAISE EXCEPTION 'Only a manager can change what a % says once it is written.',
                    replace(TG_TABLE_NAME, '_', ' ') USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_closed_stage_rows() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            ending boolean := false;
            answered boolean; closed_on date;
        BEGIN
            -- A council stage's suspensions and extensions are what its due date, and
            -- so its timeliness, was counted from: once it has responded, below a
            -- manager none is added and none changed until it is reopened. (Closing a
            -- suspended stage ends its open suspension that day: the program's own step.)
            -- The stage is read once, locked (a session closing it meanwhile is waited
            -- for, or, at a stricter isolation level, makes this one fail).
            SELECT (s.status = {_literal(StageStatus.CLOSED.value)} OR s.closed_on IS NOT NULL)
                   AND s.stage <> {_literal(StageCode.LGSCO.value)}, s.closed_on
            INTO answered, closed_on
            FROM stage s WHERE s.id = NEW.stage_id FOR SHARE;
            IF TG_TABLE_NAME = 'stage_suspension' AND TG_OP = 'UPDATE' THEN
                ending := coalesce(
                    to_jsonb(OLD) -> 'ends_on' = 'null'::jsonb
                    AND to_jsonb(NEW) - {_text_array(ENDING_SUSPENSION)}
                        = to_jsonb(OLD) - {_text_array(ENDING_SUSPENSION)}
                    AND (to_jsonb(NEW) ->> 'ends_on')::date = closed_on, false);
            END IF;
            IF NOT ending AND answered AND NOT crm_is_manager() THEN
                RAISE EXCEPTION 'Only a manager can change a closed stage''s suspensions or '
                    'extensions: reopen it first.' USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_decided_outcome() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            stages integer[];
        BEGIN
            -- A point's outcome at a council stage that has responded is part of the
            -- response (the figures count it): below a manager, it is not added, changed
            -- or removed until the stage is reopened.
            IF TG_OP = 'INSERT' THEN
                stages := ARRAY[NEW.stage_id];
            ELSIF TG_OP = 'UPDATE' THEN
                stages := ARRAY[OLD.stage_id, NEW.stage_id];
            ELSE
                stages := ARRAY[OLD.stage_id];
            END IF;
            -- Below a manager the stages are read locked (a session closing one meanwhile
            -- is waited for, or, at a stricter isolation level, makes this one fail).
            IF NOT crm_is_manager() THEN
                PERFORM 1 FROM stage s WHERE s.id = ANY (stages) FOR SHARE;
            END IF;
            IF EXISTS (
                    SELECT 1 FROM stage s WHERE s.id = ANY (stages)
                    AND (s.status = {_literal(StageStatus.CLOSED.value)}
                         OR s.closed_on IS NOT NULL)
                    AND s.stage <> {_literal(StageCode.LGSCO.value)})
               AND NOT crm_is_manager() THEN
                RAISE EXCEPTION 'Only a manager can change a point''s outcome once its stage '
                    'has responded: reopen the stage first.' USING ERRCODE = '42501';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_rules_changed() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        BEGIN
            -- The reference data or a clock's rules changed: programs read them again
            -- (crm_desktop/db/rules_cache.py). With the owner's rights: no login may
            -- write the number itself, nor set it back.
            UPDATE rules_version SET version = floor(random() * 9007199254740991)::bigint
            WHERE id = 1;
            RETURN NULL;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_id_drawn() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            drawn bigint;
        BEGIN
            -- A new row's id is one its sequence (TG_ARGV[0]) has given: the default,
            -- or one drawn with nextval first (the import). An id taken ahead of the
            -- sequence would make someone else's next save fail.
            IF NEW.id > coalesce(pg_sequence_last_value(TG_ARGV[0]::regclass), 0) THEN
                RAISE EXCEPTION 'A new row''s id is given by the database.'
                    USING ERRCODE = '42501';
            END IF;
            -- A login that draws no ids itself (below a manager) adds a row with the id
            -- its default has just drawn: an earlier id would be one a deleted row had,
            -- and that row's history in the trail would come back with the new one.
            IF NOT has_sequence_privilege(session_user, TG_ARGV[0], 'USAGE') THEN
                BEGIN
                    drawn := currval(TG_ARGV[0]::regclass);
                EXCEPTION WHEN object_not_in_prerequisite_state THEN
                    drawn := NULL;
                END;
                IF drawn IS DISTINCT FROM NEW.id THEN
                    RAISE EXCEPTION 'A new row''s id is given by the database.'
                        USING ERRCODE = '42501';
                END IF;
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_manager_columns_guard() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            column_name text; new_row jsonb := to_jsonb(NEW); old_row jsonb;
        BEGIN
            -- A manager's columns (TG_ARGV): below a manager, a row is added with them
            -- empty (false or NULL) and they are never changed. (Who is asking is looked
            -- up only when one is set, so most rows cost a comparison.)
            IF TG_OP = 'UPDATE' THEN
                old_row := to_jsonb(OLD);
                -- An extension a manager let pass its limit stands as they decided it.
                IF TG_TABLE_NAME = 'stage_extension'
                   AND old_row -> 'beyond_limit' = 'true'::jsonb AND new_row <> old_row
                   AND NOT crm_is_manager() THEN
                    RAISE EXCEPTION 'Only a manager can change an extension past its limit.'
                        USING ERRCODE = '42501';
                END IF;
            END IF;
            FOREACH column_name IN ARRAY TG_ARGV LOOP
                IF ((TG_OP = 'INSERT' AND coalesce(new_row -> column_name, 'null'::jsonb)
                        NOT IN ('null'::jsonb, 'false'::jsonb))
                    OR (TG_OP = 'UPDATE'
                        AND new_row -> column_name IS DISTINCT FROM old_row -> column_name))
                   AND NOT crm_is_manager() THEN
                    RAISE EXCEPTION 'Only a manager can set % on %.', column_name, TG_TABLE_NAME
                        USING ERRCODE = '42501';
                END IF;
            END LOOP;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_counter_used() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            taken text := NEW.prefix || '-' || NEW.year::text || '-'
                || CASE WHEN NEW.last_number BETWEEN 0 AND 99999
                        THEN lpad(NEW.last_number::text, 5, '0')
                        ELSE NEW.last_number::text END;
        BEGIN
            -- At commit: below a manager, every number taken is a case's reference (the
            -- new case's, or an imported case's the count skipped), so no number is
            -- taken and left unused.
            IF crm_is_manager() THEN
                RETURN NULL;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM representation WHERE reference = taken) THEN
                RAISE EXCEPTION 'Reference % was taken with no case recorded under it.', taken
                    USING ERRCODE = '42501';
            END IF;
            RETURN NULL;
        END
        $fn$""",
        """
        CREATE OR REPLACE FUNCTION crm_same_case() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $fn$
        DECLARE
            column_name text; same boolean := true;
        BEGIN
            -- A row's links to other rows of a case (TG_ARGV: the row's case and its
            -- links) stay within one case: a letter, a document or an email on one's
            -- own case cannot name another case's stage, letter or appointment (which
            -- would also stop that case being deleted, and tell which ids exist).
            -- Looked up with the login's own rights, not the owner's: a row the login
            -- may not see is not found, wherever it is, so the answer tells nothing of
            -- which case a hidden row belongs to.
            IF TG_OP = 'UPDATE' THEN
                same := false;
                FOREACH column_name IN ARRAY TG_ARGV LOOP
                    IF to_jsonb(NEW) -> column_name IS DISTINCT FROM to_jsonb(OLD) -> column_name
                    THEN
                        same := true;
                    END IF;
                END LOOP;
                IF NOT same THEN
                    RETURN NEW;  -- no link changed
                END IF;
            END IF;
            IF TG_TABLE_NAME = 'representation' THEN  -- a case's current stage is its own
                same := NEW.current_stage_id IS NULL OR EXISTS (
                    SELECT 1 FROM stage s WHERE s.id = NEW.current_stage_id AND s.case_id = NEW.id);
            ELSIF TG_TABLE_NAME = 'correspondence' THEN
                same := NEW.stage_id IS NULL OR EXISTS (
                    SELECT 1 FROM stage s WHERE s.id = NEW.stage_id AND s.case_id = NEW.case_id);
            ELSIF TG_TABLE_NAME IN ('attachment', 'outbox_message') THEN
                -- Each lookup in a statement of its own, run only when there is a link
                -- (a statement naming a table the login may not read fails as a whole);
                -- a table the login may not read at all holds nothing it may link to.
                IF NEW.correspondence_id IS NOT NULL
                   AND NOT has_table_privilege('public.correspondence', 'SELECT') THEN
                    same := false;
                ELSIF NEW.correspondence_id IS NOT NULL THEN
                    same := EXISTS (
                        SELECT 1 FROM correspondence c
                        WHERE c.id = NEW.correspondence_id AND c.case_id = NEW.case_id);
                END IF;
                IF TG_TABLE_NAME = 'attachment' THEN
                    IF same AND NEW.assignment_id IS NOT NULL THEN
                        same := EXISTS (
                            SELECT 1 FROM assignment a JOIN stage s ON s.id = a.stage_id
                            WHERE a.id = NEW.assignment_id AND s.case_id = NEW.case_id);
                    END IF;
                END IF;
            ELSIF TG_TABLE_NAME = 'action_item' THEN
                same := NEW.stage_id IS NULL OR NEW.case_id IS NULL OR EXISTS (
                    SELECT 1 FROM stage s WHERE s.id = NEW.stage_id AND s.case_id = NEW.case_id);
            ELSIF TG_TABLE_NAME = 'point_outcome' THEN
                same := NEW.point_id IS NULL OR EXISTS (
                    SELECT 1 FROM complaint_point p JOIN stage s ON s.case_id = p.case_id
                    WHERE p.id = NEW.point_id AND s.id = NEW.stage_id);
            ELSIF TG_TABLE_NAME = 'stage' THEN
                same := NEW.previous_stage_id IS NULL OR EXISTS (
                    SELECT 1 FROM stage s
                    WHERE s.id = NEW.previous_stage_id AND s.case_id = NEW.case_id);
            ELSIF TG_TABLE_NAME = 'lgsco_payment' THEN
                same := NEW.remedy_id IS NULL OR EXISTS (
                    SELECT 1 FROM lgsco_remedy r
                    WHERE r.id = NEW.remedy_id AND r.stage_id = NEW.stage_id);
            ELSIF TG_TABLE_NAME = 'assignment' THEN
                same := NEW.replaced_by_id IS NULL OR EXISTS (
                    SELECT 1 FROM assignment a
                    JOIN stage later ON later.id = a.stage_id
                    JOIN stage s ON s.id = NEW.stage_id
                    WHERE a.id = NEW.replaced_by_id AND later.case_id = s.case_id);
            END IF;
            IF NOT same THEN
                RAISE EXCEPTION 'A % row links only to rows of its own case.', TG_TABLE_NAME
                    USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_assignment_guard() RETURNS trigger
        LANGUAGE plpgsql {definer} SET extra_float_digits = 1 AS $fn$
        DECLARE
            hourly integer; daily integer; fee bigint; added text;
            answered boolean; reported boolean;
        BEGIN
            IF crm_is_owner() OR pg_has_role(session_user, {_literal(groups[OFFICER])},
                                             'MEMBER') THEN
                RETURN NEW;
            END IF;
            IF (NEW.stage_id, NEW.person_id, NEW.role, NEW.offered_on, NEW.report_due_on,
                NEW.replaced_by_id, NEW.override_reason, NEW.overridden_by)
               IS DISTINCT FROM
               (OLD.stage_id, OLD.person_id, OLD.role, OLD.offered_on, OLD.report_due_on,
                OLD.replaced_by_id, OLD.override_reason, OLD.overridden_by) THEN
                RAISE EXCEPTION 'An investigator cannot move or re-assign an appointment.'
                    USING ERRCODE = '42501';
            END IF;
            IF NEW.status IS DISTINCT FROM OLD.status AND NOT ({transitions}) THEN
                RAISE EXCEPTION 'An investigator cannot change an appointment from % to %.',
                    OLD.status, NEW.status USING ERRCODE = '42501';
            END IF;
            IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status <> 'offered'
               AND NEW.status = 'declined' THEN
                RAISE EXCEPTION 'Only an offer can be declined.' USING ERRCODE = '42501';
            END IF;
            IF NEW.fee_pence IS DISTINCT FROM OLD.fee_pence
               OR NEW.hours IS DISTINCT FROM OLD.hours THEN
                SELECT p.hourly_fee_pence, p.daily_fee_pence INTO hourly, daily
                FROM person p WHERE p.id = NEW.person_id;
                fee := CASE
                    WHEN NEW.hours IS NULL THEN NULL
                    WHEN hourly IS NOT NULL THEN round(NEW.hours::text::numeric * hourly)
                    WHEN daily IS NOT NULL
                        THEN round(NEW.hours::text::numeric / {HOURS_PER_DAY} * daily)
                    END;
                IF NEW.fee_pence IS DISTINCT FROM fee THEN
                    RAISE EXCEPTION 'A fee is worked out from the hours and the agreed rates; '
                        'an investigator cannot set it.' USING ERRCODE = '42501';
                END IF;
                -- As the program records them: on an appointment being worked on (or
                -- worked on until replaced), from 0 to a believable number.
                IF OLD.status NOT IN ({progress_statuses})
                   OR NEW.status NOT IN ({progress_statuses}) THEN
                    RAISE EXCEPTION 'Hours are recorded on an accepted appointment.'
                        USING ERRCODE = '42501';
                END IF;
                IF NEW.hours IS NULL OR NEW.hours < 0 OR NEW.hours > {MAX_HOURS} THEN
                    RAISE EXCEPTION 'The hours worked are from 0 to {MAX_HOURS:,}.'
                        USING ERRCODE = '42501';
                END IF;
            END IF;
            -- The day an offer was answered, and why it was declined, are written when
            -- it is answered and only then; the report's day likewise when the report
            -- is recorded: none before the offer, nor after today (a day's grace for a
            -- computer whose clock is in another time zone).
            answered := OLD.status = 'offered' AND NEW.status IN ('accepted', 'declined');
            reported := OLD.status = 'accepted' AND NEW.status = 'report received';
            IF (CASE WHEN answered
                    THEN NEW.responded_on IS NULL
                         OR NEW.responded_on NOT BETWEEN OLD.offered_on AND {COUNCIL_TODAY} + 1
                    ELSE NEW.responded_on IS DISTINCT FROM OLD.responded_on END)
               OR (CASE WHEN answered AND NEW.status = 'declined'
                    THEN btrim(coalesce(NEW.end_reason, '')) = ''
                    ELSE NEW.end_reason IS DISTINCT FROM OLD.end_reason END) THEN
                RAISE EXCEPTION 'An offer is answered once, on a day from the offer to today, '
                    'with the reason when it is declined.' USING ERRCODE = '42501';
            END IF;
            IF (CASE WHEN reported
                    THEN NEW.report_received_on IS NULL
                         OR NEW.report_received_on NOT BETWEEN
                            coalesce(OLD.responded_on, OLD.offered_on) AND {COUNCIL_TODAY} + 1
                    ELSE NEW.report_received_on IS DISTINCT FROM OLD.report_received_on END)
               THEN
                RAISE EXCEPTION 'A report''s day is recorded once, when it is received, '
                    'from the day the appointment was accepted to today.'
                    USING ERRCODE = '42501';
            END IF;
            -- Progress notes are added, never changed, each under its writer's own name
            -- ("7 Dec 2026 (j.smith): ..."), as the program writes them; no line of an
            -- added note starts as another person's note would, and its lines are
            -- broken with new lines only (a line separator or a carriage return made a
            -- line that showed as a manager's note but was not checked as one).
            IF NEW.progress_note IS DISTINCT FROM OLD.progress_note THEN
                added := CASE
                    WHEN coalesce(OLD.progress_note, '') = '' THEN NEW.progress_note
                    WHEN starts_with(NEW.progress_note, OLD.progress_note || E'\\n')
                        THEN substr(NEW.progress_note, length(OLD.progress_note) + 2)
                    END;
                IF added IS NULL OR added !~ {header} OR added ~ {other_breaks} OR EXISTS (
                        SELECT 1 FROM regexp_split_to_table(added, E'\\n') AS line
                        WHERE line ~ {header}
                          AND NOT starts_with(substr(line, strpos(line, '(') + 1),
                                              crm_actor() || '): ')) THEN
                    RAISE EXCEPTION 'A progress note is added under its writer''s own name; '
                        'the notes before it are kept as they are.' USING ERRCODE = '42501';
                END IF;
            END IF;
            IF NEW.updated_by IS DISTINCT FROM crm_actor() THEN
                RAISE EXCEPTION 'A change is recorded in the name of the one who makes it.'
                    USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_delete_case(the_case integer, reason text)
        RETURNS integer LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            target record; removed integer;
        BEGIN
            IF NOT (crm_is_owner() OR coalesce(crm_own_role() IN ('manager', 'admin'), false))
            THEN
                RAISE EXCEPTION 'Only a manager can delete a case.' USING ERRCODE = '42501';
            END IF;
            IF coalesce(btrim(reason), '') = '' THEN
                RAISE EXCEPTION 'Give the reason for deleting the case.'
                    USING ERRCODE = '22023';
            END IF;
            SELECT id, reference, status, legal_hold INTO target FROM representation
            WHERE id = the_case FOR UPDATE;
            IF NOT FOUND THEN
                RETURN 0;
            END IF;
            IF target.legal_hold THEN
                RAISE EXCEPTION '% is on legal hold, so it cannot be deleted.', target.reference
                    USING ERRCODE = '42501';
            END IF;
            IF target.status <> {_literal(CaseStatus.CLOSED.value)} THEN
                RAISE EXCEPTION '% is still open, so it cannot be deleted.', target.reference
                    USING ERRCODE = '42501';
            END IF;
            PERFORM set_config('crm.audit_values', 'withheld', true);
            DELETE FROM representation WHERE id = the_case;
            GET DIAGNOSTICS removed = ROW_COUNT;
            PERFORM set_config('crm.audit_values', '', true);
            PERFORM crm_audit_write(jsonb_build_array(jsonb_build_object(
                'action', 'delete case', 'entity', 'representation',
                'entity_id', the_case::text, 'case_id', the_case,
                'after', jsonb_build_object('reference', target.reference,
                                            'reason', btrim(reason))::text)));
            RETURN removed;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_retention_event_guard() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            target record; done boolean := false;
        BEGIN
            -- The retention log says what was just done to a case, in the same
            -- transaction: the trail holds this transaction's event of it (the case
            -- deleted; its hold placed or released; it anonymised) and the case bears it
            -- out. A log that named a case deleted that is not would have it deleted
            -- again after a restore. The access log's purge is the database's own
            -- (crm_purge_access_log). Who did it and when the database writes (crm_author).
            SELECT reference, legal_hold, anonymised_at INTO target FROM representation
            WHERE id = NEW.case_id;
            IF NEW.kind = {_literal(RetentionEventKind.ACCESS_LOG_PURGED.value)} THEN
                -- Written by crm_purge_access_log right after its own event.
                BEGIN
                    done := NEW.case_id IS NULL AND EXISTS (
                        SELECT 1 FROM audit_event
                        WHERE id = currval(pg_get_serial_sequence('audit_event', 'id'))
                          AND xmin = pg_current_xact_id()::xid AND entity = 'retention'
                          AND action = {_literal(RetentionEventKind.ACCESS_LOG_PURGED.value)});
                EXCEPTION WHEN object_not_in_prerequisite_state THEN
                    done := false;
                END;
            ELSIF NEW.kind = {_literal(RetentionEventKind.DELETED.value)} THEN
                done := target IS NULL AND EXISTS (
                    SELECT 1 FROM audit_event
                    WHERE case_id = NEW.case_id AND xmin = pg_current_xact_id()::xid
                      AND action = 'delete case'
                      AND crm_as_json(after) ->> 'reference' = NEW.case_reference);
            ELSIF target IS NULL OR target.reference IS DISTINCT FROM NEW.case_reference THEN
                done := false;
            ELSE
                SELECT coalesce(bool_or(CASE NEW.kind
                    WHEN {_literal(RetentionEventKind.ANONYMISED.value)}
                        THEN target.anonymised_at IS NOT NULL
                             AND crm_as_json(after) ? 'anonymised_at'
                    WHEN {_literal(RetentionEventKind.HOLD_PLACED.value)}
                        THEN target.legal_hold
                             AND crm_as_json(after) -> 'legal_hold' = 'true'::jsonb
                    WHEN {_literal(RetentionEventKind.HOLD_RELEASED.value)}
                        THEN NOT target.legal_hold
                             AND crm_as_json(after) -> 'legal_hold' = 'false'::jsonb
                    ELSE false END), false)
                INTO done FROM audit_event
                WHERE case_id = NEW.case_id AND xmin = pg_current_xact_id()::xid
                  AND entity = 'representation' AND action = 'update';
            END IF;
            IF NOT coalesce(done, false) THEN
                RAISE EXCEPTION 'The retention log records only what was just done to the case.'
                    USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_purge_access_log(as_of date, reason text)
        RETURNS integer LANGUAGE plpgsql {definer} AS $fn$
        DECLARE
            kept_years integer; cutoff date; removed integer; details jsonb;
        BEGIN
            -- Entries opened before their retention period (the schedule's, at least a
            -- year, counted back from the day given, never from a day still to come) go,
            -- and the log and the trail say so; nothing else does.
            IF NOT crm_is_manager() THEN
                RAISE EXCEPTION 'Only a manager can purge the access log.'
                    USING ERRCODE = '42501';
            END IF;
            IF coalesce(btrim(reason), '') = '' THEN
                RAISE EXCEPTION 'Give the reason for applying the retention schedule.'
                    USING ERRCODE = '22023';
            END IF;
            SELECT years INTO kept_years FROM retention_rule
            WHERE record_type = {_literal(RecordType.ACCESS_LOG.value)} AND procedure IS NULL
            ORDER BY id DESC LIMIT 1;
            kept_years := greatest(coalesce(kept_years, {DEFAULT_RETENTION_YEARS}), 1);
            cutoff := (least(as_of, ({COUNCIL_TODAY})::date)
                       - make_interval(years => kept_years))::date;
            DELETE FROM case_access WHERE opened_at < cutoff;
            GET DIAGNOSTICS removed = ROW_COUNT;
            IF removed > 0 THEN
                details := jsonb_build_object('entries_deleted', removed,
                                              'opened_before', cutoff::text);
                -- The trail's event first: the log's entry is checked against it.
                PERFORM crm_audit_write(jsonb_build_array(jsonb_build_object(
                    'action', {_literal(RetentionEventKind.ACCESS_LOG_PURGED.value)},
                    'entity', 'retention',
                    'after', (details || jsonb_build_object('reason', btrim(reason)))::text)));
                INSERT INTO retention_event
                    (case_id, case_reference, kind, reason, actor, occurred_at, details)
                VALUES (NULL, NULL, {_literal(RetentionEventKind.ACCESS_LOG_PURGED.value)},
                        btrim(reason), crm_actor(), clock_timestamp() AT TIME ZONE 'UTC',
                        details::text);
            END IF;
            RETURN removed;
        END
        $fn$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_login_prefix() RETURNS text
        LANGUAGE sql IMMUTABLE AS $$ SELECT {_literal(prefix)}::text $$""",
        f"""
        CREATE OR REPLACE FUNCTION crm_database_name() RETURNS text
        LANGUAGE sql IMMUTABLE AS $$ SELECT {_literal(database)}::text $$""",
    ]


FUNCTION_GRANTS: Mapping[str, tuple[str, ...]] = {
    # The helpers row-level security calls need EXECUTE by every group.
    "crm_is_owner()": EVERYONE,
    "crm_is_manager()": EVERYONE,
    "crm_own_user_id()": EVERYONE,
    "crm_own_person()": EVERYONE,
    "crm_own_role()": EVERYONE,
    "crm_assigned_stages()": EVERYONE,
    "crm_assigned_cases()": EVERYONE,
    "crm_area_cases()": EVERYONE,
    "crm_area_stages()": EVERYONE,
    "crm_area_persons()": EVERYONE,
    "crm_may_open_case(integer)": EVERYONE,
    "crm_secret_setting(text)": EVERYONE,
    "crm_group_for(text)": (),
    # Who the login is, as the trail names it (the per-table author triggers, which run
    # with the login's own rights, ask it too).
    "crm_actor()": EVERYONE,
    "crm_may_withhold()": (),
    "crm_audit_mask(jsonb, text[], boolean)": (),
    "crm_audit_row()": (),
    "crm_audit_write(jsonb)": (),
    "crm_audit_note(jsonb)": (OFFICER,),
    "crm_json_object(text)": (),
    "crm_as_json(text)": (),
    "crm_audit_field(text)": (),
    "crm_event_hash(text, bigint, bigint, timestamp, text, text, text, text, integer, text, "
    "text)": (),
    # The seal's lock lasts until the caller's transaction ends: only trusted roles.
    "crm_audit_seal(boolean)": (MANAGER,),
    "crm_audit_head()": EVERYONE,
    "crm_audit_guard()": (),
    "crm_sign_in_account(text)": EVERYONE,
    "crm_has_password(text)": (ADMIN,),
    "crm_revoke_groups(text, text)": (),
    "crm_apply_login(text, text, boolean)": (),
    "crm_login_sync()": (),
    "crm_assignment_guard()": (),
    "crm_manager_columns_guard()": (),
    "crm_id_drawn()": (),
    "crm_manager_decisions()": (),
    "crm_decided_outcome()": (),
    "crm_closed_stage_rows()": (),
    "crm_written_once()": (),
    "crm_keeps_a_manager()": (),
    "crm_rules_changed()": (),
    "crm_needs_other_responder(integer, text)": (),
    "crm_reminders_lock()": (MANAGER,),
    "crm_counter_guard()": (),
    "crm_account_columns()": (),
    "crm_stored_name()": (),
    "crm_counter_used()": (),
    "crm_same_case()": (),
    "crm_delete_case(integer, text)": (MANAGER,),
    "crm_retention_event_guard()": (),
    "crm_purge_access_log(date, text)": (MANAGER,),
    "crm_login_prefix()": EVERYONE,
    "crm_database_name()": EVERYONE,
}


# -- installing ------------------------------------------------------------------------


def may_read(connection: sa.Connection, table: str) -> bool:
    """True unless this is a PostgreSQL login that may read no column of ``table``."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(
        connection.exec_driver_sql(
            "SELECT has_any_column_privilege(%s, 'SELECT')", (table,)
        ).scalar()
    )


def may_write(connection: sa.Connection, table: str) -> bool:
    """True unless this is a PostgreSQL login that may not insert into and update
    ``table``, or whose transactions are read-only (a reporting login)."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(
        connection.exec_driver_sql(
            "SELECT has_any_column_privilege(%s, 'INSERT') "
            "AND has_any_column_privilege(%s, 'UPDATE') "
            "AND current_setting('transaction_read_only') = 'off'",
            (table, table),
        ).scalar()
    )


def runner(connection: sa.Connection) -> Any:
    """``exec_driver_sql`` for statements with or without parameters (psycopg reads
    ``%`` as a placeholder even when none is given: PL/pgSQL's own ``%`` is doubled)."""

    def run(statement: str, parameters: tuple[Any, ...] | None = None) -> Any:
        if parameters is None:
            return connection.exec_driver_sql(statement.replace("%", "%%"))
        return connection.exec_driver_sql(statement, parameters)

    return run


def _trigger_setter(connection: sa.Connection) -> Callable[[str, str, str | None], None]:
    """``put(name, table, rest)``: the trigger ``CREATE TRIGGER name rest`` on ``table``,
    replaced in place on PostgreSQL 14 and later, so that it keeps its identity and a
    chain of installs in one transaction holds one lock on it (dropping it would hold
    one for each install); before 14, dropped and created. ``rest`` None: dropped."""
    run = runner(connection)
    in_place = (connection.dialect.server_version_info or (0,)) >= (14,)

    def put(name: str, table: str, rest: str | None) -> None:
        if rest is None or not in_place:
            run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        if rest is not None:
            run(f"CREATE {'OR REPLACE ' if in_place else ''}TRIGGER {name} {rest}")

    return put


def _existing_tables(connection: sa.Connection) -> set[str]:
    return set(
        connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).scalars()
    )


def _columns_of(connection: sa.Connection, table: str) -> list[str]:
    return list(
        connection.exec_driver_sql(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (f'public."{table}"',),
        ).scalars()
    )


def _ensure_group(connection: sa.Connection, name: str, comment: str) -> None:
    exists = connection.exec_driver_sql(
        "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = %s", (name,)
    ).first()
    if exists is None:
        connection.exec_driver_sql(f"CREATE ROLE {_ident(name)} NOLOGIN")
    elif exists[0] != comment:
        raise RuntimeError(
            f"The database role {name} already exists on this server and was not made by "
            "CRM Desktop for this database. Rename the database, or drop that role."
        )
    connection.exec_driver_sql(f"COMMENT ON ROLE {_ident(name)} IS {_literal(comment)}")


def is_installed(connection: sa.Connection) -> bool:
    """True when this database's own group roles exist (it was not copied from another)."""
    database = str(connection.exec_driver_sql("SELECT current_database()").scalar())
    officer = group_name(role_prefix(database), OFFICER)
    return (
        connection.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (officer,)).first()
        is not None
    )


def is_owner(connection: sa.Connection) -> bool:
    """True for the database owner's login (or a superuser)."""
    return bool(
        connection.exec_driver_sql(
            "SELECT r.rolsuper OR d.datdba = r.oid FROM pg_roles r, pg_database d "
            "WHERE r.rolname = current_user AND d.datname = current_database()"
        ).scalar()
    )


def _forget_other_databases(connection: sa.Connection, database: str) -> None:
    """Take away every right here of the roles CRM Desktop made for other databases (a
    copied database keeps the rights of the roles of the one it was copied from)."""
    run = runner(connection)
    own = f"{TAG} database={database} "
    rows = run(
        "SELECT r.rolname FROM pg_roles r "
        "WHERE shobj_description(r.oid, 'pg_authid') LIKE %s "
        "AND shobj_description(r.oid, 'pg_authid') NOT LIKE %s "
        "AND EXISTS (SELECT 1 FROM pg_shdepend d JOIN pg_database db ON db.oid = d.dbid "
        "WHERE d.refobjid = r.oid AND db.datname = current_database())",
        (f"{TAG} database=%", own.replace("%", "\\%").replace("_", "\\_") + "%"),
    ).scalars()
    for role in rows:
        run(f"DROP OWNED BY {_ident(role)}")


def install(connection: sa.Connection) -> None:
    """Set up (or bring up to date) the roles, rights, policies, functions and triggers
    of the database ``connection`` is in. Run by the owner, inside a migration."""
    connection.info.pop(_PENDING, None)  # what a deferred reinstall would have done
    database = str(connection.exec_driver_sql("SELECT current_database()").scalar())
    prefix = role_prefix(database)
    groups = {g: group_name(prefix, g) for g in GROUPS.values()}
    q = {g: _ident(n) for g, n in groups.items()}
    run = runner(connection)
    put = _trigger_setter(connection)

    for group, name in groups.items():
        _ensure_group(connection, name, tag(database, "group", group))
    for member, parent in INHERITS.items():
        run(f"GRANT {q[parent]} TO {q[member]}")

    # Nobody connects or makes objects here unless granted: a login of another database
    # on the same server cannot even connect.
    run(f"REVOKE CONNECT, TEMPORARY ON DATABASE {_ident(database)} FROM PUBLIC")
    run(f"GRANT CONNECT ON DATABASE {_ident(database)} TO {', '.join(q.values())}")
    run("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    run(f"GRANT USAGE ON SCHEMA public TO {', '.join(q.values())}")
    run("ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")

    existing = _existing_tables(connection)
    if "app_user" in existing:
        # Logins made before they had a limit have one from now on.
        for login in run(
            "SELECT u.db_role FROM app_user u JOIN pg_roles r ON r.rolname = u.db_role "
            "WHERE r.rolconnlimit <> %s",
            (LOGIN_CONNECTION_LIMIT,),
        ).scalars():
            run(f"ALTER ROLE {_ident(login)} CONNECTION LIMIT {LOGIN_CONNECTION_LIMIT}")
    _forget_old_groups(connection, existing)
    _forget_other_databases(connection, database)
    for statement in _functions(prefix, database):
        run(statement)
    everyone = ", ".join(q.values())
    for function, grantees in FUNCTION_GRANTS.items():
        # From the groups too: a right taken away here reaches a database that has it.
        run(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC, {everyone}")
        if grantees:
            run(f"GRANT EXECUTE ON FUNCTION {function} TO {', '.join(q[g] for g in grantees)}")

    for table in sorted(existing):
        rules = RULES.get(table)
        run(f"REVOKE ALL ON {_ident(table)} FROM PUBLIC, {everyone}")
        serial = run(
            "SELECT attname, pg_get_serial_sequence(%s, attname) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "AND pg_get_serial_sequence(%s, attname) IS NOT NULL",
            (f'public."{table}"', f'public."{table}"', f'public."{table}"'),
        ).first()
        sequence = None if serial is None else str(serial[1])
        if sequence is not None:
            run(f"REVOKE ALL ON SEQUENCE {sequence} FROM PUBLIC, {everyone}")
        for policy in run(
            "SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = %s",
            (table,),
        ).scalars():
            run(f"DROP POLICY {_ident(policy)} ON {_ident(table)}")
        # (Every table's numbered column is its id: FIXED_EVERYWHERE.)
        drawn = serial is not None and serial[0] == "id" and rules is not None and rules.insert
        put(
            "crm_id_drawn",
            _ident(table),
            f"BEFORE INSERT ON {_ident(table)} FOR EACH ROW WHEN (NOT crm_is_owner()) "
            f"EXECUTE FUNCTION crm_id_drawn({_literal(str(serial[1]))})"
            if drawn and serial is not None
            else None,
        )
        if rules is None:
            run(f"ALTER TABLE {_ident(table)} DISABLE ROW LEVEL SECURITY")
            continue
        _grant_table(connection, table, rules, q, sequence)
    _install_triggers(connection, existing)


# Set on a connection while :func:`crm_desktop.db.migrate` runs a chain of migrations:
# a migration that only reinstalls these rules leaves it to one install at the end.
_DEFER = "crm_rules_install_deferred"
_PENDING = "crm_rules_install_pending"


def install_in_migration() -> None:
    """The upgrade of a migration that changes only these rules: install them again
    (:func:`install` is idempotent) on PostgreSQL; SQLite has none.

    Within a chain of migrations run together (a new database's first start runs all
    of them), they are installed once, after the last: every install installs the
    program's current rules, and each holds a lock on every trigger and policy it
    replaces until the chain commits. Run as twenty installs, a new database's chain
    held over 5,000 locks, most of a default server's whole lock table (64 a connection
    times 100 connections), and failed ("out of shared memory") when other sessions
    held theirs."""
    from alembic import op

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.info.get(_DEFER):
        bind.info[_PENDING] = True
    else:
        install(bind)


@contextmanager
def installs_deferred(connection: sa.Connection) -> Iterator[None]:
    """Within the block, :func:`install_in_migration` marks the rules as to be
    installed; at its end (if nothing was raised) they are installed once."""
    connection.info[_DEFER] = True
    try:
        yield
        if connection.info.pop(_PENDING, False):
            install(connection)
    finally:
        connection.info.pop(_DEFER, None)
        connection.info.pop(_PENDING, None)


def _grant_table(
    connection: sa.Connection,
    table: str,
    rules: Rules,
    q: Mapping[str, str],
    sequence: str | None,
) -> None:
    run = runner(connection)
    name = _ident(table)
    columns = _columns_of(connection, table)
    hidden = HIDDEN_COLUMNS.get(table, frozenset())
    protected = PROTECTED_COLUMNS.get(table, frozenset())
    readable = [c for c in columns if c not in hidden]

    def cols(names: Iterable[str]) -> str:
        return ", ".join(_ident(c) for c in names)

    for group in rules.select:
        if hidden:
            run(f"GRANT SELECT ({cols(readable)}) ON {name} TO {q[group]}")
        else:
            run(f"GRANT SELECT ON {name} TO {q[group]}")
    for group in rules.insert:
        if protected:
            insertable = [c for c in columns if c not in protected]
            run(f"GRANT INSERT ({cols(insertable)}) ON {name} TO {q[group]}")
        else:
            run(f"GRANT INSERT ON {name} TO {q[group]}")
    if sequence is not None and rules.insert:
        # A new row's id is drawn by the database (an identity column) without any right
        # on the sequence; only managers draw ids themselves, for the rows the import and
        # the demo data write (migration 0023). Anyone else could draw numbers on their
        # own until the ids ran out. (Accounts only administrators add.)
        drawer = ADMIN if set(rules.insert) == {ADMIN} else MANAGER
        run(f"GRANT USAGE ON SEQUENCE {sequence} TO {q[drawer]}")
    fixed = protected | FIXED_COLUMNS.get(table, frozenset()) | FIXED_EVERYWHERE
    for group, allowed in rules.update.items():
        chosen = [c for c in (columns if allowed is None else allowed) if c not in fixed]
        if group == OFFICER:
            chosen = [c for c in chosen if c not in MANAGER_ONLY_COLUMNS.get(table, ())]
        chosen = [c for c in chosen if c in columns]
        # Always as a list of columns, even of every one: UPDATE on the table itself
        # would also let the login LOCK it in ACCESS EXCLUSIVE mode and hold it, so that
        # nobody could read it until that login's transaction ended.
        if chosen:
            run(f"GRANT UPDATE ({cols(chosen)}) ON {name} TO {q[group]}")
    for group in rules.delete:
        run(f"GRANT DELETE ON {name} TO {q[group]}")
    if table in MANAGER_ONLY_COLUMNS and MANAGER not in rules.update:
        extra = [c for c in columns if c in MANAGER_ONLY_COLUMNS[table]]
        if extra:
            run(f"GRANT UPDATE ({cols(extra)}) ON {name} TO {q[MANAGER]}")
    if not rules.row_secured:
        run(f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY")
        return
    run(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
    for number, policy in enumerate(rules.policies, start=1):
        clause = f"CREATE POLICY crm_{policy.group}_{number} ON {name} FOR {policy.command} "
        clause += f"TO {q[policy.group]}"
        if policy.using is not None:
            clause += f" USING ({policy.using})"
        if policy.check is not None:
            clause += f" WITH CHECK ({policy.check})"
        run(clause)


def _install_triggers(connection: sa.Connection, existing: set[str]) -> None:
    run = runner(connection)
    put = _trigger_setter(connection)
    tables = _tables()
    for name in sorted(existing):
        if name not in tables or name in audit.NOT_AUDITED_TABLES:
            put("crm_audit", _ident(name), None)
            continue
        keys = ",".join(c.name for c in tables[name].primary_key.columns)
        masked = ",".join(sorted(audit.SECRET_COLUMNS.get(name, ())))
        put(
            "crm_audit",
            _ident(name),
            f"AFTER INSERT OR UPDATE OR DELETE ON {_ident(name)} FOR EACH ROW "
            f"EXECUTE FUNCTION crm_audit_row({_literal(keys)}, {_literal(masked)})",
        )
    if "audit_event" in existing:
        put(
            "crm_audit_guard",
            "audit_event",
            "BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW "
            "EXECUTE FUNCTION crm_audit_guard()",
        )
        put(
            "crm_audit_no_truncate",
            "audit_event",
            "BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION crm_audit_guard()",
        )
    if "app_user" in existing:
        put(
            "crm_login_sync",
            "app_user",
            "AFTER INSERT OR UPDATE ON app_user FOR EACH ROW EXECUTE FUNCTION crm_login_sync()",
        )
        put(
            "crm_account_columns",
            "app_user",
            "BEFORE INSERT OR UPDATE ON app_user FOR EACH ROW "
            "WHEN (NOT crm_is_owner()) EXECUTE FUNCTION crm_account_columns()",
        )
        put(
            "crm_keeps_a_manager",
            "app_user",
            "BEFORE UPDATE OF active, role OR DELETE ON app_user FOR EACH ROW "
            "WHEN (NOT crm_is_owner()) EXECUTE FUNCTION crm_keeps_a_manager()",
        )
    if "reference_counter" in existing:
        put(
            "crm_counter_guard",
            "reference_counter",
            "BEFORE INSERT OR UPDATE ON reference_counter FOR EACH ROW "
            "EXECUTE FUNCTION crm_counter_guard()",
        )
        # (A constraint trigger cannot be replaced in place.)
        run("DROP TRIGGER IF EXISTS crm_counter_used ON reference_counter")
        run(
            "CREATE CONSTRAINT TRIGGER crm_counter_used AFTER INSERT OR UPDATE "
            "ON reference_counter DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION crm_counter_used()"
        )
    for name, links in sorted(SAME_CASE_LINKS.items()):
        if name not in existing:
            continue
        present = [c for c in links if c in _columns_of(connection, name)]
        arguments = ", ".join(_literal(c) for c in present)
        if name == "representation":
            # At commit: a case is written before its stages (an import's or the demo's
            # rows in bulk), so its current stage is looked for once all are written.
            put("crm_same_case", _ident(name), None)
            run(f"DROP TRIGGER IF EXISTS crm_current_stage_own ON {_ident(name)}")
            run(
                "CREATE CONSTRAINT TRIGGER crm_current_stage_own AFTER INSERT OR UPDATE OF "
                f"current_stage_id ON {_ident(name)} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION crm_same_case({arguments})"
            )
            continue
        put(
            "crm_same_case",
            _ident(name),
            f"BEFORE INSERT OR UPDATE ON {_ident(name)} "
            f"FOR EACH ROW EXECUTE FUNCTION crm_same_case({arguments})",
        )
    for name, manager_columns in sorted(MANAGER_ONLY_COLUMNS.items()):
        if name not in existing:
            continue
        arguments = ", ".join(_literal(c) for c in sorted(manager_columns))
        put(
            "crm_manager_columns",
            _ident(name),
            f"BEFORE INSERT OR UPDATE ON {_ident(name)} "
            f"FOR EACH ROW EXECUTE FUNCTION crm_manager_columns_guard({arguments})",
        )
    for name in sorted(existing):
        kinds = author_columns(_columns_of(connection, name), name)
        if not kinds:
            put("crm_author", _ident(name), None)
            continue
        function = f"crm_author_{name}"
        run(author_function(function, kinds))
        run(f"REVOKE ALL ON FUNCTION {function}() FROM PUBLIC")
        put(
            "crm_author",
            _ident(name),
            f"BEFORE INSERT OR UPDATE ON {_ident(name)} "
            f"FOR EACH ROW WHEN (NOT crm_is_owner()) EXECUTE FUNCTION {function}()",
        )
    for name, events in (("representation", "UPDATE"), ("stage", "INSERT OR UPDATE")):
        if name in existing:
            put(
                "crm_manager_decisions",
                name,
                f"BEFORE {events} ON {name} "
                "FOR EACH ROW WHEN (NOT crm_is_owner()) EXECUTE FUNCTION crm_manager_decisions()",
            )
    if rules_cache.VERSION_TABLE in existing:
        for name in sorted(rules_cache.TRACKED_TABLES & set(existing)):
            put(
                "crm_rules_changed",
                _ident(name),
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {_ident(name)} "
                "FOR EACH STATEMENT EXECUTE FUNCTION crm_rules_changed()",
            )
    for name, changing in sorted(WRITTEN_ONCE.items()):
        if name in existing:
            arguments = ", ".join(_literal(c) for c in sorted(changing))
            put(
                "crm_written_once",
                name,
                f"BEFORE UPDATE ON {name} FOR EACH ROW WHEN (NOT crm_is_owner()) "
                f"EXECUTE FUNCTION crm_written_once({arguments})",
            )
    for name in ("stage_extension", "stage_suspension"):
        if name in existing:
            put(
                "crm_closed_stage_rows",
                name,
                f"BEFORE INSERT OR UPDATE ON {name} FOR EACH ROW WHEN (NOT crm_is_owner()) "
                "EXECUTE FUNCTION crm_closed_stage_rows()",
            )
    if "point_outcome" in existing:
        put(
            "crm_decided_outcome",
            "point_outcome",
            "BEFORE INSERT OR UPDATE OR DELETE ON point_outcome "
            "FOR EACH ROW WHEN (NOT crm_is_owner()) EXECUTE FUNCTION crm_decided_outcome()",
        )
    if "attachment" in existing:
        put(
            "crm_stored_name",
            "attachment",
            "BEFORE INSERT OR UPDATE ON attachment FOR EACH ROW "
            "WHEN (NOT crm_is_owner()) EXECUTE FUNCTION crm_stored_name()",
        )
    if "retention_event" in existing:
        put(
            "crm_retention_event_guard",
            "retention_event",
            "BEFORE INSERT ON retention_event FOR EACH ROW "
            "WHEN (NOT crm_is_owner()) EXECUTE FUNCTION crm_retention_event_guard()",
        )
    if "assignment" in existing:
        put(
            "crm_assignment_guard",
            "assignment",
            "BEFORE UPDATE ON assignment FOR EACH ROW EXECUTE FUNCTION crm_assignment_guard()",
        )


def _forget_old_groups(connection: sa.Connection, existing: set[str]) -> None:
    """Take every right of the old server-wide groups (``crm_staff``,
    ``crm_investigator``) in this database away; their members keep nothing here."""
    run = runner(connection)
    present = [
        g
        for g in OLD_GROUPS
        if run("SELECT 1 FROM pg_roles WHERE rolname = %s", (g,)).first() is not None
    ]
    if not present:
        return
    names = ", ".join(_ident(g) for g in present)
    for table in sorted(existing):
        run(f"REVOKE ALL ON {_ident(table)} FROM {names}")
    run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {names}")
    run(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM {names}")
    run(f"REVOKE ALL ON SCHEMA public FROM {names}")
    run("DROP FUNCTION IF EXISTS crm_case_of_stage(integer) CASCADE")


def link_existing_logins(connection: sa.Connection) -> None:
    """Logins linked to users before the groups were per database: mark them as this
    database's and put each in its user's group (a disabled user's login NOLOGIN)."""
    run = runner(connection)
    database = str(run("SELECT current_database()").scalar())
    rows = run(
        "SELECT u.username, u.db_role, shobj_description(r.oid, 'pg_authid') FROM app_user u "
        "JOIN pg_roles r ON r.rolname = u.db_role"
    ).all()
    for username, login, comment in rows:
        if comment is None:
            run(f"COMMENT ON ROLE {_ident(login)} IS {_literal(tag(database, 'login', username))}")
    run("SELECT crm_apply_login(db_role, role, active) FROM app_user WHERE db_role IS NOT NULL")


def uninstall(connection: sa.Connection) -> None:
    """Undo :func:`install` (a downgrade): policies, triggers, functions and grants go;
    the group roles stay until the database is dropped (see :func:`drop_database_roles`)."""
    run = runner(connection)
    database = str(run("SELECT current_database()").scalar())
    prefix = role_prefix(database)
    names = ", ".join(_ident(group_name(prefix, g)) for g in GROUPS.values())
    existing = _existing_tables(connection)
    for table in sorted(existing):
        for policy in run(
            "SELECT policyname FROM pg_policies WHERE schemaname = 'public' AND tablename = %s",
            (table,),
        ).scalars():
            run(f"DROP POLICY {_ident(policy)} ON {_ident(table)}")
        run(f"ALTER TABLE {_ident(table)} DISABLE ROW LEVEL SECURITY")
        run(f"REVOKE ALL ON {_ident(table)} FROM {names}")
        for trigger in (
            "crm_audit",
            "crm_audit_guard",
            "crm_audit_no_truncate",
            "crm_login_sync",
            "crm_assignment_guard",
            "crm_manager_columns",
            "crm_same_case",
            "crm_author",
            "crm_id_drawn",
            "crm_manager_decisions",
        ):
            run(f"DROP TRIGGER IF EXISTS {trigger} ON {_ident(table)}")
    run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {names}")
    for function in FUNCTION_GRANTS:
        run(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    for function in run(
        "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
        "AND proname LIKE 'crm\\_author\\_%'"
    ).scalars():
        run(f"DROP FUNCTION IF EXISTS {_ident(function)}() CASCADE")
    run(f"REVOKE ALL ON SCHEMA public FROM {names}")
    run(f"GRANT CONNECT, TEMPORARY ON DATABASE {_ident(database)} TO PUBLIC")


def database_roles(connection: sa.Connection, database: str) -> list[str]:
    """Every role CRM Desktop made for ``database``: its groups and its users' logins."""
    marker = f"{TAG} database={database} "
    return list(
        connection.exec_driver_sql(
            "SELECT rolname FROM pg_roles WHERE starts_with("
            "coalesce(shobj_description(oid, 'pg_authid'), ''), %s) ORDER BY rolname",
            (marker,),
        ).scalars()
    )


def drop_database_roles(connection: sa.Connection, database: str) -> list[str]:
    """After ``database`` was dropped: drop the roles made for it (they are server-wide).
    ``connection`` must be in another database, allowed to drop roles."""
    dropped = []
    for name in database_roles(connection, database):
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
            (name,),
        )
        connection.exec_driver_sql(f"DROP ROLE IF EXISTS {_ident(name)}")
        dropped.append(name)
    return dropped
