"""Attachments: generated names inside the store, size limit, hash checked on opening;
who may add, list and open them (through the operations)."""

from __future__ import annotations

import datetime as dt
import io
import mimetypes
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Assignment, Attachment, Case, Person, Setting
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import AssignmentRole, AssignmentStatus, UserRole
from crm_desktop.errors import FileProblem, PermissionRefused, ValidationError
from crm_desktop.operations import attachments as ops
from crm_desktop.operations import investigators as inv_ops
from crm_desktop.operations import run_operation
from crm_desktop.privacy import retention
from crm_desktop.services.attachments import (
    NAME_BYTES,
    AttachmentDamaged,
    AttachmentView,
    add_attachment,
    display_name,
    open_attachment,
    remove_orphans,
    store_folder,
)
from crm_desktop.services.users import add_user
from tests.factories import add_case

OFFICER = Actor("officer1", UserRole.OFFICER)
TODAY = dt.date(2024, 3, 18)


@pytest.fixture(autouse=True)
def temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's temporary folder, where copies for viewing go: this test's own."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def case_id(database: Database) -> int:
    return database.write(lambda s: add_case(s).id)


def stored_attachment(
    database: Database, store: Path, case_id: int, data: bytes, name: str
) -> tuple[AttachmentView, Path]:
    """A document added to the case by an officer, and the one file it is stored as."""
    view = database.write(
        lambda s: add_attachment(s, store, case_id, io.BytesIO(data), name, OFFICER)
    )
    (stored,) = store.iterdir()
    return view, stored


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "C:\\Windows\\system.ini",
        "..\\..\\boot.ini",
        "report\x00.pdf",
        "CON",
        "..",
    ],
)
def test_no_name_a_user_gives_reaches_outside_the_store(
    database: Database, case_id: int, tmp_path: Path, name: str
) -> None:
    area = tmp_path / "area"
    store = area / "store"
    view = database.write(
        lambda s: add_attachment(s, store, case_id, io.BytesIO(b"evidence"), name, OFFICER)
    )
    files = [p for p in area.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].parent == store
    assert files[0].name != name and "/" not in view.name and "\\" not in view.name
    assert "\x00" not in view.name
    with database.session() as session:
        path = open_attachment(session, store, view.id)
    assert path.read_bytes() == b"evidence"


@pytest.mark.parametrize("spelling", ["./{name}", "{name}/.", "{name}/../{name}", "{upper}"])
def test_a_record_naming_anothers_file_another_way_neither_opens_nor_deletes_it(
    database: Database, case_id: int, tmp_path: Path, spelling: str
) -> None:
    """A record that names another record's file in another spelling (the database's
    unique name compares the text, so it goes in beside it) does not open that file,
    and deleting the record's case does not delete it."""
    store = tmp_path / "store"
    theirs, stored = stored_attachment(database, store, case_id, b"their letter", "a.pdf")
    planted_name = spelling.format(name=stored.name, upper=stored.name.upper())

    def plant(session: sa.orm.Session) -> int:
        other = add_case(session)
        original = session.get(Attachment, theirs.id)
        assert original is not None
        session.add(
            Attachment(
                case_id=other.id,
                original_name="mine.pdf",
                stored_name=planted_name,
                content_type="application/pdf",
                size_bytes=original.size_bytes,
                sha256=original.sha256,
                uploaded_by="officer1",
            )
        )
        session.flush()
        return other.id

    other_case = database.write(plant)
    with database.session() as session:
        planted = session.scalar(sa.select(Attachment.id).where(Attachment.case_id == other_case))
        assert planted is not None
        with pytest.raises(AttachmentDamaged, match="does not name a file"):
            open_attachment(session, store, planted)
    assert retention.remove_stored_files(store, [planted_name]) == []
    assert stored.read_bytes() == b"their letter"
    with database.session() as session:
        assert open_attachment(session, store, theirs.id) == stored.resolve()


