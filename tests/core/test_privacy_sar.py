"""Subject access: a ZIP of everything held about one person, and nothing of anyone else."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from crm_desktop.db.database import Database
from crm_desktop.db.models import AuditEvent, Case
from crm_desktop.db.models_privacy import RedactionLog, SubjectAccessRequest
from crm_desktop.domain.enums import PartyRole
from crm_desktop.errors import NotFound, PermissionRefused
from crm_desktop.operations import privacy as ops
from crm_desktop.operations import run_operation
from crm_desktop.privacy.equality import EqualityAnswers, record_equality
from crm_desktop.privacy.subject_access import REDACTED, subject_access_export
from tests.core.test_privacy_support import (
    INVESTIGATOR,
    MANAGER,
    NOW,
    OFFICER,
    Someone,
    add_closed_case,
    add_person,
    attach,
    someone,
)

TODAY = dt.date(2030, 1, 15)


def _read(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _text(members: dict[str, bytes]) -> str:
    """Everything a reader of the ZIP can see, as text (the PDF's text extracted)."""
    parts = []
    for name, content in members.items():
        if name.endswith(".pdf") and name == "index.pdf":
            reader = PdfReader(io.BytesIO(content))
            parts.append("\n".join(page.extract_text() for page in reader.pages))
        else:
            parts.append(content.decode("utf-8", errors="replace"))
    return "\n".join(parts)


@dataclass(frozen=True)
class People:
    me: int
    them: int
    mine: str
    mine_id: int
    about_me: str
    elsewhere: str
    elsewhere_id: int
    subject: Someone
    third: Someone
    stranger: Someone
    store: Path


@pytest.fixture
def people(database: Database, tmp_path: Path) -> People:
    subject, third, stranger = someone("S"), someone("T"), someone("U")

    def build(session: sa.orm.Session) -> dict[str, Any]:
        me = add_person(session, subject)
        them = add_person(session, third)
        other = add_person(session, stranger)
        mine = add_closed_case(session, me, other=them)
        about_me = add_closed_case(
            session, them, other=None, received=dt.date(2018, 1, 5), closed=dt.date(2018, 2, 1)
        )
        # The subject is the person the second case is about; its complainant is a third party.
        from crm_desktop.db.models import CaseParty

        session.add(CaseParty(case_id=about_me.id, person_id=me.id, role=PartyRole.SUBJECT))
        elsewhere = add_closed_case(session, other)
        session.flush()
        return {
            "me": me.id,
            "them": them.id,
            "mine": mine.reference,
            "mine_id": mine.id,
            "about_me": about_me.reference,
            "elsewhere": elsewhere.reference,
            "elsewhere_id": elsewhere.id,
        }

    ids = database.write(build, actor="officer1")
    store = tmp_path / "store"
    attach(database, store, ids["mine_id"], b"%PDF-1.4 my letter", "my letter.pdf")
    attach(database, store, ids["elsewhere_id"], b"someone else's file", "theirs.pdf")
    database.write(
        lambda s: record_equality(
            s,
            MANAGER,
            ids["me"],
            EqualityAnswers(ethnicity="Mixed or multiple ethnic groups", disability="Disabled"),
        )
    )
    return People(**ids, subject=subject, third=third, stranger=stranger, store=store)


def test_the_export_holds_every_record_of_the_person_and_none_of_anyone_elses(
    database: Database, people: People, tmp_path: Path
) -> None:
    subject, third, stranger = people.subject, people.third, people.stranger
    out = tmp_path / "sar.zip"
    result = database.write(
        lambda s: subject_access_export(
            s,
            MANAGER,
            people.me,
            out,
            store=people.store,
            request_reference="SAR-2030-001",
            now=NOW,
        ),
        actor="manager1",
    )
    members = _read(out)
    seen = _text(members)
    assert set(result.cases) == {people.mine, people.about_me}
    # Everything of theirs: their record, both cases, the records of those cases.
    for needle in (
        *subject.identifiers,
        people.mine,
        people.about_me,
        "Mixed or multiple ethnic groups",
        "SAR-2030-001",
    ):
        assert needle in seen, needle
    for name in ("cases", "points", "stages", "correspondence", "notes", "attachments", "history"):
        assert f"data/{name}.csv" in members and f"data/{name}.json" in members
    cases = json.loads(members["data/cases.json"])
    assert {c["reference"] for c in cases} == {people.mine, people.about_me}
    assert {c["your_role"] for c in cases} == {"complainant", "subject"}
    correspondence = json.loads(members["data/correspondence.json"])
    assert len(correspondence) == 2
    assert json.loads(members["data/points.json"])[0]["outcomes"]
    assert len(json.loads(members["data/notes.json"])) >= 2 * 7
    history = json.loads(members["data/history.json"])
    assert any(h["record"] == "person" for h in history)  # their own record's history
    assert any(h["case"] == people.about_me for h in history)
    attachments = [n for n in members if n.startswith("attachments/")]
    assert len(attachments) == 1 and members[attachments[0]] == b"%PDF-1.4 my letter"
    # Nothing of anyone else's.
    assert people.elsewhere not in seen
    assert b"someone else's file" not in b"".join(members.values())
    for needle in (*third.identifiers, *stranger.identifiers):
        assert needle.lower() not in seen.lower(), needle
    assert REDACTED in seen
    # The request and each redaction are logged: who, when, why, whose; never the value.
    with database.session() as session:
        request = session.scalars(sa.select(SubjectAccessRequest)).one()
        assert request.sha256 == hashlib.sha256(out.read_bytes()).hexdigest() == result.sha256
        assert (request.person_id, request.produced_by, request.produced_at) == (
            people.me,
            "manager1",
            NOW,
        )
        redactions = session.scalars(sa.select(RedactionLog)).all()
        assert redactions and result.redactions == sum(r.occurrences for r in redactions)
        assert {r.third_party_person_id for r in redactions} >= {people.them}
        assert {r.category for r in redactions} >= {"name", "email"}
        assert all(r.redacted_by == "manager1" and r.redacted_at == NOW for r in redactions)
        assert all("Art. 15(4)" in r.reason for r in redactions)
        logged = " ".join(f"{r.entity} {r.field} {r.reason}" for r in redactions)
        assert third.name not in logged
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity == "subject_access_request")
        ).one()
        assert event.username == "manager1" and third.name not in (event.after or "")


