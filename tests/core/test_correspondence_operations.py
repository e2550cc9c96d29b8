"""Correspondence through the operations: recording what came in, notifications (each
user's own only), templates and the reminders commands for managers only."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.correspondence.case_correspondence import CorrespondenceEntry
from crm_desktop.correspondence.letters import Letter, LetterResult
from crm_desktop.correspondence.notifications import notify
from crm_desktop.correspondence.templates import TEMPLATES, letter_templates
from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Correspondence, Stage
from crm_desktop.db.models_correspondence import Notification, OutboxMessage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    CorrespondenceChannel,
    CorrespondenceDirection,
    StageCode,
    UserRole,
)
from crm_desktop.errors import FileProblem, PermissionRefused, ValidationError
from crm_desktop.operations import correspondence as ops
from crm_desktop.operations import run_operation
from crm_desktop.services.users import add_user
from tests.core.test_correspondence_support import Built, build_case, configure, manager, officer
from tests.core.test_privacy_cli import run as run_cli
from tests.factories import add_case

TODAY = dt.date(2024, 3, 18)
RECEIVED = CorrespondenceEntry(
    CorrespondenceDirection.INCOMING,
    CorrespondenceChannel.LETTER,
    "Further details of the missed collections",
    "Dear Sir, the bins were also missed on 11 March.",
    who="Jane Smith",
    on=dt.date(2024, 3, 15),
)


@pytest.fixture
def built(database: Database) -> Built:
    configure(database, None)
    return database.write(build_case)


def _count(database: Database, model: type) -> int:
    with database.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_a_letter_received_and_a_phone_note_are_recorded_and_listed(
    database: Database, built: Built
) -> None:
    row = run_operation(
        database, officer(built), TODAY, ops.record_correspondence, built.case_id, RECEIVED
    ).value
    assert row.direction == "incoming" and row.status == "Received"
    assert row.sent_at == dt.datetime(2024, 3, 15) and row.created_by == "alice"
    call = CorrespondenceEntry(
        CorrespondenceDirection.OUTGOING,
        CorrespondenceChannel.PHONE,
        "  Called   to apologise ",
        who="01905 123456",
    )
    run_operation(database, manager(built), TODAY, ops.record_correspondence, built.case_id, call)
    rows = run_operation(
        database, officer(built), TODAY, ops.case_correspondence, built.case_id
    ).value
    assert [(r.channel, r.subject, r.status) for r in rows] == [
        ("phone", "Called to apologise", "Recorded"),
        ("letter", "Further details of the missed collections", "Received"),
    ]
    assert rows[0].sent_at == dt.datetime(2024, 3, 18)  # today, when no day is given
    # Who recorded each: the name colleagues know, not the username.
    assert [(r.created_by, r.created_by_name) for r in rows] == [
        ("mary", "Mary Manager"),
        ("alice", "Alice Officer"),
    ]
    with database.session() as session:
        stored = session.get(Correspondence, row.id)
        assert stored is not None and stored.stage_id == built.stage_id


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (CorrespondenceEntry(RECEIVED.direction, RECEIVED.channel, "   "), "subject"),
        (CorrespondenceEntry(RECEIVED.direction, RECEIVED.channel, "x" * 301), "subject"),
        (CorrespondenceEntry(RECEIVED.direction, RECEIVED.channel, "s", "b" * 20_001), "body"),
        (CorrespondenceEntry(RECEIVED.direction, RECEIVED.channel, "s", who="w" * 301), "who"),
        (
            CorrespondenceEntry(
                RECEIVED.direction, RECEIVED.channel, "s", on=TODAY + dt.timedelta(days=1)
            ),
            "on",
        ),
    ],
)
def test_what_cannot_be_recorded_is_refused_and_nothing_kept(
    database: Database, built: Built, entry: CorrespondenceEntry, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        run_operation(
            database, officer(built), TODAY, ops.record_correspondence, built.case_id, entry
        )
    assert refused.value.field == field
    assert _count(database, Correspondence) == 0


def test_a_stage_of_another_case_is_refused(database: Database, built: Built) -> None:
    other = database.write(
        lambda s: s.get(Case, add_case(s, reference="COR-2024-00099").id).current_stage_id
    )
    with pytest.raises(ValidationError) as refused:
        run_operation(
            database,
            officer(built),
            TODAY,
            ops.record_correspondence,
            built.case_id,
            RECEIVED,
            stage_id=other,
        )
    assert refused.value.field == "stage"
    assert _count(database, Correspondence) == 0


def test_recording_is_refused_to_an_investigator_and_a_responder_of_another_service(
    database: Database, built: Built
) -> None:
    investigator = Actor("sam", UserRole.INVESTIGATOR, None)
    responder = database.write(
        lambda s: add_user(s, "resp", UserRole.SERVICE_RESPONDER, password="a long password")
    )
    elsewhere = Actor("resp", UserRole.SERVICE_RESPONDER, responder.id)
    for actor in (investigator, elsewhere):
        with pytest.raises(PermissionRefused):
            run_operation(
                database, actor, TODAY, ops.record_correspondence, built.case_id, RECEIVED
            )
    assert _count(database, Correspondence) == 0


# --------------------------------------------------------------------------- letters


def test_the_letter_pdf_is_saved_where_asked_and_a_bad_place_records_nothing(
    database: Database, built: Built, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "ack.pdf"

    def send() -> LetterResult:
        return run_operation(
            database,
            officer(built),
            TODAY,
            ops.send_letter,
            built.case_id,
            Letter("acknowledgement"),
            target,
        ).value

    with pytest.raises(FileProblem):  # the folder does not exist
        send()
    assert _count(database, Correspondence) == 0
    target.parent.mkdir()
    result = send()
    assert result.saved_to == target and target.read_bytes() == result.pdf
    assert [p.name for p in target.parent.iterdir()] == ["ack.pdf"]  # no temporary left
    assert _count(database, Correspondence) == 1


def test_a_stage_letter_names_its_stage(database: Database, built: Built) -> None:
    def second_stage(session: sa.orm.Session) -> int:
        stage = Stage(case_id=built.case_id, seq=2, stage=StageCode.STAGE_2, started_on=TODAY)
        session.add(stage)
        session.flush()
        return stage.id

    stage_id = database.write(second_stage)
    shown = run_operation(
        database,
        officer(built),
        TODAY,
        ops.preview_letter,
        built.case_id,
        Letter("acknowledgement"),
        stage_id=stage_id,
    ).value
    assert shown.stage_id == stage_id


def test_the_templates_an_officer_sends_leave_out_the_reminders_own() -> None:
    keys = {t.key for t in letter_templates()}
    assert "acknowledgement" in keys and "daily_digest" not in keys
    assert keys < set(TEMPLATES)


def test_templates_are_listed_and_previewed_for_managers_only(
    database: Database, built: Built
) -> None:
    listed = run_operation(database, manager(built), TODAY, ops.templates_for_editing).value
    assert {v.spec.key for v in listed} == set(TEMPLATES)
    shown = run_operation(
        database,
        manager(built),
        TODAY,
        ops.preview_template,
        "acknowledgement",
        "Ref {{ case.reference }}",
        "Dear {{ complainant.name }}",
    ).value
    assert "{{" not in shown.subject + shown.body
    for op in (ops.templates_for_editing,):
        with pytest.raises(PermissionRefused):
            run_operation(database, officer(built), TODAY, op)
    with pytest.raises(PermissionRefused):
        run_operation(database, officer(built), TODAY, ops.preview_template, "x", "s", "b")


# --------------------------------------------------------------------------- notifications


def test_each_user_reads_and_marks_only_their_own_notifications(
    database: Database, built: Built
) -> None:
    def build(session: sa.orm.Session) -> None:
        notify(session, built.officer_id, "For Alice", case_id=built.case_id)
        notify(session, built.manager_id, "For Mary")

    database.write(build)
    with database.session() as session:
        marys = session.scalars(
            sa.select(Notification.id).where(Notification.user_id == built.manager_id)
        ).all()
    alice = officer(built)
    mine = run_operation(database, alice, TODAY, ops.my_notifications).value
    assert [n.text for n in mine.rows] == ["For Alice"] and mine.unread == 1
    assert mine.rows[0].reference == built.reference
    # Mary's notification is left alone when Alice names it.
    assert (
        run_operation(database, alice, TODAY, ops.mark_notifications_read, list(marys)).value == 0
    )
    assert run_operation(database, manager(built), TODAY, ops.unread_notifications).value == 1
    assert run_operation(database, alice, TODAY, ops.mark_all_notifications_read).value == 1
    assert run_operation(database, alice, TODAY, ops.unread_notifications).value == 0
    assert run_operation(database, manager(built), TODAY, ops.unread_notifications).value == 1
    # The command-line administrator has no account, so no notifications.
    nobody = Actor("cli:someone", UserRole.ADMIN)
    assert run_operation(database, nobody, TODAY, ops.my_notifications).value.rows == []
    assert run_operation(database, nobody, TODAY, ops.mark_all_notifications_read).value == 0
    assert run_operation(database, manager(built), TODAY, ops.unread_notifications).value == 1


# --------------------------------------------------------------------------- reminders


def test_reminders_commands_are_a_managers_and_say_what_they_did(
    database: Database, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(database, None, email__eml_folder=str(tmp_path / "eml"))
    database.write(lambda s: build_case(s, due_on=dt.date(2024, 3, 20)))
    db = ["--database", sqlite_url]

    code, _, err = run_cli(
        [*db, "--as", "alice", "reminders", "run", "--as-of", "2024-03-18"], capsys
    )
    assert code == 2 and err.count("\n") == 1
    assert _count(database, OutboxMessage) == 0 and _count(database, Notification) == 0

    code, out, _ = run_cli(
        [*db, "--as", "mary", "reminders", "run", "--as-of", "2024-03-18"], capsys
    )
    assert code == 0 and out.startswith("Reminders for 2024-03-18:")
    assert _count(database, Notification) > 0
    code, out, _ = run_cli([*db, "reminders", "status"], capsys)  # the file's administrator
    assert code == 0 and out.startswith("Outbox: 0 waiting")
    code, out, _ = run_cli([*db, "reminders", "retry-failed"], capsys)
    assert code == 0 and out == "0 failed emails put back in the queue.\n"
    code, _, err = run_cli([*db, "--as", "alice", "reminders", "status"], capsys)
    assert code == 2


def test_the_outbox_status_is_plain_rows(database: Database, built: Built) -> None:
    from crm_desktop.correspondence.outbox import NewMessage, enqueue

    database.write(
        lambda s: enqueue(
            s,
            [NewMessage("k1", "reminder", "a@example.org", "Due", "Body", "<id@x>")],
            dt.datetime(2024, 3, 18, 9),
        )
    )
    status = run_operation(database, manager(built), TODAY, ops.outbox_status).value
    assert status.counts["pending"] == 1
    [waiting] = status.waiting
    assert (waiting.status, waiting.to_address, waiting.attempts) == ("pending", "a@example.org", 0)
    assert dataclasses.is_dataclass(waiting)  # plain data, not a row of the session


# --------------------------------------------------------------------------- own transactions


def test_operations_with_their_own_transactions_hold_no_read_lock_while_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite's rollback journal (a network share) a reader's lock keeps a writer from
    committing: an operation that writes for itself must have ended its reads first, or
    it would wait on itself until the busy timeout and fail."""
    from crm_desktop.db.database import open_database

    monkeypatch.setenv("CRM_SQLITE_JOURNAL", "delete")
    database = open_database(f"sqlite:///{tmp_path / 'share.db'}")
    try:
        configure(database, None, email__eml_folder=str(tmp_path / "eml"))
        built = database.write(build_case)
        result = run_operation(
            database,
            officer(built),
            TODAY,
            ops.send_email,
            built.case_id,
            Letter("acknowledgement"),
        ).value
        assert result.status == "sent"
        report = run_operation(database, manager(built), TODAY, ops.run_reminders).value
        assert report.outbox["failed"] == 0
    finally:
        database.dispose()


def test_only_an_operation_declared_so_writes_for_itself(database: Database, built: Built) -> None:
    from crm_desktop.operations import OpContext

    with database.session() as session:
        ctx = OpContext(session, manager(built), TODAY, database=database)
        with pytest.raises(RuntimeError):
            ctx.write(lambda s: None)
