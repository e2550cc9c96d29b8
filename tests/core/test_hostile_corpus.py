"""The hostile import corpus (tests/data/hostile/build_corpus.py): each file gives its
error on the command line, exit status 2, and leaves the database as it was (every
table's row count and the head of the audit trail compared before and after)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from crm_desktop.cli import main
from crm_desktop.db.base import Base
from crm_desktop.db.database import Database
from crm_desktop.db.models import AuditEvent

BUILDER = Path(__file__).resolve().parents[1] / "data" / "hostile" / "build_corpus.py"


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_corpus", BUILDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_corpus"] = module
    spec.loader.exec_module(module)
    return module


CORPUS = _builder().CORPUS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    _builder().build(folder)
    return folder


def _state(database: Database) -> tuple[dict[str, int], Any]:
    with database.session() as session:
        counts = {
            table.name: int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }
        head = session.execute(
            sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ).first()
    return counts, tuple(head) if head else None


def test_the_corpus_names_every_kind_the_issue_lists() -> None:
    names = {entry.name for entry in CORPUS}
    for needed in (
        "unclosed-quote-row3.csv",
        "stale-dimension.xlsx",
        "zip-bomb.xlsx",
        "payment-overflow.csv",
        "payment-above-int4.csv",
    ):
        assert needed in names


@pytest.mark.parametrize("entry", CORPUS, ids=[entry.name for entry in CORPUS])
def test_each_hostile_file_gives_its_error_and_leaves_the_database_as_it_was(
    database: Database, corpus: Path, capsys: pytest.CaptureFixture[str], entry: Any
) -> None:
    url = str(database.engine.url)
    before = _state(database)
    for dry_run in ((), ("--dry-run",)):
        code = main(["--database", url, "import", "cases", str(corpus / entry.name), *dry_run])
        out, err = capsys.readouterr()
        assert code == 2, err
        assert entry.expect in err, err[:2000]
        assert "Traceback" not in err and out == ""
        lines = err.splitlines()
        if entry.kind == "file":
            assert len(lines) == 1, err[:2000]
        else:
            assert lines[-1].startswith("Nothing was imported")
            assert len(lines) <= 52
        assert _state(database) == before