def test_cases_that_only_name_the_person_are_listed_for_the_officer(
    database: Database, people: People, tmp_path: Path
) -> None:
    """A case about someone else whose summary names the person ("neighbour Zelda …
    has been shouting") is not one of theirs, so nothing of it is exported; but it is
    personal data about them, so the index and the result list it for the officer."""
    from crm_desktop.db.models import Case

    def name_them(session: sa.orm.Session) -> None:
        case = session.scalars(sa.select(Case).where(Case.reference == people.elsewhere)).one()
        case.summary = f"Says neighbour {people.subject.name.upper()} has been shouting"

    database.write(name_them, actor="officer1")
    out = tmp_path / "sar.zip"
    result = database.write(
        lambda s: subject_access_export(s, MANAGER, people.me, out, now=NOW),
        actor="manager1",
    )
    assert result.mentioned_in == (people.elsewhere,)
    assert people.elsewhere not in result.cases
    members = _read(out)
    assert "shouting" not in _text({k: v for k, v in members.items() if k != "index.pdf"})
    index = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(members["index.pdf"])).pages
    )
    assert people.elsewhere in " ".join(index.split())


def test_the_index_is_escaped_and_the_csv_is_safe_to_open(
    database: Database, tmp_path: Path
) -> None:
    def build(session: sa.orm.Session) -> int:
        from crm_desktop.db.models import Person

        person = Person(full_name='<img src="/etc/passwd"/> & <b>Bold', email="x@example.org")
        session.add(person)
        session.flush()
        case = add_closed_case(session, person)
        case_row = session.get(Case, case.id)
        assert case_row is not None
        case_row.summary = '=HYPERLINK("http://evil")'
        return person.id

    person_id = database.write(build)
    out = tmp_path / "out" / "escaped.zip"
    database.write(lambda s: subject_access_export(s, MANAGER, person_id, out, now=NOW))
    members = _read(out)
    text = _text({"index.pdf": members["index.pdf"]})
    assert '<img src="/etc/passwd"/> & <b>Bold' in text
    rows = list(csv.DictReader(io.StringIO(members["data/cases.csv"].decode("utf-8-sig"))))
    assert rows[0]["summary"].startswith("'=")
    assert json.loads(members["data/cases.json"])[0]["summary"].startswith("=")
    assert not list(tmp_path.glob("out/.*partial"))


def test_only_managers_may_export(database: Database, people: People, tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    for actor in (OFFICER, INVESTIGATOR):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, TODAY, ops.subject_access_export, people.me, out)
    assert not out.exists()
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SubjectAccessRequest)) == 0
    with pytest.raises(NotFound):
        run_operation(database, MANAGER, TODAY, ops.subject_access_export, 999_999, out)
    result = run_operation(
        database, MANAGER, TODAY, ops.subject_access_export, people.me, out, "SAR-1"
    ).value
    assert result.path == out and zipfile.is_zipfile(out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
