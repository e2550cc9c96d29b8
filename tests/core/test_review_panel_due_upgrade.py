"""Upgrading to migration 0034: a children's Stage 3 imported before it gets the day its
review panel was due to meet, from the due date its history first records, whatever
the stage's due date has moved on to since; the trail stays whole."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.cli import main
from crm_desktop.db import migrate
from crm_desktop.db.database import open_database
from crm_desktop.services.maintenance import verify_audit_trail

ROWS = [
    ("P-1", "1", "2024-10-01", "2024-10-08"),
    ("P-1", "2", "2024-10-21", "2024-12-02"),
    # Asked for on Mon 6 Jan 2025: the panel to meet within 30 working days, by Mon 17
    # Feb (SI 2006/1738 reg. 19).
    ("P-1", "3", "2025-01-06", ""),
    ("P-2", "1", "2024-10-01", "2024-10-08"),
    ("P-2", "2", "2024-10-21", "2024-12-02"),
    # Asked for on Wed 8 Jan 2025: the panel by Wed 19 Feb.
    ("P-2", "3", "2025-01-08", ""),
]


def _import(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "panels.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "reference",
                "kind",
                "procedure",
                "received",
                "service_area",
                "stage",
                "stage_started",
                "stage_closed",
                "outcome",
            ]
        )
        for reference, stage, started, closed in ROWS:
            outcome = "not upheld" if closed else ""
            case = (reference, "complaint", "children", "2024-10-01", "Through Care")
            writer.writerow([*case, stage, started, closed, outcome])
    assert main(["--database", url, "import", "cases", str(path)]) == 0, capsys.readouterr()
    capsys.readouterr()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_an_imported_review_panel_gets_the_day_it_was_due(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url: str = request.getfixturevalue(f"migrated_{kind}_url")
    _import(url, tmp_path, capsys)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            # As an earlier version left them: no panel date; P-2's panel has since met
            # (on Fri 14 Feb) and its due date moved on to the report, as the program
            # moves it and records it.
            connection.exec_driver_sql("UPDATE stage SET panel_due_on = NULL")
            p2 = connection.exec_driver_sql(
                "SELECT s.id FROM stage s JOIN representation r ON r.id = s.case_id "
                "WHERE r.reference = 'P-2' AND s.stage = '3'"
            ).scalar_one()
            connection.execute(
                sa.text(
                    "UPDATE stage SET panel_on = :panel, due_on = :due, "
                    "panel_report_due_on = :due WHERE id = :id"
                ),
                {"panel": dt.date(2025, 2, 14), "due": dt.date(2025, 2, 21), "id": p2},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO due_date_change (stage_id, field, cause, before, after, "
                    "reason, changed_by, changed_at) VALUES (:id, 'due', 'panel', :before, "
                    ":after, 'The panel met', 'officer', CURRENT_TIMESTAMP)"
                ),
                {"id": p2, "before": dt.date(2025, 2, 19), "after": dt.date(2025, 2, 21)},
            )
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0033'")
        migrate.upgrade(engine)
        with engine.connect() as connection:
            found = dict(
                connection.execute(
                    sa.text(
                        "SELECT r.reference, s.panel_due_on FROM stage s JOIN representation r "
                        "ON r.id = s.case_id WHERE s.stage = '3' ORDER BY r.reference"
                    )
                ).all()
            )
            earlier = connection.exec_driver_sql(
                "SELECT count(*) FROM stage WHERE stage <> '3' AND panel_due_on IS NOT NULL"
            ).scalar_one()
            # Each change is in the trail (on PostgreSQL the database records it).
            recorded = connection.execute(
                sa.text(
                    "SELECT count(*) FROM audit_event WHERE entity = 'stage' "
                    "AND action = 'update' AND \"after\" LIKE :panel"
                ),
                {"panel": '%panel_due_on": "2025-%'},
            ).scalar_one()
    finally:
        engine.dispose()
    assert {ref: dt.date.fromisoformat(str(day)) for ref, day in found.items()} == {
        "P-1": dt.date(2025, 2, 17),
        "P-2": dt.date(2025, 2, 19),
    }
    assert (earlier, recorded) == (0, 2)
    database = open_database(url)
    try:
        assert not verify_audit_trail(database).problems
    finally:
        database.dispose()
