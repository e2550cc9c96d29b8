"""Finding reference data by the names officers (and import files) use.

Names match case-insensitively, ignoring surrounding spaces. One place for this, so the
case form, the workflow and the importer agree on what a name means.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import rules_cache
from crm_desktop.db.models import Directorate, Nature, ServiceArea, ServiceCategory, Team
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.formatting import normalised
from crm_desktop.errors import ValidationError


@functools.lru_cache(maxsize=8192)
def normalise(name: str) -> str:
    """A name as names are compared: spaces collapsed, case folded (each name worked out
    once: an import compares the same few names on every row)."""
    return normalised(name)


@dataclass(frozen=True)
class ReferenceIndex:
    """Every name of each kind of reference data, keyed by normalised name.

    One index may be shared by every caller that read the same reference data (see
    :func:`load_index`): read it, never change it.
    """

    directorates: dict[str, int]
    service_areas: dict[tuple[Procedure, str], list[tuple[int, int | None]]]
    teams: dict[tuple[Procedure, str], int]
    natures: dict[tuple[Procedure, str], int]
    service_categories: dict[tuple[Procedure, str], int]


def _names(kind: str, table: type[Any], *, procedure: bool = True) -> sa.Select[Any]:
    return sa.select(
        sa.literal(kind).label("kind"),
        table.id.label("id"),
        (table.procedure if procedure else sa.null()).label("procedure"),
        table.name.label("name"),
        (table.short_name if kind == "directorate" else sa.null()).label("short_name"),
        (table.directorate_id if kind == "service area" else sa.null()).label("directorate_id"),
    )


# Every name the index holds, in one statement (ordered, so the same data reads the same).
_NAMES = sa.union_all(
    _names("directorate", Directorate, procedure=False),
    _names("service area", ServiceArea),
    _names("team", Team),
    _names("nature", Nature),
    _names("service category", ServiceCategory),
).order_by("kind", "id")

# The last rows read and the index built from them: the index is built again only when
# the reference data read differs in any way (the rows are read again whenever the
# database's rules_version says the reference data changed, so a change another
# program made is seen by the next transaction: crm_desktop/db/rules_cache.py).
_last: tuple[Sequence[Any], ReferenceIndex] | None = None


def load_index(session: Session) -> ReferenceIndex:
    """The index of the reference data as ``session`` sees it now."""
    global _last
    rows = rules_cache.shared(session, ("reference names",), lambda: session.execute(_NAMES).all())
    last = _last
    if last is not None and last[0] == rows:
        return last[1]
    index = _build(rows)
    _last = (rows, index)
    return index


def _build(rows: Sequence[Any]) -> ReferenceIndex:
    directorates: dict[str, int] = {}
    areas: dict[tuple[Procedure, str], list[tuple[int, int | None]]] = {}
    teams: dict[tuple[Procedure, str], int] = {}
    natures: dict[tuple[Procedure, str], int] = {}
    categories: dict[tuple[Procedure, str], int] = {}
    by_kind = {"team": teams, "nature": natures, "service category": categories}
    for row in rows:
        if row.kind == "directorate":
            directorates[normalise(row.name)] = row.id
            if row.short_name:
                directorates.setdefault(normalise(row.short_name), row.id)
                directorates.setdefault(normalise(f"{row.name} ({row.short_name})"), row.id)
        elif row.kind == "service area":
            areas.setdefault((Procedure(row.procedure), normalise(row.name)), []).append(
                (row.id, row.directorate_id)
            )
        else:
            by_kind[row.kind][(Procedure(row.procedure), normalise(row.name))] = row.id
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
