"""Finding reference data by the names officers (and import files) use.

Names match case-insensitively, ignoring surrounding spaces. One place for this, so the
case form, the workflow and the importer agree on what a name means.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Directorate, Nature, ServiceArea, ServiceCategory, Team
from crm_desktop.domain.enums import Procedure
from crm_desktop.errors import ValidationError


def normalise(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class ReferenceIndex:
    """Every active name of one kind of reference data, keyed by normalised name."""

    directorates: dict[str, int]
    service_areas: dict[tuple[Procedure, str], list[tuple[int, int | None]]]
    teams: dict[tuple[Procedure, str], int]
    natures: dict[tuple[Procedure, str], int]
    service_categories: dict[tuple[Procedure, str], int]


def load_index(session: Session) -> ReferenceIndex:
    directorates: dict[str, int] = {}
    for row in session.execute(sa.select(Directorate.id, Directorate.name, Directorate.short_name)):
        directorates[normalise(row.name)] = row.id
        if row.short_name:
            directorates.setdefault(normalise(row.short_name), row.id)
            directorates.setdefault(normalise(f"{row.name} ({row.short_name})"), row.id)
    areas: dict[tuple[Procedure, str], list[tuple[int, int | None]]] = {}
    for area in session.execute(
        sa.select(
            ServiceArea.id, ServiceArea.procedure, ServiceArea.name, ServiceArea.directorate_id
        )
    ):
        areas.setdefault((Procedure(area.procedure), normalise(area.name)), []).append(
            (area.id, area.directorate_id)
        )
    teams = {
        (Procedure(t.procedure), normalise(t.name)): t.id
        for t in session.execute(sa.select(Team.id, Team.procedure, Team.name))
    }
    natures = {
        (Procedure(n.procedure), normalise(n.name)): n.id
        for n in session.execute(sa.select(Nature.id, Nature.procedure, Nature.name))
    }
    categories = {
        (Procedure(c.procedure), normalise(c.name)): c.id
        for c in session.execute(
            sa.select(ServiceCategory.id, ServiceCategory.procedure, ServiceCategory.name)
        )
    }
    return ReferenceIndex(directorates, areas, teams, natures, categories)


def directorate_id(index: ReferenceIndex, name: str) -> int:
    found = index.directorates.get(normalise(name))
    if found is None:
        raise ValidationError(f"There is no directorate called '{name.strip()}'.", "directorate")
    return found


def service_area_id(
    index: ReferenceIndex, procedure: Procedure, name: str, directorate: int | None = None
) -> int:
    matches = index.service_areas.get((procedure, normalise(name)), [])
    if directorate is not None:
        within = [m for m in matches if m[1] == directorate]
        if not within and matches:
            raise ValidationError(
                f"The service area '{name.strip()}' is not part of that directorate.",
                "service_area",
            )
        matches = within
    if not matches:
        raise ValidationError(
            f"There is no {procedure.label.lower()} service area called '{name.strip()}'.",
            "service_area",
        )
    if len(matches) > 1:
        raise ValidationError(
            f"More than one directorate has a service area called '{name.strip()}': "
            "choose the directorate too.",
            "service_area",
        )
    return matches[0][0]


def team_id(index: ReferenceIndex, procedure: Procedure, name: str) -> int:
    found = index.teams.get((procedure, normalise(name)))
    if found is None:
        raise ValidationError(
            f"There is no {procedure.label.lower()} team called '{name.strip()}'.", "team"
        )
    return found


def nature_id(index: ReferenceIndex, procedure: Procedure, name: str) -> int:
    found = index.natures.get((procedure, normalise(name)))
    if found is None:
        raise ValidationError(
            f"'{name.strip()}' is not a nature of complaint for {procedure.label.lower()}.",
            "natures",
        )
    return found


def service_category_id(index: ReferenceIndex, procedure: Procedure, name: str) -> int:
    found = index.service_categories.get((procedure, normalise(name)))
    if found is None:
        raise ValidationError(
            f"'{name.strip()}' is not a service category for {procedure.label.lower()}.",
            "service_categories",
        )
    return found
