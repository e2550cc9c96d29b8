"""What each complaint is about (its points and their natures), the outcome of each point
at each closed stage, and the adult service categories a complaint counts under."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crm_desktop.domain.enums import Outcome, Procedure
from crm_desktop.services.demo import data
from crm_desktop.services.demo.cases import Cases
from crm_desktop.services.demo.draws import I64, NONE, Draws, weights
from crm_desktop.services.demo.lifecycle import LGSCO_CODE, STATUS_CLOSED, Stages
from crm_desktop.services.demo.reference import Reference


@dataclass
class Points:
    case: I64  # per point: its case
    seq: I64
    nature: I64  # nature id, or NONE
    phrase: I64  # index into data.POINT_PHRASES
    pair_stage: I64  # per point outcome: the stage (position in generation order)
    pair_point: I64  # ... the point (index into the arrays above)
    pair_outcome: I64  # ... the outcome (index into data.OUTCOMES)
    category_case: I64  # per adult service category row: the case
    category_id: I64  # ... the category id


def make_points(draws: Draws, ref: Reference, cases: Cases, stages: Stages) -> Points:
    rng = draws.rng
    complaints = np.flatnonzero(cases.complaint).astype(np.int64)
    procedure = cases.procedure[complaints]
    count = np.zeros(len(complaints), dtype=np.int64)
    for p, procedure_value in enumerate(data.PROCEDURES):
        mask = procedure == p
        count[mask] = 1 + draws.choice(int(mask.sum()), data.POINTS_PER_COMPLAINT[procedure_value])
    point_case = np.repeat(complaints, count)
    starts = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    seq = np.arange(len(point_case), dtype=np.int64) - np.repeat(starts, count) + 1
    nature = np.full(len(point_case), NONE, dtype=np.int64)
    point_procedure = cases.procedure[point_case]
    for p, procedure_value in enumerate(data.PROCEDURES):
        mask = point_procedure == p
        natures = ref.natures[procedure_value]
        if not natures or not mask.any():
            continue
        known = data.NATURE_WEIGHTS[procedure_value]
        picks = draws.choice(int(mask.sum()), weights([x[1] for x in natures], known))
        draws.cover(picks, len(natures), np.ones(len(picks), dtype=np.bool_))
        nature[mask] = np.asarray([x[0] for x in natures], dtype=np.int64)[picks]
    phrase = rng.integers(0, len(data.POINT_PHRASES), len(point_case))
    first_point = np.full(cases.n, NONE, dtype=np.int64)
    first_point[complaints] = starts
    points_of = np.zeros(cases.n, dtype=np.int64)
    points_of[complaints] = count

    # Outcomes per point for every closed stage except the Ombudsman's. A partly upheld
    # stage with several points has at least one point upheld and one not.
    st = stages.st
    closed = np.flatnonzero((st["status"] == STATUS_CLOSED) & (st["code"] != LGSCO_CODE))
    per_stage = points_of[st["case"][closed]]
    pair_stage = np.repeat(closed, per_stage)
    pair_first = np.repeat(first_point[st["case"][closed]], per_stage)
    pair_starts = np.concatenate([[0], np.cumsum(per_stage)[:-1]]).astype(np.int64)
    within = np.arange(len(pair_stage), dtype=np.int64) - np.repeat(pair_starts, per_stage)
    pair_point = pair_first + within
    stage_outcome = st["outcome"][pair_stage]
    pair_outcome = stage_outcome.copy()
    partial = data.OUTCOMES.index(Outcome.PARTIALLY_UPHELD)
    upheld = data.OUTCOMES.index(Outcome.UPHELD)
    not_upheld = data.OUTCOMES.index(Outcome.NOT_UPHELD)
    several = np.repeat(per_stage, per_stage) > 1
    mixed = (stage_outcome == partial) & several
    flip = np.repeat(rng.random(len(closed)) < 0.5, per_stage)
    first_two = np.where(
        flip,
        np.where(within == 0, not_upheld, upheld),
        np.where(within == 0, upheld, not_upheld),
    )
    others = draws.choice(len(pair_stage), data.MIXED_POINT_OUTCOME_WEIGHTS)
    pair_outcome = np.where(mixed & (within < 2), first_two, pair_outcome)
    pair_outcome = np.where(mixed & (within >= 2), others, pair_outcome)

    # Adult complaints count under one or two service categories.
    adult = complaints[procedure == data.PROCEDURES.index(Procedure.ADULT)]
    if ref.categories and len(adult):
        shares = weights([c[1] for c in ref.categories], data.ADULT_CATEGORY_WEIGHTS)
        first = draws.choice(len(adult), shares)
        second = draws.choice(len(adult), shares)
        two = (rng.random(len(adult)) < data.TWO_CATEGORIES) & (second != first)
        ids = np.asarray([c[0] for c in ref.categories], dtype=np.int64)
        category_case = np.concatenate([adult, adult[two]])
        category_id = np.concatenate([ids[first], ids[second[two]]])
    else:
        category_case = np.zeros(0, dtype=np.int64)
        category_id = np.zeros(0, dtype=np.int64)
    return Points(
        case=point_case,
        seq=seq,
        nature=nature,
        phrase=phrase,
        pair_stage=pair_stage,
        pair_point=pair_point,
        pair_outcome=pair_outcome,
        category_case=category_case,
        category_id=category_id,
    )
