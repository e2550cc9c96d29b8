"""Reminders, escalations, the digest and the outbox, against a real SMTP server.

All on Thu 28 Mar 2024 (Good Friday is 29 Mar, Easter Monday 1 Apr), with reminders 3
working days ahead. Working days left from 28 Mar: 2 Apr 1 · 3 Apr 2 · 4 Apr 3 ·
5 Apr 4 · 26 Mar -2.

The scenario (:func:`scenario`), owned by Alice:
- Stage 1 of COR-2024-00017, due 3 Apr (2 left): a reminder; acknowledgement due 28 Mar
  (0 left): a reminder;
- an Investigating Officer with no user account (sam@example.org), report due 4 Apr
  (3 left): a reminder by email;
- an action item for "Alice Officer" due 5 Apr (4 left): too far ahead, nothing;
- remedy A, agreed 1 Mar, deadline 2 Apr: 20 working days, 75% (the 15th) passed on
  22 Mar: escalation level 1 to the two senior officers; 1 day left: a reminder;
- remedy B (COR-2024-00018), agreed 1 Mar, deadline 26 Mar: 2 working days late:
  level 1 and level 2 (director and chief executive); an overdue notice.
So 12 emails: 5 reminders, 2 + 2 + 2 escalations, 1 digest for Alice.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.correspondence import outbox
from crm_desktop.correspondence.mail import SendError, SmtpTransport
from crm_desktop.correspondence.notifications import (
    list_notifications,
    mark_all_read,
    mark_read,
    unread_count,
)
from crm_desktop.correspondence.reminders import RunReport, run_reminders
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import ActionItem, Correspondence, LgscoRemedy, Stage
from crm_desktop.db.models_correspondence import Notification, OutboxMessage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from tests.core.test_correspondence_support import (
    SmtpSink,
    add_remedy,
    add_user,
    appoint,
    build_case,
    configure,
    smtp_server,
)

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2024, 3, 28)
T0 = dt.datetime(2024, 3, 28, 8, 0)
EXPECTED = 12


class Clock:
    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def scenario(session: Session) -> dict[str, int]:
    built = build_case(
        session,
        due_on=dt.date(2024, 4, 3),
        acknowledge_due_on=dt.date(2024, 3, 28),
        received_on=dt.date(2024, 3, 14),
    )
    appoint(session, built.stage_id, "Sam Investigator", "sam@example.org", dt.date(2024, 4, 4))
    session.add(
        ActionItem(
            case_id=built.case_id,
            action="Retrain the crews",
            owner="Alice Officer",
            due_on=dt.date(2024, 4, 5),
        )
    )
    remedy_a = add_remedy(
        session,
        built.case_id,
        agreed_on=dt.date(2024, 3, 1),
        deadline_on=dt.date(2024, 4, 2),
        owner_id=built.officer_id,
    )
    from crm_desktop.db.models import Case
    from crm_desktop.domain.enums import CaseStatus, Kind, Procedure

    other = Case(
        reference="COR-2024-00018",
        kind=Kind.COMPLAINT,
        procedure=Procedure.CORPORATE,
        received_on=dt.date(2024, 1, 10),
        status=CaseStatus.OPEN,
        owner_id=built.officer_id,
    )
    session.add(other)
    session.flush()
    remedy_b = add_remedy(
        session,
        other.id,
        agreed_on=dt.date(2024, 3, 1),
        deadline_on=dt.date(2024, 3, 26),
        owner_id=built.officer_id,
        description="Review the other cases affected.",
    )
    return {
        "case": built.case_id,
        "stage": built.stage_id,
        "alice": built.officer_id,
        "mary": built.manager_id,
        "remedy_a": remedy_a,
        "remedy_b": remedy_b,
    }


def alice(ids: dict[str, int]) -> Actor:
    return Actor("alice", UserRole.OFFICER, ids["alice"])


def outbox_rows(database: Database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def summary(messages: list[EmailMessage]) -> Counter[tuple[str, str]]:
    return Counter((str(m["To"]), str(m["Subject"])) for m in messages)


EXPECTED_MAIL = Counter(
    {
        ("alice@council.example", "Stage 1 response for COR-2024-00017: due 3 April 2024"): 1,
        (
            "alice@council.example",
            "Stage 1 acknowledgement for COR-2024-00017: due 28 March 2024",
        ): 1,
        (
            "sam@example.org",
            "Investigating Officer's report for COR-2024-00017: due 4 April 2024",
        ): 1,
        ("alice@council.example", "Ombudsman remedy due 2 April 2024: COR-2024-00017"): 1,
        ("alice@council.example", "Ombudsman remedy due 26 March 2024: COR-2024-00018"): 1,
        (
            "head.it@council.example",
            "Escalation (level 1): Ombudsman remedy for COR-2024-00017 due 2 April 2024",
        ): 1,
        (
            "ad.legal@council.example",
            "Escalation (level 1): Ombudsman remedy for COR-2024-00017 due 2 April 2024",
        ): 1,
        (
            "head.it@council.example",
            "Escalation (level 1): Ombudsman remedy for COR-2024-00018 due 26 March 2024",
        ): 1,
        (
            "ad.legal@council.example",
            "Escalation (level 1): Ombudsman remedy for COR-2024-00018 due 26 March 2024",
        ): 1,
        (
            "director@council.example",
            "Escalation (level 2): Ombudsman remedy for COR-2024-00018 due 26 March 2024",
        ): 1,
        (
            "ceo@council.example",
            "Escalation (level 2): Ombudsman remedy for COR-2024-00018 due 26 March 2024",
        ): 1,
        ("alice@council.example", "Your deadlines for 28 March 2024: 4 due soon or overdue"): 1,
    }
)


def assert_each_once(sink: SmtpSink) -> None:
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)), "a message arrived twice"
    assert summary(sink.received()) == EXPECTED_MAIL


# --------------------------------------------------------------------------- planning


def test_a_run_sends_every_reminder_escalation_and_digest_once(any_database: Database) -> None:
    database = any_database
    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(database, port)
        ids = database.write(scenario)
        first = run_reminders(database, AS_OF, clock=Clock())
        assert first.delivery.sent == EXPECTED and first.plan.emails == EXPECTED
        assert first.plan.escalations == 6 and first.plan.digests == 1
        # Running again, or later the same day, adds nothing.
        again = run_reminders(database, AS_OF, clock=Clock(T0 + dt.timedelta(hours=3)))
        assert again.plan.emails == 0 and again.plan.notifications == 0
        assert again.delivery.sent == 0
    assert_each_once(sink)
    with database.session() as session:
        a = session.get(LgscoRemedy, ids["remedy_a"])
        b = session.get(LgscoRemedy, ids["remedy_b"])
        assert a is not None and b is not None
        assert (a.escalation_level, b.escalation_level) == (1, 2)
        escalations = session.scalars(
            sa.select(Correspondence).where(
                Correspondence.template_key == "lgsco_remedy_escalation"
            )
        ).all()
        assert len(escalations) == 3 and all(c.sent_at is not None for c in escalations)
        assert {c.recipient for c in escalations} == {
            "head.it@council.example, ad.legal@council.example",
            "director@council.example, ceo@council.example",
        }
        notes = list_notifications(session, alice(ids))
        texts = sorted(n.text for n in notes)
    assert texts == sorted(
        [
            "COR-2024-00017: Stage 1 response due 3 Apr 2024 (2 working days left)",
            "COR-2024-00017: Stage 1 acknowledgement due 28 Mar 2024 (due today)",
            "COR-2024-00017: Ombudsman remedy due 2 Apr 2024 (1 working day left)",
            "COR-2024-00018: Ombudsman remedy due 26 Mar 2024 (2 working days overdue)",
            "COR-2024-00017: Ombudsman remedy due 2 Apr 2024 escalated to senior officers "
            "(75% of the time passed)",
            "COR-2024-00018: Ombudsman remedy due 26 Mar 2024 escalated to senior officers "
            "(75% of the time passed)",
            "COR-2024-00018: Ombudsman remedy due 26 Mar 2024 escalated to Director and the "
            "Chief Executive (the deadline passed)",
        ]
    )


def test_what_arrives_is_what_the_templates_say(database: Database) -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(database, port)
        database.write(scenario)
        run_reminders(database, AS_OF, clock=Clock())
    by_subject = {str(m["Subject"]): m for m in sink.received()}
    reminder = by_subject["Stage 1 response for COR-2024-00017: due 3 April 2024"]
    assert reminder.get_content().replace("\r\n", "\n") == (
        "Dear Alice Officer,\n\n"
        "This is a reminder that the stage 1 response for case COR-2024-00017 (Corporate, "
        "Stage 1) is due on 3 April 2024: 2 working days left.\n\n"
        "Summary: Bins not collected for three weeks.\n\n"
        "Consumer Relations Team\n"
    )
    escalation = by_subject[
        "Escalation (level 2): Ombudsman remedy for COR-2024-00018 due 26 March 2024"
    ].get_content()
    assert "This notice goes to the Director and the Chief Executive." in escalation
    assert "Deadline: 26 March 2024 (2 working days overdue)" in escalation
    assert "Review the other cases affected." in escalation
    digest = by_subject["Your deadlines for 28 March 2024: 4 due soon or overdue"].get_content()
    assert "- COR-2024-00018: Ombudsman remedy, due 26 March 2024 (2 working days overdue)" in (
        digest
    )
    assert "- COR-2024-00017: Stage 1 response, due 3 April 2024 (2 working days left)" in digest


def test_an_action_item_owned_by_an_investigator_s_name_goes_to_the_case_owner(
    database: Database,
) -> None:
    """An action item's owner is free text, matched to a user by name; an investigator
    of the same name is not sent a case they are not assigned to (nor a service
    responder another service's): the reminder goes to the case's owner."""

    def build(session: Session) -> None:
        scenario(session)
        add_user(session, "ivy", "Ivy Inv", "ivy@example.org", UserRole.INVESTIGATOR)
        item = session.scalars(sa.select(ActionItem)).one()
        item.owner, item.due_on = "Ivy Inv", dt.date(2024, 4, 3)

    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(database, port)
        database.write(build)
        run_reminders(database, AS_OF, clock=Clock())
    received = sink.received()
    assert not [m for m in received if "ivy@example.org" in str(m["To"])]
    action = [m for m in received if str(m["Subject"]).startswith("Action: Retrain")]
    assert [str(m["To"]) for m in action] == ["alice@council.example"]


def test_a_remedy_nobody_is_responsible_for_goes_to_the_managers(database: Database) -> None:
    """No owner on the remedy nor on its case: the managers are reminded, not nobody, and
    the escalation says nobody is recorded rather than leaving the line empty."""
    from crm_desktop.db.models import Case

    def build(session: Session) -> None:
        ids = scenario(session)
        remedy = session.get(LgscoRemedy, ids["remedy_b"])
        assert remedy is not None
        remedy.owner_id = None
        case = session.scalars(sa.select(Case).where(Case.reference == "COR-2024-00018")).one()
        case.owner_id = None

    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(database, port)
        database.write(build)
        run_reminders(database, AS_OF, clock=Clock())
    received = {(str(m["To"]), str(m["Subject"])): m for m in sink.received()}
    assert ("mary@council.example", "Ombudsman remedy due 26 March 2024: COR-2024-00018") in (
        received
    )
    escalation = received[
        (
            "head.it@council.example",
            "Escalation (level 1): Ombudsman remedy for COR-2024-00018 due 26 March 2024",
        )
    ].get_content()
    assert "Responsible officer: Nobody recorded: assign someone" in escalation


def test_a_run_for_an_earlier_day_sends_no_out_of_date_reminder(database: Database) -> None:
    """Run for Thu 4 Apr 2024 (remedy A, due Tue 2 Apr, is overdue: its notice goes),
    then for Thu 28 Mar: the "3 working days left" reminder for remedy A would be out
    of date and is not sent; a deadline with no overdue notice is still reminded."""
    configure(database, None)
    ids = database.write(scenario)
    run_reminders(database, dt.date(2024, 4, 4), clock=Clock())
    run_reminders(database, AS_OF, clock=Clock(T0 + dt.timedelta(hours=1)))
    with database.session() as session:
        keys = session.scalars(sa.select(Notification.dedupe_key)).all()
    remedy = f"remedy:{ids['remedy_a']}:2024-04-02"
    assert any(k and k.startswith(f"overdue:{remedy}:") for k in keys)
    assert not any(k and k.startswith(f"reminder:{remedy}:") for k in keys)
    # No deadline has both an overdue notice and a later "days left" reminder.
    told = {
        k.rsplit(":user:", 1)[0].split(":", 1)[1] for k in keys if k and k.startswith("overdue:")
    }
    reminded = {
        k.rsplit(":user:", 1)[0].split(":", 1)[1] for k in keys if k and k.startswith("reminder:")
    }
    assert not told & reminded


def test_a_run_in_the_calendar_s_last_days_is_refused_with_a_message(
    database: Database,
) -> None:
    from crm_desktop.errors import ValidationError

    database.write(scenario)
    with pytest.raises(ValidationError, match="past the end of the years the calendar knows"):
        run_reminders(database, dt.date(2045, 12, 30), clock=Clock())
    assert outbox_rows(database) == []


def test_a_moved_deadline_is_reminded_again_and_a_suspended_clock_is_not(
    database: Database,
) -> None:
    configure(database, None)
    ids = database.write(scenario)
    first = run_reminders(database, AS_OF, clock=Clock(), digest=False)
    assert first.plan.emails == 0 and first.plan.notifications == 7
    assert "in-app only" in " ".join(first.plan.warnings)

    def extend(session: Session) -> None:
        stage = session.get(Stage, ids["stage"])
        assert stage is not None
        stage.due_on = dt.date(2024, 4, 4)

    database.write(extend)
    again = run_reminders(database, AS_OF, clock=Clock(), digest=False)
    assert again.plan.notifications == 1
    with database.session() as session:
        newest = list_notifications(session, alice(ids), limit=1)[0]
    assert newest.text == "COR-2024-00017: Stage 1 response due 4 Apr 2024 (3 working days left)"


# --------------------------------------------------------------------------- the outbox


def test_a_server_that_refuses_then_recovers_gets_each_message_once(database: Database) -> None:
    sink = SmtpSink(refuse_first=3)
    clock = Clock()
    with smtp_server(sink) as port:
        configure(database, port)
        database.write(scenario)
        first = run_reminders(database, AS_OF, clock=clock)
        assert (first.delivery.sent, first.delivery.retrying) == (EXPECTED - 3, 3)
        assert all("451" in error for error in first.delivery.errors)
        waiting = [r for r in outbox_rows(database) if r.status == "pending"]
        assert len(waiting) == 3
        assert all(r.attempts == 1 and "451" in (r.last_error or "") for r in waiting)
        assert all(r.next_attempt_at == T0 + outbox.backoff(1) for r in waiting)
        clock.advance(seconds=30)  # before the back-off ends: nothing is tried
        assert run_reminders(database, AS_OF, clock=clock).delivery.sent == 0
        clock.advance(minutes=1)
        last = run_reminders(database, AS_OF, clock=clock)
        assert last.delivery.sent == 3 and last.outbox["sent"] == EXPECTED
    assert sink.refused == 3
    assert_each_once(sink)
    assert sorted(r.attempts for r in outbox_rows(database)) == [1] * (EXPECTED - 3) + [2] * 3


def test_back_off_doubles_up_to_six_hours_and_gives_up_after_the_last_attempt(
    database: Database,
) -> None:
    assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [
        dt.timedelta(minutes=m) for m in (1, 2, 4, 8)
    ]
    assert outbox.backoff(30) == dt.timedelta(hours=6)

    class Down:
        def send(self, message: EmailMessage) -> str:
            raise SendError("451 later")

    configure(database, None)
    built = database.write(build_case)
    database.write(
        lambda s: outbox.enqueue(
            s, [outbox.NewMessage("k1", "test", "x@example.org", "s", "b", "<1@x>")], T0
        )
    )
    clock = Clock()
    for _attempt in range(outbox.MAX_ATTEMPTS):
        report = outbox.deliver(database, Down(), "from@example.org", clock=clock)
        assert report.retrying + report.failed == 1
        clock.advance(hours=7)
    [row] = outbox_rows(database)
    assert row.status == "failed" and row.attempts == outbox.MAX_ATTEMPTS
    assert built.case_id  # the case is there; the message failed on its own
    count = database.write(lambda s: outbox.retry_failed(s, clock()))
    assert count == 1 and outbox_rows(database)[0].status == "pending"


def test_a_recipient_refused_for_good_fails_and_the_rest_go(database: Database) -> None:
    class Picky(SmtpSink):
        async def handle_RCPT(
            self, server: object, session: object, envelope: object, address: str, options: object
        ) -> str:
            if address == "ceo@council.example":
                return "550 5.1.1 No such user"
            envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
            return "250 OK"

    sink = Picky()
    with smtp_server(sink) as port:
        configure(database, port)
        database.write(scenario)
        report = run_reminders(database, AS_OF, clock=Clock())
    assert (report.delivery.sent, report.delivery.failed) == (EXPECTED - 1, 1)
    [failed] = [r for r in outbox_rows(database) if r.status == "failed"]
    assert failed.to_address == "ceo@council.example" and "550" in (failed.last_error or "")


# --------------------------------------------------------------------------- concurrency


def test_two_runs_at_the_same_time_send_each_reminder_once(any_database: Database) -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(any_database, port)
        any_database.write(scenario)
        second = open_database(any_database.url)
        barrier = threading.Barrier(2)
        reports: list[RunReport] = []
        errors: list[BaseException] = []

        def run(db: Database) -> None:
            try:
                barrier.wait()
                reports.append(run_reminders(db, AS_OF, clock=Clock()))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(db,)) for db in (any_database, second)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        finally:
            second.dispose()
    assert errors == []
    assert sum(r.plan.emails for r in reports) == EXPECTED
    assert sum(r.delivery.sent for r in reports) == EXPECTED
    assert_each_once(sink)
    with any_database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 7


def _cli(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "crm_desktop", "--database", url, "reminders", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_reminders_run_commands_at_the_same_time(database: Database) -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(database, port)
        database.write(scenario)
        runs = [_cli(database.url, "run", "--as-of", "2024-03-28") for _ in range(2)]
        outputs = [run.communicate(timeout=180) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert out.startswith("Reminders for 2024-03-28:")
    assert_each_once(sink)
    status = _cli(database.url, "status")
    out, _err = status.communicate(timeout=60)
    assert status.returncode == 0
    assert out.startswith(f"Outbox: 0 waiting, 0 being sent, 0 failed, {EXPECTED} sent.")


# --------------------------------------------------------------------------- killed runs


class Killed(KeyboardInterrupt):
    """Stands for the process being killed in the middle of a send."""


def test_a_run_killed_half_way_is_picked_up_with_nothing_lost_or_repeated(
    database: Database,
) -> None:
    sink = SmtpSink()
    clock = Clock()
    with smtp_server(sink) as port:
        configure(database, port)
        database.write(scenario)
        real = SmtpTransport("127.0.0.1", port, starttls=False, timeout=10)

        class DiesOnThird:
            calls = 0

            def send(self, message: EmailMessage) -> str:
                self.calls += 1
                if self.calls == 3:
                    raise Killed
                return real.send(message)

        with pytest.raises(Killed):
            run_reminders(database, AS_OF, clock=clock, transport=DiesOnThird())
        assert len(sink.received()) == 2
        stuck = [r for r in outbox_rows(database) if r.status == "sending"]
        assert len(stuck) == 1 and stuck[0].claimed_at == T0
        # The next run, a minute later, sends the rest but leaves the claimed one alone.
        clock.advance(minutes=1)
        report = run_reminders(database, AS_OF, clock=clock)
        assert report.delivery.sent == EXPECTED - 3 and report.outbox["sending"] == 1
        # Once the claim has expired the message is taken up again, and sent once.
        clock.advance(minutes=10)
        report = run_reminders(database, AS_OF, clock=clock)
        assert report.delivery.sent == 1 and report.outbox["sent"] == EXPECTED
    assert_each_once(sink)
    [again] = [r for r in outbox_rows(database) if r.id == stuck[0].id]
    assert again.attempts == 2


def test_a_killed_process_holding_a_claim_loses_nothing(database: Database) -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(database, port)
        database.write(scenario)
        database.write(
            lambda s: __import__(
                "crm_desktop.correspondence.reminders", fromlist=["plan_reminders"]
            ).plan_reminders(s, AS_OF, dt.datetime(2000, 1, 1))
        )
        # Another process claims a message and is killed before sending it.
        script = (
            "import datetime as dt, os, sys\n"
            "from crm_desktop.db.database import open_database\n"
            "from crm_desktop.correspondence import outbox\n"
            "db = open_database(sys.argv[1])\n"
            "when = dt.datetime(2000, 1, 1)\n"
            "claimed = db.write(lambda s: outbox.claim_next(s, when, 'doomed'))\n"
            "print(claimed.id, flush=True)\n"
            "os._exit(9)\n"
        )
        killed = subprocess.run(
            [sys.executable, "-c", script, database.url],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert killed.returncode == 9, killed.stderr
        claimed_id = int(killed.stdout.strip())
        clock = Clock(dt.datetime(2000, 1, 1, 0, 5))
        report = run_reminders(database, AS_OF, clock=clock, digest=False)
        assert report.delivery.sent == EXPECTED - 1
        clock.advance(minutes=10)
        report = run_reminders(database, AS_OF, clock=clock, digest=False)
        assert report.delivery.sent_ids == [claimed_id]
    assert_each_once(sink)


# --------------------------------------------------------------------------- notification centre


def test_the_notification_centre(database: Database) -> None:
    configure(database, None)
    ids = database.write(scenario)
    run_reminders(database, AS_OF, clock=Clock(), digest=False)
    me = alice(ids)
    mary = Actor("mary", UserRole.MANAGER, ids["mary"])
    with database.session() as session:
        notes = list_notifications(session, me)
        assert unread_count(session, me) == 7 and unread_count(session, mary) == 0
        assert all(n.reference in ("COR-2024-00017", "COR-2024-00018") for n in notes)
    first = notes[0].id
    assert database.write(lambda s: mark_read(s, mary, [first])) == 0  # not hers
    assert database.write(lambda s: mark_read(s, me, [first])) == 1
    with database.session() as session:
        assert unread_count(session, me) == 6
        assert [n.id for n in list_notifications(session, me, unread_only=True)] == [
            n.id for n in notes[1:]
        ]
    assert database.write(lambda s: mark_all_read(s, me)) == 6


def test_escalations_without_senior_officers_set_up_are_a_warning(database: Database) -> None:
    configure(
        database,
        None,
        escalation__senior_officers="",
        escalation__directors="",
        escalation__chief_executive="",
    )
    database.write(scenario)
    report = run_reminders(database, AS_OF, clock=Clock(), digest=False)
    warnings = " ".join(report.plan.warnings)
    assert "no senior officers (escalation.senior_officers) are set up" in warnings
    assert "no director and chief executive" in warnings


def test_no_reminders_for_users_with_nothing_due(database: Database) -> None:
    configure(database, None)
    database.write(lambda s: add_user(s, "idle", "Idle User", "idle@example.org", UserRole.OFFICER))
    report = run_reminders(database, AS_OF, clock=Clock())
    assert report.plan.notifications == 0 and report.plan.emails == 0
