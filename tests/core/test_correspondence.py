"""Templates, the sandbox, letters (PDF) and emails (a real SMTP server on loopback)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from crm_desktop.correspondence import rendering
from crm_desktop.correspondence.dates import format_date_long, format_date_long_with_day
from crm_desktop.correspondence.letters import (
    About,
    EmailResult,
    Letter,
    LetterResult,
    letter_pdf,
    preview,
)
from crm_desktop.correspondence.rendering import TemplateProblem, check_template, render
from crm_desktop.correspondence.settings import load_settings, save_settings
from crm_desktop.correspondence.templates import (
    TEMPLATES,
    default_text,
    ensure_templates,
    list_templates,
    load_template,
    preview_sample,
    reset_template,
    save_template,
)
from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Correspondence, Setting
from crm_desktop.db.models_correspondence import CorrespondenceTemplate, OutboxMessage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import CorrespondenceChannel, Procedure, UserRole
from crm_desktop.errors import ConflictError, PermissionRefused, ValidationError
from crm_desktop.operations import correspondence as ops
from crm_desktop.operations import run_operation
from tests.core.test_correspondence_support import (
    Built,
    SmtpSink,
    appoint,
    build_case,
    configure,
    manager,
    officer,
    smtp_server,
)

TODAY = dt.date(2024, 3, 18)
CASE_GROUPS = TEMPLATES["acknowledgement"].groups


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def send_letter(database: Database, built: Built, letter: Letter) -> LetterResult:
    """The officer sends ``letter`` about the case, as the desktop program does."""
    return run_operation(
        database, officer(built), TODAY, ops.send_letter, built.case_id, letter
    ).value


def send_email(
    database: Database, built: Built, letter: Letter, assignment_id: int | None = None
) -> EmailResult:
    return run_operation(
        database,
        officer(built),
        TODAY,
        ops.send_email,
        built.case_id,
        letter,
        assignment_id=assignment_id,
    ).value


@pytest.fixture
def built(database: Database) -> Built:
    configure(database, None)
    return database.write(build_case)


# --------------------------------------------------------------------------- dates


def test_dates_are_written_out_in_full() -> None:
    assert format_date_long(dt.date(2024, 3, 14)) == "14 March 2024"
    assert format_date_long(dt.date(2023, 1, 3)) == "3 January 2023"
    assert format_date_long(None) == ""
    assert format_date_long_with_day(dt.date(2024, 3, 14)) == "Thursday 14 March 2024"


# --------------------------------------------------------------------------- sandbox


def test_an_unknown_field_is_named_with_the_fields_that_can_be_used() -> None:
    with pytest.raises(TemplateProblem) as caught:
        check_template(
            "Subject", "Dear {{ complainant.name }}, ref {{ case.refrence }}", CASE_GROUPS
        )
    message = caught.value.message
    assert message.startswith("The template uses {{ case.refrence }}")
    assert "which is not a merge field (did you mean {{ case.reference }}?)" in message
    assert "Fields you can use: today, council.name" in message
    assert "case.reference" in message


def test_a_field_of_another_template_is_refused_and_a_group_is_not_a_field() -> None:
    with pytest.raises(TemplateProblem, match=r"\{\{ remedy.deadline_on \}\}.*not a merge field"):
        check_template("s", "{{ remedy.deadline_on }}", CASE_GROUPS)
    with pytest.raises(TemplateProblem, match=r"group of fields.*case.reference"):
        check_template("s", "{{ case }}", CASE_GROUPS)
    with pytest.raises(TemplateProblem, match="not a merge field"):
        check_template("{{ case.nope }}", "body", CASE_GROUPS)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ case.__dict__ }}",
        "{{ case['__class__'] }}",
        "{{ complainant.name.__class__ }}",
    ],
)
def test_the_sandbox_refuses_internals_when_checked_and_when_rendered(source: str) -> None:
    with pytest.raises(TemplateProblem, match="templates may not use"):
        check_template("s", source, CASE_GROUPS)
    # Even bypassing the check, the sandbox itself refuses.
    with pytest.raises(TemplateProblem):
        render(source, rendering.sample_context(CASE_GROUPS))


def test_globals_and_methods_are_not_there() -> None:
    for source in ("{{ range(10) }}", "{{ lipsum() }}", "{{ namespace() }}"):
        with pytest.raises(TemplateProblem, match="not a merge field"):
            check_template("s", source, CASE_GROUPS)
    with pytest.raises(TemplateProblem, match="does not exist"):
        render("{{ case.items() }}", rendering.sample_context(CASE_GROUPS))


def test_syntax_errors_and_unknown_filters_name_the_line() -> None:
    with pytest.raises(TemplateProblem, match="Line 2 of the body cannot be read"):
        check_template("s", "Dear\n{% if %}", CASE_GROUPS)
    with pytest.raises(TemplateProblem, match="No filter named 'shout'"):
        check_template("s", "{{ case.reference | shout }}", CASE_GROUPS)


def test_markup_path_escapes_values_and_template_text() -> None:
    context = rendering.sample_context(CASE_GROUPS)
    context["letter"] = rendering.namespace({"text": '<img src="/etc/passwd"/>'})
    out = render("<b>{{ letter.text }}</b> & more", context, markup=True)
    assert out == "&lt;b&gt;&lt;img src=&#34;/etc/passwd&#34;/&gt;&lt;/b&gt; &amp; more"
    plain = render("<b>{{ letter.text }}</b> & more", context)
    assert plain == '<b><img src="/etc/passwd"/></b> & more'


# --------------------------------------------------------------------------- templates


def test_every_default_template_checks_and_renders_with_example_values() -> None:
    for key in TEMPLATES:
        subject, body = default_text(key)
        shown = preview_sample(key, subject, body)
        assert shown.subject and "{{" not in shown.body and "None" not in shown.body


def test_defaults_load_on_first_use_and_a_manager_edits_them(
    database: Database, built: Built
) -> None:
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CorrespondenceTemplate)) == 0
        first = load_template(session, "acknowledgement")
        assert first.version == 0 and not first.customised
        assert {v.spec.key for v in list_templates(session)} == set(TEMPLATES)
    database.write(ensure_templates)
    with database.session() as session:
        assert session.scalar(
            sa.select(sa.func.count()).select_from(CorrespondenceTemplate)
        ) == len(TEMPLATES)
    body = "Dear {{ complainant.salutation }},\nWe got it: {{ case.reference }}.\n"
    saved = database.write(
        lambda s: save_template(s, "acknowledgement", "Got it", body, manager(built), 0)
    )
    assert saved.customised and saved.body == body and saved.updated_by == "mary"
    # A second manager who opened version 0 conflicts instead of overwriting.
    with pytest.raises(ConflictError, match="changed by mary"):
        database.write(
            lambda s: save_template(s, "acknowledgement", "Mine", body, manager(built), 0)
        )
    reset = database.write(
        lambda s: reset_template(s, "acknowledgement", manager(built), saved.version)
    )
    assert not reset.customised


def test_saving_checks_fields_and_needs_a_manager(database: Database, built: Built) -> None:
    with pytest.raises(TemplateProblem, match=r"\{\{ case.refrence \}\}"):
        database.write(
            lambda s: save_template(s, "extension", "s", "{{ case.refrence }}", manager(built), 0)
        )
    with pytest.raises(PermissionRefused):
        run_operation(database, officer(built), TODAY, ops.save_template, "extension", "s", "b", 0)
    with pytest.raises(PermissionRefused):
        run_operation(database, officer(built), TODAY, ops.reset_template, "extension", 0)
    with database.session() as session:
        assert session.get(CorrespondenceTemplate, "extension") is None
    # A manager saves through the operation.
    saved = run_operation(
        database, manager(built), TODAY, ops.save_template, "extension", "s", "b", 0
    ).value
    assert saved.subject == "s" and saved.updated_by == "mary"


def copy_in_as_an_older_program(
    database: Database, subject: str, body: str, key: str = "extension"
) -> None:
    """A letter (the extension letter unless ``key`` says) as an older program copied its
    default in: a new row (version 1), never saved by anyone."""

    def work(session: sa.orm.Session) -> None:
        session.execute(sa.delete(CorrespondenceTemplate).where(CorrespondenceTemplate.key == key))
        session.add(
            CorrespondenceTemplate(
                key=key, name=TEMPLATES[key].name, subject=subject, body=body, updated_by="system"
            )
        )

    database.write(work)


def test_the_extension_letter_gives_the_ombudsmans_details_also_from_an_older_copy(
    database: Database, built: Built
) -> None:
    """Complaint Handling Code 6.5: telling the complainant of an extension, give the
    Ombudsman's contact details. A database that copied the earlier default (without
    them) gets today's text; a council's own edit of it is left as the council wrote it."""
    from crm_desktop.correspondence.templates import earlier_defaults

    letter = Letter("extension")
    ombudsman = "Local Government and Social Care Ombudsman (www.lgo.org.uk, 0300 061 0614)"
    # The first default (the later one added the Ombudsman's details).
    old_subject, old_body = next(
        pair for pair in sorted(earlier_defaults("extension")) if "Ombudsman" not in pair[1]
    )
    assert ombudsman in default_text("extension")[1]

    def copy_in(body: str) -> None:
        copy_in_as_an_older_program(database, old_subject, body)

    for body in (None, old_body):  # the shipped file; an older program's copy of it
        if body is not None:
            copy_in(body)
        with database.session() as session:
            shown = preview(session, About(built.case_id), letter, officer(built), TODAY)
            text = load_template(session, "extension")
        assert ombudsman in shown.body
        assert not text.customised and text.body == default_text("extension")[1]
    assert ".\n\nWe have extended the time for our response" in shown.body  # a paragraph

    edited = old_body.replace("I am sorry for the delay.", "We apologise for the delay.")
    copy_in(edited)
    with database.session() as session:
        shown = preview(session, About(built.case_id), letter, officer(built), TODAY)
        text = load_template(session, "extension")
    assert "We apologise for the delay." in shown.body and "Ombudsman" not in shown.body
    assert text.customised and text.body == edited
    # A manager who saves the earlier text, word for word, keeps it too.
    saved = database.write(
        lambda s: save_template(s, "extension", old_subject, old_body, manager(built), text.version)
    )
    assert saved.customised and saved.body == old_body
    with database.session() as session:
        shown = preview(session, About(built.case_id), letter, officer(built), TODAY)
    assert "Ombudsman" not in shown.body

    # A children's complainant's route is the next stage of the statutory procedure:
    # the default letter does not send them to the Ombudsman.
    database.write(lambda s: reset_template(s, "extension", manager(built), saved.version))

    def make_childrens(session: sa.orm.Session) -> None:
        session.execute(
            sa.update(Case).where(Case.id == built.case_id).values(procedure=Procedure.CHILDREN)
        )

    database.write(make_childrens)
    with database.session() as session:
        shown = preview(session, About(built.case_id), letter, officer(built), TODAY)
    assert "more time needed" in shown.subject and "Ombudsman" not in shown.body


@pytest.mark.parametrize(
    ("reason", "written"),
    [
        (
            "Awaiting records from the care provider",
            "timescale because: Awaiting records from the care provider.\n",
        ),
        ("We are waiting for records.", "timescale because: We are waiting for records.\n"),
        ("Could we meet first?", "timescale because: Could we meet first?\n"),
        ("", "within the usual timescale.\n"),
    ],
)
def test_the_extension_letter_ends_the_reason_with_a_full_stop(reason: str, written: str) -> None:
    """A reason typed without a full stop ends its sentence with one; a reason that
    ends its own sentence is left as typed."""
    subject, body = default_text("extension")
    groups = TEMPLATES["extension"].groups
    check_template(subject, body, groups)
    context = rendering.sample_context(groups)
    context["stage"] = rendering.namespace({**vars(context["stage"]), "extension_reason": reason})
    assert written in render(body, context)


def test_an_unedited_copy_of_either_earlier_extension_letter_reads_as_today_s(
    database: Database,
) -> None:
    from crm_desktop.correspondence.templates import earlier_defaults

    earlier = sorted(earlier_defaults("extension"))
    assert len(earlier) == 2
    for subject, body in earlier:
        copy_in_as_an_older_program(database, subject, body)
        with database.session() as session:
            text = load_template(session, "extension")
        assert not text.customised and text.body == default_text("extension")[1]


@pytest.mark.parametrize(
    ("by", "written"),
    [
        # The Complaint Handling Code gives no window for asking for Stage 2.
        ("", "considered at Stage 2. It helps us if you say which points"),
        ("9 May 2024", "considered at Stage 2. Please tell us by 9 May 2024. It helps us if"),
    ],
)
def test_the_stage_response_gives_a_date_only_where_there_is_one(by: str, written: str) -> None:
    _subject, body = default_text("stage_response")
    groups = TEMPLATES["stage_response"].groups
    context = rendering.sample_context(groups)
    context["stage"] = rendering.namespace({**vars(context["stage"]), "next_stage_by": by})
    text = render(body, context)
    assert written in text
    assert "tell us by ," not in text
    assert "but you do not have to give your reasons." in text


def test_an_unedited_copy_of_the_earlier_stage_response_reads_as_today_s(
    database: Database,
) -> None:
    from crm_desktop.correspondence.templates import earlier_defaults

    ((subject, body),) = earlier_defaults("stage_response")
    assert "explaining which points you remain unhappy with and why" in body
    copy_in_as_an_older_program(database, subject, body, "stage_response")
    with database.session() as session:
        text = load_template(session, "stage_response")
    assert not text.customised and text.body == default_text("stage_response")[1]


# --------------------------------------------------------------------------- preview


def test_preview_fills_in_the_case(database: Database, built: Built) -> None:
    letter = Letter("acknowledgement", text="We will call you.")
    with database.session() as session:
        shown = preview(session, About(built.case_id), letter, officer(built), TODAY)
    assert shown.subject == "Your complaint COR-2024-00017: acknowledgement"
    assert shown.body.startswith("Dear Ms Smith,\n")
    assert "on 14 March 2024" in shown.body
    assert "respond in full by 12 April 2024" in shown.body
    assert "We will call you." in shown.body
    assert "Yours sincerely,\n\nAlice Officer" in shown.body
    assert shown.recipient_email == "jane.smith@example.org"
    assert shown.recipient_address == ("1 High Street", "Worcester", "WR1 1AA")


def test_preview_refuses_a_template_with_an_unknown_field_before_sending(
    database: Database, built: Built
) -> None:
    # A bad template that got into the table by another route is still refused.
    def corrupt(session: sa.orm.Session) -> None:
        ensure_templates(session)
        row = session.get(CorrespondenceTemplate, "extension")
        assert row is not None
        row.body = "Dear {{ complainant.nmae }}"

    database.write(corrupt)
    letter = Letter("extension")
    with (
        database.session() as session,
        pytest.raises(TemplateProblem, match=r"did you mean \{\{ complainant\.name \}\}"),
    ):
        preview(session, About(built.case_id), letter, officer(built), TODAY)
    with pytest.raises(TemplateProblem):
        send_letter(database, built, letter)
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Correspondence)) == 0


def test_investigators_cannot_send_letters(database: Database, built: Built) -> None:
    investigator = Actor("sam", UserRole.INVESTIGATOR, None)
    letter = Letter("acknowledgement")
    for op in (ops.preview_letter, ops.letter_pdf, ops.send_letter, ops.send_email):
        with pytest.raises(PermissionRefused):
            run_operation(database, investigator, TODAY, op, built.case_id, letter)
    with pytest.raises(PermissionRefused):
        run_operation(database, investigator, TODAY, ops.case_correspondence, built.case_id)
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Correspondence)) == 0


# --------------------------------------------------------------------------- letters


def test_letter_pdf_has_the_letterhead_merged_text_and_user_text_literally(
    database: Database,
) -> None:
    configure(database, None)
    nasty = 'Bins <img src="/etc/passwd"/> & <font size=40>big</font>'
    built = database.write(lambda s: build_case(s, summary=nasty))
    letter = Letter("acknowledgement", text='Officer typed <img src="/etc/passwd"/> too')
    result = send_letter(database, built, letter)
    text = pdf_text(result.pdf)
    flat = " ".join(text.split())
    assert "Worcestershire County Council" in flat
    assert "Spetchley Road" in flat
    assert "Dear Ms Smith," in flat
    assert "Our reference: COR-2024-00017" in flat
    assert "18 March 2024" in flat
    assert 'Bins <img src="/etc/passwd"/> & <font size=40>big</font>' in flat
    assert 'Officer typed <img src="/etc/passwd"/> too' in flat
    assert result.file_name.startswith("COR-2024-00017-acknowledgement")
    # Described for a screen reader and a file list: its subject and reference, in
    # British English, the title shown instead of the file name.
    reader = PdfReader(io.BytesIO(result.pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == f"{result.preview.subject} (COR-2024-00017)"
    assert reader.metadata.subject == "Letter about COR-2024-00017"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert bool(reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"])
    with database.session() as session:
        row = session.get(Correspondence, result.correspondence_id)
        assert row is not None
        assert row.channel == CorrespondenceChannel.LETTER
        assert row.template_key == "acknowledgement"
        assert row.body == result.preview.body and nasty in row.body
        assert row.sent_at is not None and row.created_by == "alice"
        assert row.recipient == "Jane Smith, 1 High Street, Worcester, WR1 1AA"


def test_a_managers_template_text_is_escaped_on_the_pdf_too(
    database: Database, built: Built
) -> None:
    body = 'Dear {{ complainant.name }}, <img src="/etc/passwd"/> is shown & kept.\n'
    database.write(lambda s: save_template(s, "suspension", "On hold", body, manager(built), 0))
    with database.session() as session:
        data = letter_pdf(
            session, About(built.case_id), Letter("suspension"), officer(built), TODAY
        )
    assert 'Dear Jane Smith, <img src="/etc/passwd"/> is shown & kept.' in " ".join(
        pdf_text(data).split()
    )


def test_an_edited_body_is_sent_as_typed_and_escaped(database: Database, built: Built) -> None:
    letter = Letter("stage_response", subject="Our reply", body="Line one <b>\n\nLine two")
    result = send_letter(database, built, letter)
    flat = " ".join(pdf_text(result.pdf).split())
    assert "Our reply" in flat and "Line one <b>" in flat and "Line two" in flat
    assert result.preview.body == "Line one <b>\n\nLine two"


def test_a_missing_logo_is_a_warning_not_a_failure(
    database: Database, built: Built, tmp_path: Path
) -> None:
    configure(database, None, letter__logo_path=str(tmp_path / "missing.png"))
    result = send_letter(database, built, Letter("acknowledgement"))
    assert any("logo" in w for w in result.warnings)
    assert result.pdf.startswith(b"%PDF")


# --------------------------------------------------------------------------- emails


def test_email_arrives_as_the_template_says_and_is_recorded(database: Database) -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(database, port)
        built = database.write(build_case)
        letter = Letter("acknowledgement", text="Ring me on 01905 1.")
        with database.session() as session:
            shown = preview(session, About(built.case_id), letter, officer(built), TODAY)
        result = send_email(database, built, letter)
    assert result.status == "sent", result.error
    [message] = sink.received()
    assert message["To"] == "jane.smith@example.org"
    assert message["From"] == "complaints@council.example"
    assert message["Subject"] == shown.subject
    body = message.get_content()
    assert body.replace("\r\n", "\n").rstrip("\n") == shown.body.rstrip("\n")
    with database.session() as session:
        row = session.get(Correspondence, result.correspondence_id)
        assert row is not None and row.channel == CorrespondenceChannel.EMAIL
        assert row.sent_at is not None and row.body == shown.body
        assert row.recipient == "jane.smith@example.org"
        sent = session.get(OutboxMessage, result.outbox_id)
        assert sent is not None and sent.status == "sent" and sent.attempts == 1
        # Its key, unique in the outbox, holds no address another login could probe for.
        assert sent.dedupe_key == f"letter:{row.id}"


def test_appointment_email_goes_to_the_investigator(database: Database) -> None:
    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(database, port)
        built = database.write(build_case)
        assignment = database.write(
            lambda s: appoint(s, built.stage_id, "Sam Investigator", "sam@example.org")
        )
        result = send_email(database, built, Letter("investigator_appointment"), assignment)
    assert result.status == "sent"
    [message] = sink.received()
    assert message["To"] == "sam@example.org"
    assert message["Subject"] == "Appointment as Investigating Officer: COR-2024-00017"
    assert "Please send us your report by 3 May 2024." in message.get_content()


def test_without_smtp_the_email_is_an_eml_file_for_outlook(
    database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "outlook"
    configure(database, None, email__eml_folder=str(folder))
    built = database.write(build_case)
    result = send_email(database, built, Letter("compliment_thanks"))
    assert result.status == "sent" and result.via is not None
    [file] = list(folder.glob("*.eml"))
    assert str(file) == result.via
    parsed = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
    assert parsed["X-Unsent"] == "1"
    assert parsed["To"] == "jane.smith@example.org"
    assert parsed["Subject"] == "Thank you for your compliment (COR-2024-00017)"


def test_email_needs_a_setup_and_an_address(database: Database) -> None:
    configure(database, None)
    built = database.write(lambda s: build_case(s, complainant_email=None))
    letter = Letter("acknowledgement")
    with pytest.raises(ValidationError, match="Email is not set up"):
        send_email(database, built, letter)
    configure(database, None, email__eml_folder="/tmp/unused-crm-eml")
    with pytest.raises(ValidationError, match="has no email address"):
        send_email(database, built, letter)
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Correspondence)) == 0


def test_an_email_goes_to_one_address_or_not_at_all(database: Database) -> None:
    """A list of addresses (typed as "another address", or stored by an older version on
    the complainant) is refused with a message; nothing is recorded or queued."""
    configure(database, None, email__eml_folder="/tmp/unused-crm-eml")
    built = database.write(
        lambda s: build_case(s, complainant_email="jane@example.org, spy@evil.example")
    )
    with pytest.raises(ValidationError, match="is not one email address") as stored:
        send_email(database, built, Letter("acknowledgement"))
    assert stored.value.field == "to"
    assert "Correct Jane Smith's address on the case" in stored.value.message
    for typed in ("a@example.org; b@example.org", "nobody", "a@example.org b@example.org"):
        with pytest.raises(ValidationError, match="is not one email address"):
            send_email(database, built, Letter("acknowledgement", to=typed))
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Correspondence)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_an_unreachable_server_leaves_the_email_queued(database: Database) -> None:
    from tests.core.test_correspondence_support import free_port

    configure(database, free_port())  # nothing listens there
    built = database.write(build_case)
    result = send_email(database, built, Letter("acknowledgement"))
    assert result.status == "queued" and result.error and "Cannot reach" in result.error
    with database.session() as session:
        row = session.get(OutboxMessage, result.outbox_id)
        assert row is not None and row.status == "pending" and row.attempts == 1
        assert row.next_attempt_at > row.created_at
        letter = session.get(Correspondence, result.correspondence_id)
        assert letter is not None and letter.sent_at is None


# --------------------------------------------------------------------------- settings


def test_settings_round_trip_and_are_checked(database: Database, built: Built) -> None:
    with database.session() as session:
        settings = load_settings(session)
    assert settings.senior_officers == ("head.it@council.example", "ad.legal@council.example")
    changed = database.write(
        lambda s: save_settings(s, replace(settings, lead_working_days=5), manager(built))
    )
    assert changed.lead_working_days == 5
    assert changed.senior_officers == settings.senior_officers
    with pytest.raises(ValidationError, match="not an email address"):
        database.write(
            lambda s: save_settings(s, replace(settings, directors=("nobody",)), manager(built))
        )

    def stored(session: sa.orm.Session) -> dict[str, str]:
        return {key: value for key, value in session.execute(sa.select(Setting.key, Setting.value))}

    with database.session() as session:
        before = stored(session)
    with pytest.raises(PermissionRefused):
        run_operation(database, officer(built), TODAY, ops.save_mail_settings, settings)
    with pytest.raises(PermissionRefused):
        run_operation(database, officer(built), TODAY, ops.mail_settings)
    with database.session() as session:
        assert stored(session) == before
    # The settings hold the mail server's password: only a manager reads them.
    shown = run_operation(database, manager(built), TODAY, ops.mail_settings).value
    assert shown.lead_working_days == 5


@pytest.mark.parametrize(
    ("stored", "letter"),
    [
        ("Awaiting records", "Awaiting records"),
        (
            "Awaiting records. (beyond the limit of 20 working days: the contractor is closed)",
            "Awaiting records; the contractor is closed",
        ),
        ("Awaiting records (beyond the limit of 20 working days: )", "Awaiting records"),
    ],
)
def test_the_extension_letter_gives_the_good_reason_without_the_programs_note(
    stored: str, letter: str
) -> None:
    from crm_desktop.services.clock import BEYOND_LIMIT, reason_for_the_complainant

    assert BEYOND_LIMIT in stored or stored == letter
    assert reason_for_the_complainant(stored) == letter