def test_a_stored_file_that_is_a_link_out_of_the_store_is_neither_opened_nor_deleted(
    database: Database, case_id: int, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    view, stored = stored_attachment(database, store, case_id, b"evidence", "a.pdf")
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(b"evidence")
    stored.unlink()
    stored.symlink_to(elsewhere)
    with database.session() as session, pytest.raises(AttachmentDamaged):
        open_attachment(session, store, view.id)
    assert retention.remove_stored_files(store, [stored.name]) == []
    assert elsewhere.read_bytes() == b"evidence" and stored.is_symlink()


def test_display_names_keep_only_the_file_name() -> None:
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\jo\\Letter to Mrs O'Neil.pdf") == "Letter to Mrs O'Neil.pdf"
    assert display_name("") == "attachment"


def test_size_limit_and_nothing_kept(database: Database, case_id: int, tmp_path: Path) -> None:
    database.write(lambda s: s.add(Setting(key="attachments.max_bytes", value="10")))
    store = tmp_path / "store"
    with pytest.raises(ValidationError, match="larger than the limit"):
        database.write(
            lambda s: add_attachment(s, store, case_id, io.BytesIO(b"x" * 11), "big.pdf", OFFICER)
        )
    assert list(store.iterdir()) == []
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_a_changed_or_missing_file_is_refused(
    database: Database, case_id: int, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    view, stored = stored_attachment(database, store, case_id, b"original", "a.txt")
    stored.write_bytes(b"altered!")
    with database.session() as session, pytest.raises(AttachmentDamaged, match="has changed"):
        open_attachment(session, store, view.id)
    stored.unlink()
    with database.session() as session, pytest.raises(AttachmentDamaged, match="missing"):
        open_attachment(session, store, view.id)


def _count(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Attachment)) or 0)


def _investigator(database: Database, case_id: int) -> Actor:
    """An investigator with an accepted appointment on the case."""

    def build(session: sa.orm.Session) -> Actor:
        person = Person(full_name="Ivy Investigator", is_investigator=True)
        session.add(person)
        session.flush()
        user = add_user(
            session,
            "ivy",
            UserRole.INVESTIGATOR,
            display_name="Ivy Investigator",
            password="a long password",
            person_id=person.id,
        )
        case = session.get(Case, case_id)
        assert case is not None and case.current_stage_id is not None
        session.add(
            Assignment(
                stage_id=case.current_stage_id,
                person_id=person.id,
                role=AssignmentRole.INVESTIGATING_OFFICER,
                status=AssignmentStatus.ACCEPTED,
                offered_on=TODAY,
            )
        )
        return Actor(user.username, UserRole.INVESTIGATOR, user.id)

    return database.write(build)


