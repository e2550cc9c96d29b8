"""Default reference data from the source document, loaded into a new database once.

The defaults live in ``resources/reference_data.json``. They are loaded on first start
and recorded in the ``setting`` table, so a manager's later edits (or deletions) are
never overwritten by a restart.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import (
    Directorate,
    KpiDefinition,
    Nature,
    OutcomeCode,
    ReportBucket,
    Role,
    ServiceArea,
    ServiceCategory,
    Setting,
    StageTimescale,
    Team,
)
from crm_desktop.domain.enums import (
    KpiDirection,
    Outcome,
    Procedure,
    StageCode,
    TimescaleRule,
    TimescaleUnit,
    UserRole,
)
from crm_desktop.paths import resource_path

LOADED_KEY = "reference_data.loaded_version"


def default_reference_data() -> dict[str, Any]:
    with resource_path("reference_data.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def reference_data_loaded(session: Session) -> bool:
    """True once the defaults were loaded (a read: opening a database checks this
    before it takes the write lock to load them)."""
    return session.get(Setting, LOADED_KEY) is not None


def ensure_reference_data(session: Session) -> bool:
    """Load the defaults unless they were loaded before. Returns True when loaded now."""
    if session.get(Setting, LOADED_KEY) is not None:
        return False
    data = default_reference_data()
    load_reference_data(session, data)
    session.add(Setting(key=LOADED_KEY, value=str(data["version"])))
    session.flush()
    return True


def load_reference_data(session: Session, data: dict[str, Any]) -> None:
    for role in data["roles"]:
        session.merge(
            Role(code=UserRole(role["code"]), label=role["label"], description=role["description"])
        )
    for order, outcome in enumerate(data["outcomes"]):
        session.merge(
            OutcomeCode(
                code=Outcome(outcome["code"]),
                label=outcome["label"],
                is_upheld=outcome["is_upheld"],
                sort_order=order,
            )
        )
    for order, entry in enumerate(data["directorates"]):
        directorate = Directorate(
            name=entry["name"], short_name=entry["short_name"], sort_order=order
        )
        session.add(directorate)
        for area_order, area in enumerate(entry["service_areas"]):
            session.add(
                ServiceArea(
                    procedure=Procedure.CORPORATE,
                    directorate=directorate,
                    name=area,
                    for_complaints=True,
                    for_compliments=True,
                    sort_order=area_order,
                )
            )
    _load_social_care(session, Procedure.CHILDREN, data["children"])
    _load_social_care(session, Procedure.ADULT, data["adult"])
    for order, name in enumerate(data["corporate"]["natures"]):
        session.add(Nature(procedure=Procedure.CORPORATE, name=name, sort_order=order))
    for entry in data["timescales"]:
        session.add(
            StageTimescale(
                procedure=Procedure(entry["procedure"]),
                stage=StageCode(entry["stage"]),
                rule=TimescaleRule(entry["rule"]),
                value=entry["value"],
                unit=TimescaleUnit(entry["unit"]),
                description=entry["description"],
            )
        )
    order = 0
    for table in data["report_buckets"]:
        for label, upper in table["buckets"]:
            session.add(
                ReportBucket(
                    table_key=table["table_key"],
                    procedure=Procedure(table["procedure"]),
                    stage=StageCode(table["stage"]),
                    label=label,
                    upper_days=upper,
                    sort_order=order,
                )
            )
            order += 1
    session.flush()
    for order, kpi in enumerate(data["kpis"]):
        directorate_id = None
        if kpi.get("directorate"):
            directorate_id = session.scalar(
                sa.select(Directorate.id).where(Directorate.name == kpi["directorate"])
            )
        session.add(
            KpiDefinition(
                code=kpi["code"],
                label=kpi["label"],
                measure=kpi["measure"],
                procedure=Procedure(kpi["procedure"]),
                stage=StageCode(kpi["stage"]) if kpi["stage"] else None,
                directorate_id=directorate_id,
                threshold_days=kpi["threshold_days"],
                threshold_unit=TimescaleUnit(kpi["threshold_unit"])
                if kpi["threshold_unit"]
                else None,
                target_percent=float(kpi["target_percent"]),
                direction=KpiDirection(kpi["direction"]),
                sort_order=order,
            )
        )
    session.flush()


def _load_social_care(session: Session, procedure: Procedure, data: dict[str, Any]) -> None:
    """Service areas (complaints and compliments lists), teams, natures, categories."""
    areas: dict[str, ServiceArea] = {}
    complaint_areas: list[str] = list(data.get("service_areas", [])) or list(data["teams"])
    for order, name in enumerate(complaint_areas):
        areas[name] = ServiceArea(procedure=procedure, name=name, sort_order=order)
    for order, name in enumerate(data["compliment_service_areas"]):
        area = areas.get(name)
        if area is None:
            area = ServiceArea(
                procedure=procedure, name=name, for_complaints=False, sort_order=100 + order
            )
            areas[name] = area
        area.for_compliments = True
    session.add_all(areas.values())
    session.flush()
    for order, name in enumerate(data.get("teams", [])):
        session.add(
            Team(procedure=procedure, name=name, service_area_id=areas[name].id, sort_order=order)
        )
    for order, name in enumerate(data["natures"]):
        session.add(Nature(procedure=procedure, name=name, sort_order=order))
    for order, name in enumerate(data.get("service_categories", [])):
        session.add(ServiceCategory(procedure=procedure, name=name, sort_order=order))
