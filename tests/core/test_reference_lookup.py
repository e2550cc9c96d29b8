"""Finding reference data by name: the index is shared while the data stays the same,
and a change made by anyone (this program or another) is seen at the next lookup."""

from __future__ import annotations

import pytest

from crm_desktop.db.database import Database, open_database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import Procedure, UserRole
from crm_desktop.errors import ValidationError
from crm_desktop.services import reference_admin as ra
from crm_desktop.services import reference_lookup as ref

MANAGER = Actor("boss", UserRole.MANAGER)


def test_the_same_data_gives_the_same_index(database: Database) -> None:
    with database.session() as session:
        first = ref.load_index(session)
        again = ref.load_index(session)
    assert again is first
    assert ref.nature_id(first, Procedure.CORPORATE, "  communication ") > 0


def test_a_change_made_elsewhere_is_seen_at_once(database: Database) -> None:
    other = open_database(database.url)  # another program on the same database
    try:
        with database.session() as session:
            before = ref.load_index(session)
        with pytest.raises(ValidationError, match="not a nature"):
            ref.nature_id(before, Procedure.CORPORATE, "Noise nuisance")
        added = other.write(
            lambda s: ra.add_nature(s, MANAGER, "corporate", "Noise nuisance"), actor="boss"
        )
        with database.session() as session:
            after = ref.load_index(session)
        assert ref.nature_id(after, Procedure.CORPORATE, "noise NUISANCE") == added.id
        other.write(
            lambda s: ra.update_nature(
                s, MANAGER, added.id, added.version, name="Noise", active=True
            ),
            actor="boss",
        )
        with database.session() as session:
            renamed = ref.load_index(session)
        assert ref.nature_id(renamed, Procedure.CORPORATE, "noise") == added.id
        with pytest.raises(ValidationError, match="not a nature"):
            ref.nature_id(renamed, Procedure.CORPORATE, "Noise nuisance")
    finally:
        other.dispose()


def test_service_areas_and_directorates_by_short_name(database: Database) -> None:
    with database.session() as session:
        index = ref.load_index(session)
    coach = ref.directorate_id(index, "COaCH")
    area = ref.service_area_id(index, Procedure.CORPORATE, "Contact Centre", coach)
    assert area in {a for matches in index.service_areas.values() for a, _ in matches}
    assert ref.directorate_id(index, "coach") == coach