def test_an_investigator_adds_to_their_own_case_only_and_lists_nothing(
    database: Database, case_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_ATTACHMENTS", str(tmp_path / "store"))
    other_case = database.write(lambda s: add_case(s).id)
    ivy = _investigator(database, case_id)
    report = tmp_path / "IO report.pdf"
    report.write_bytes(b"%PDF-1.4 findings")
    with pytest.raises(PermissionRefused):
        run_operation(database, ivy, TODAY, ops.add_attachment, other_case, report)
    assert _count(database) == 0
    added = run_operation(database, ivy, TODAY, ops.add_attachment, case_id, report).value
    assert added.name == "IO report.pdf" and added.uploaded_by == "ivy"
    assert added.content_type == "application/pdf"
    # Seeing the case's files (the complainant's letters among them) is for staff.
    with pytest.raises(PermissionRefused):
        run_operation(database, ivy, TODAY, ops.case_attachments, case_id)
    with pytest.raises(PermissionRefused):
        run_operation(database, ivy, TODAY, ops.open_attachment, added.id)
    stranger = Actor("io9", UserRole.INVESTIGATOR)
    with pytest.raises(PermissionRefused):
        run_operation(database, stranger, TODAY, ops.add_attachment, case_id, report)
    assert _count(database) == 1
    listed = run_operation(database, OFFICER, TODAY, ops.case_attachments, case_id).value
    assert [a.name for a in listed] == ["IO report.pdf"]
    # Who added it: the name colleagues know, not the username.
    assert [(a.uploaded_by, a.uploaded_by_name) for a in listed] == [("ivy", "Ivy Investigator")]


def test_an_officer_adds_and_opens_a_copy_under_its_own_name(
    database: Database, case_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("CRM_ATTACHMENTS", str(store))
    letter = tmp_path / "letter.txt"
    letter.write_bytes(b"Dear Sir")
    first = run_operation(database, OFFICER, TODAY, ops.add_attachment, case_id, letter).value
    second = run_operation(database, OFFICER, TODAY, ops.add_attachment, case_id, letter).value
    stored = sorted(p.name for p in store.iterdir())
    assert len(stored) == 2 and stored[0] != stored[1]  # the same file, two stored copies
    assert not [name for name in stored if name.startswith(".")]  # no temporary left
    copy = run_operation(database, OFFICER, TODAY, ops.open_attachment, second.id).value
    assert copy.name == "letter.txt" and copy.read_bytes() == b"Dear Sir"
    assert copy.parent.name == str(second.id) and first.id != second.id


def test_a_file_that_cannot_be_read_is_refused_and_nothing_kept(
    database: Database, case_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_ATTACHMENTS", str(tmp_path / "store"))
    for path in (tmp_path / "gone.pdf", tmp_path):  # missing, and a folder
        with pytest.raises(FileProblem):
            run_operation(database, OFFICER, TODAY, ops.add_attachment, case_id, path)
    assert _count(database) == 0


def test_the_store_sits_beside_the_database_file(
    database: Database, sqlite_url: str, tmp_path: Path
) -> None:
    with database.session() as session:
        assert store_folder(session, sqlite_url) == tmp_path / "crm.attachments"
        (tmp_path / "crm.attachments").mkdir()
        stray = tmp_path / "crm.attachments" / "stray"
        stray.write_bytes(b"left by a failed save")
        # A file no record points at yet may be one a save is writing now: kept a day.
        assert remove_orphans(session, tmp_path / "crm.attachments") == []
        a_day_on = stray.stat().st_mtime + 24 * 60 * 60
        assert remove_orphans(session, tmp_path / "crm.attachments", now=a_day_on) == ["stray"]
        assert not stray.exists()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("report.exe", "exe"),
        ("report.pdf.exe", "exe"),
        ("Investigation report.HTA", "hta"),
        ("Report.pdf.lnk", "lnk"),
        ("report.exe. . ", "exe"),  # Windows drops the trailing dots and spaces
        ("invoice\u202efdp.exe", "exe"),  # shown right to left as "invoiceexe.pdf"
        ("setup.msi", "msi"),
        ("run.ps1", "ps1"),
        ("report.js", "js"),
        ("app.appref-ms", "appref-ms"),
    ],
)
def test_programs_and_scripts_are_not_kept(
    database: Database,
    case_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    kind: str,
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("CRM_ATTACHMENTS", str(store))
    with pytest.raises(ValidationError, match=rf"Files of type \.{kind} cannot be kept"):
        database.write(
            lambda s: add_attachment(s, store, case_id, io.BytesIO(b"MZ"), name, OFFICER)
        )
    source = tmp_path / "source"
    source.mkdir()
    path = source / name.rstrip(". ")
    path.write_bytes(b"MZ")
    with pytest.raises(ValidationError, match="Save it as a PDF or a document"):
        run_operation(database, OFFICER, TODAY, ops.add_attachment, case_id, path)
    assert _count(database) == 0
    assert not store.exists() or list(store.iterdir()) == []


def test_a_program_kept_before_they_were_refused_is_not_opened(
    database: Database,
    case_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporary_folder: Path,
) -> None:
    monkeypatch.setenv("CRM_ATTACHMENTS", str(tmp_path / "store"))
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4")
    view = run_operation(database, OFFICER, TODAY, ops.add_attachment, case_id, letter).value

    def rename(session: sa.orm.Session) -> None:  # as an older version kept it
        row = session.get(Attachment, view.id)
        assert row is not None
        row.original_name = "Investigation report.pdf.exe"

    database.write(rename)
    with pytest.raises(ValidationError, match=r"type \.exe.*not opened"):
        run_operation(database, OFFICER, TODAY, ops.open_attachment, view.id)
    assert not list(temporary_folder.rglob("*.exe"))


def _appointment(database: Database, case_id: int) -> tuple[Actor, int]:
    ivy = _investigator(database, case_id)
    with database.session() as session:
        assignment = session.scalar(sa.select(Assignment.id))
    assert assignment is not None
    return ivy, assignment


@pytest.mark.parametrize(
    "name",
    ["Investigation report.pdf.exe", "Investigation report.hta", "report.js", "report.zip"],
)
def test_an_investigators_report_must_be_a_document(
    database: Database,
    case_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    monkeypatch.setenv("CRM_ATTACHMENTS", str(tmp_path / "store"))
    ivy, assignment = _appointment(database, case_id)
    report = tmp_path / name
    report.write_bytes(b"MZ\x90\x00 pretend program")
    with pytest.raises(ValidationError, match="Save it as a PDF"):
        run_operation(database, ivy, TODAY, inv_ops.upload_report, assignment, report, TODAY)
    assert _count(database) == 0
    with database.session() as session:
        row = session.get(Assignment, assignment)
        assert row is not None and row.status == AssignmentStatus.ACCEPTED  # not received


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("IO report.pdf", "application/pdf"),
        ("IO report.docx", mimetypes.guess_type("x.docx")[0]),
        ("Scan of page 1.JPG", "image/jpeg"),
    ],
)
def test_an_investigators_report_is_kept_with_its_type(
    database: Database,
    case_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content_type: str,
) -> None:
    monkeypatch.setenv("CRM_ATTACHMENTS", str(tmp_path / "store"))
    ivy, assignment = _appointment(database, case_id)
    report = tmp_path / name
    report.write_bytes(b"the findings")
    run_operation(database, ivy, TODAY, inv_ops.upload_report, assignment, report, TODAY)
    listed = run_operation(database, OFFICER, TODAY, ops.case_attachments, case_id).value
    assert [(a.name, a.content_type) for a in listed] == [(name, content_type)]


@pytest.mark.parametrize(
    "name",
    [
        "a" * 251 + ".pdf",
        "é" * 120 + ".pdf",
        "😀" * 60 + ".pdf",
        "Letter " + "ü" * 200 + ".docx",
        "no ending " + "x" * 300,
    ],
)
def test_a_long_name_keeps_its_ending_and_opens_again(
    database: Database,
    case_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("CRM_ATTACHMENTS", str(store))
    view = database.write(
        lambda s: add_attachment(s, store, case_id, io.BytesIO(b"evidence"), name, OFFICER)
    )
    assert len(view.name.encode()) <= NAME_BYTES
    ending = Path(name).suffix if len(Path(name).suffix) < 10 else ""
    assert view.name.endswith(ending) and view.name[:3] == name[:3]
    copy = run_operation(database, OFFICER, TODAY, ops.open_attachment, view.id).value
    assert copy.name == view.name and copy.read_bytes() == b"evidence"
    assert [p.name for p in copy.parent.iterdir()] == [view.name]  # no temporary left


def test_a_long_name_kept_by_an_older_version_opens(
    database: Database, case_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_ATTACHMENTS", str(tmp_path / "store"))
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4")
    view = run_operation(database, OFFICER, TODAY, ops.add_attachment, case_id, letter).value

    def rename(session: sa.orm.Session) -> None:  # 200 characters, 400 bytes
        row = session.get(Attachment, view.id)
        assert row is not None
        row.original_name = "é" * 196 + ".pdf"

    database.write(rename)
    copy = run_operation(database, OFFICER, TODAY, ops.open_attachment, view.id).value
    assert copy.name.endswith(".pdf") and copy.read_bytes() == b"%PDF-1.4"


def test_names_windows_cannot_write_are_made_safe() -> None:
    assert display_name("report.pdf. . ") == "report.pdf"
    assert display_name("notes.txt:hidden.exe") == "notes.txt_hidden.exe"
    assert display_name('what "they" said?.pdf') == "what _they_ said_.pdf"
    assert display_name("." * 300 + ".pdf") == "attachment.pdf"  # nothing left to show
