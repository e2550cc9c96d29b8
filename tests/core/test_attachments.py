"""Attachments: generated names inside the store, size limit, hash checked on opening."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Attachment, Setting
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import ValidationError
from crm_desktop.services.access import AccessRefused
from crm_desktop.services.attachments import (
    AttachmentDamaged,
    add_attachment,
    display_name,
    list_attachments,
    open_attachment,
    remove_orphans,
    store_folder,
)
from tests.factories import add_case

OFFICER = Actor("officer1", UserRole.OFFICER)


@pytest.fixture
def case_id(database: Database) -> int:
    return database.write(lambda s: add_case(s).id)


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
        path = open_attachment(session, store, view.id, OFFICER)
    assert path.read_bytes() == b"evidence"


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
    view = database.write(
        lambda s: add_attachment(s, store, case_id, io.BytesIO(b"original"), "a.txt", OFFICER)
    )
    stored = next(store.iterdir())
    stored.write_bytes(b"altered!")
    with database.session() as session, pytest.raises(AttachmentDamaged, match="has changed"):
        open_attachment(session, store, view.id, OFFICER)
    stored.unlink()
    with database.session() as session, pytest.raises(AttachmentDamaged, match="missing"):
        open_attachment(session, store, view.id, OFFICER)


def test_investigators_only_see_their_cases_attachments(
    database: Database, case_id: int, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    database.write(lambda s: add_attachment(s, store, case_id, io.BytesIO(b"x"), "a.txt", OFFICER))
    stranger = Actor("io9", UserRole.INVESTIGATOR)
    with database.session() as session, pytest.raises(AccessRefused):
        list_attachments(session, case_id, stranger)


def test_the_store_sits_beside_the_database_file(
    database: Database, sqlite_url: str, tmp_path: Path
) -> None:
    with database.session() as session:
        assert store_folder(session, sqlite_url) == tmp_path / "crm.attachments"
        (tmp_path / "crm.attachments").mkdir()
        (tmp_path / "crm.attachments" / "stray").write_bytes(b"left by a failed save")
        assert remove_orphans(session, tmp_path / "crm.attachments") == ["stray"]
