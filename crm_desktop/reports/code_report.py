"""The Complaint Handling Code's annual complaints performance and service improvement
report (Code 8.1 and 8.2), for a financial year the Code covers, as a report object the
PDF, the workbook and the web page all render.

Its sections, as 8.1 lists them: the complaint handling performance (acknowledgements
and responses in time per stage, extensions and their reasons, average working days),
the complaints refused and why, the learning and service improvements (the action items
completed in the year), the findings of non-compliance with the Code recorded from the
Ombudsman's decisions, the Ombudsman's annual letter, the self-assessment against the
Code, and the governing body's response (8.2).

Corporate complaints only: the statutory children's and adult procedures are not
covered by the Code. A year that holds cases of two corporate procedures (those
received before 1 April 2026 under the council's 2023 procedure) reports each
procedure's cases against its own rules, apart, and says so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import chain_head, describe_head
from crm_desktop.db.models import ActionItem, Case, Setting
from crm_desktop.domain.code_provisions import Complies
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import ValidationError
from crm_desktop.reports import code_figures as cf
from crm_desktop.reports.code_inputs import LETTER_FIGURES, load_code_year
from crm_desktop.reports.figures import COUNCIL_NAME_KEY
from crm_desktop.reports.model import AnnualReport, Cell, Format, Section, Table
from crm_desktop.reports.self_assessment import load_self_assessment
from crm_desktop.services.code_findings import findings
from crm_desktop.services.personal_data import for_publication

__all__ = ["FIRST_CODE_YEAR", "check_code_year", "code_report"]

FIRST_CODE_YEAR = cf.CODE_STARTS.year  # 2026/27, the first year of cases under the Code

ABOUT = (
    "This report covers corporate complaints: the statutory children's and adult social "
    "care procedures are not covered by the Complaint Handling Code and are reported in "
    "the annual report. Each complaint is measured against the corporate procedure in "
    "force on the day it was received, for its whole life.\n\n"
    "An acknowledgement is counted in the year it was due: in time when it was made by "
    "then, late when it was made later or has not been made. A response is counted in "
    "the year it was sent; the working days it took leave out any days its clock was "
    "suspended. Under the Code the response clock starts at the acknowledgement, or, "
    "until there is one, at the last day the acknowledgement was allowed. Stages that "
    "ended without a response (withdrawn, or redirected: not accepted) are not counted "
    "as responses; redirected ones are the complaints refused."
)


def check_code_year(year: int) -> FinancialYear:
    if year < FIRST_CODE_YEAR:
        raise ValidationError(
            "The Complaint Handling Code applies to corporate complaints received from "
            f"{format_date(cf.CODE_STARTS)}: choose {FinancialYear(FIRST_CODE_YEAR).label} "
            "or a later year.",
            "year",
        )
    return FinancialYear(year)


def _day(day: dt.date | None) -> str:
    return format_date(day) if day is not None else ""


def _t(text: str) -> Cell:
    return Cell(text, Format.TEXT)


def _share(part: int, whole: int) -> Cell:
    return Cell(100.0 * part / whole if whole else None, Format.PERCENT)


def _late_responses(m: cf.StageMeasures) -> str:
    """Which responses came after the stage's working days: late, or within an extension
    made under 6.4 (later than the working days, but in the time the complainant was
    told)."""
    extended = m.late_within_extension
    if not extended:
        return f"Stage {m.stage} responded late: {', '.join(m.responded_late)}."
    after = f"; late: {', '.join(m.after_extension)}" if m.after_extension else ""
    return (
        f"Stage {m.stage} responded after {m.limit} working days: "
        f"{', '.join(m.responded_late)} (within an extension: {', '.join(extended)}{after})."
    )


def _performance_table(
    rules: cf.ProcedureRules,
    figures: dict[str, cf.StageMeasures | None],
    received: tuple[int, int],
) -> Table:
    s1, s2 = figures.get("1"), figures.get("2")
    both = (s1, s2)

    def counts(get: str) -> tuple[Cell, Cell]:
        return tuple(Cell(getattr(m, get) if m else None) for m in both)  # type: ignore[return-value]

    def shares(part: str, whole: str) -> tuple[Cell, Cell]:
        return tuple(  # type: ignore[return-value]
            _share(getattr(m, part), getattr(m, whole)) if m else Cell(None, Format.PERCENT)
            for m in both
        )

    def days(get: str) -> tuple[Cell, Cell]:
        return tuple(Cell(getattr(m, get) if m else None, Format.DAYS) for m in both)  # type: ignore[return-value]

    limits = f"{rules.stages['1'].respond} / {rules.stages['2'].respond}"
    rows: list[tuple[Cell, ...]] = [
        (_t("Complaints received (Stage 2: escalation requests)"), *map(Cell, received)),
    ]
    if rules.stages["1"].acknowledge is not None:
        rows += [
            (_t("Acknowledgements due"), *counts("acknowledgements_due")),
            (
                _t(f"Acknowledged within {rules.stages['1'].acknowledge} working days"),
                *counts("acknowledged_in_time"),
            ),
            (
                _t("Acknowledged in time (share)"),
                *shares("acknowledged_in_time", "acknowledgements_due"),
            ),
            (_t("Average working days to acknowledge"), *days("average_days_to_acknowledge")),
        ]
    start = "of the acknowledgement" if rules.stages["1"].from_acknowledgement else "of the start"
    rows += [
        (_t("Responses sent"), *counts("responses")),
        (_t(f"Responded within {limits} working days {start}"), *counts("responded_in_time")),
        (_t("Responded in time (share)"), *shares("responded_in_time", "responses")),
        (_t("Responded within the time as extended"), *counts("within_extension")),
        (
            _t("Responded within the time as extended (share)"),
            *shares("within_extension", "responses"),
        ),
        (_t("Responses extended"), *counts("extended")),
    ]
    if rules.stages["1"].extension is not None and rules.stages["2"].extension is not None:
        limit = f"{rules.stages['1'].extension} / {rules.stages['2'].extension}"
        rows.append(
            (
                _t(f"Extended by more than {limit} working days"),
                *(Cell(len(m.extended_beyond_limit) if m else None) for m in both),
            )
        )
    rows.append((_t("Average working days to respond"), *days("average_days_to_respond")))
    late = [
        f"Stage {m.stage} acknowledged late: {', '.join(m.acknowledged_late)}."
        for m in both
        if m and m.acknowledged_late
    ] + [_late_responses(m) for m in both if m and m.responded_late]
    return Table(
        key=f"code_performance_{rules.key}",
        title=f"{rules.name} ({rules.cases_described})",
        columns=("Measure", "Stage 1", "Stage 2"),
        rows=tuple(rows),
        has_total=False,
        notes=(
            f"Measured against {rules.name}: respond within {limits} working days (Stage 1 / "
            f"Stage 2) {start}.",
            *late,
        ),
    )


def _performance(session: Session, year: int, as_of: dt.date) -> tuple[Section, list[Table]]:
    fy = FinancialYear(year)
    facts = cf.stage_facts(session, fy.start, fy.end)
    tables: list[Table] = []
    reasons: list[Table] = []
    used = []
    for rules in cf.corporate_procedures(session):
        figures = {s: cf.measure(facts, year, rules.key, s, as_of) for s in ("1", "2")}
        received = tuple(
            sum(
                1
                for f in facts
                if f.procedure == rules.key and f.stage == s and fy.start <= f.asked_on <= fy.end
            )
            for s in ("1", "2")
        )
        assert len(received) == 2
        if not any(received) and not any(figures.values()):
            continue
        used.append(rules)
        tables.append(_performance_table(rules, figures, (received[0], received[1])))
        rows = tuple(
            (_t(reason), _t(f"Stage {stage}"), Cell(count), Cell(days))
            for reason, stage, count, days in cf.extension_reasons(session, facts, year, rules.key)
        )
        reasons.append(
            Table(
                key=f"code_extensions_{rules.key}",
                title=f"Extensions and their reasons: {rules.name}",
                columns=("Reason given", "Stage", "Extensions", "Working days"),
                rows=rows,
                has_total=False,
                notes=("The extensions of the responses sent in the year.",),
            )
        )
    if len(used) > 1:
        commentary = (
            f"{fy.label} holds corporate complaints of more than one procedure: "
            + "; ".join(f"{r.name} ({r.cases_described})" for r in used)
            + ". Each complaint is measured against the rules of the procedure it was "
            "received under; the procedures are reported apart, never added together."
        )
    elif used:
        commentary = f"Every complaint here is measured against {used[0].name}."
    else:
        commentary = "No corporate complaint was received, acknowledged or answered in the year."
    return Section(
        "code_performance", "Complaint handling performance", tuple(tables), commentary
    ), reasons


def _refused(session: Session, year: int) -> Section:
    refusals = cf.refusals(session, year)
    counts = Counter(reason for _, _, _, reason in refusals)
    rows = [
        (_t(reason), Cell(n)) for reason, n in sorted(counts.items(), key=lambda r: (-r[1], r[0]))
    ]
    if rows:
        rows.append((_t("Total"), Cell(len(refusals))))
    detail = tuple(
        (_t(reference), _t(f"Stage {stage}"), _t(format_date(on)), _t(reason))
        for reference, stage, on, reason in refusals
    )
    return Section(
        "code_refused",
        "Complaints refused",
        (
            Table(
                "code_refused_reasons",
                "Complaints refused (redirected), by the reason given",
                ("Reason given", "Complaints"),
                tuple(rows),
                has_total=bool(rows),
            ),
            Table(
                "code_refused_cases",
                "Complaints refused (redirected)",
                ("Case", "Stage", "On", "Reason given"),
                detail,
                has_total=False,
            ),
        ),
        "Complaints the council did not accept into its procedure (recorded as redirected), "
        "with the reason recorded when the complaint was redirected. The annual report's "
        '"not accepted" rows count another record: representations marked on the case as '
        "not accepted as a complaint (too late, not someone who may complain, and so on).",
    )


def _learning(session: Session, year: int) -> Section:
    fy = FinancialYear(year)
    found = session.execute(
        sa.select(
            Case.id,
            Case.reference,
            ActionItem.action,
            ActionItem.owner,
            ActionItem.done_on,
            ActionItem.evidence,
        )
        .join(Case, Case.id == ActionItem.case_id)
        .where(
            Case.procedure == Procedure.CORPORATE,
            ActionItem.done_on.between(fy.start, fy.end),
        )
        .order_by(ActionItem.done_on, ActionItem.id)
    ).all()
    # The report is published: the cases' people are not named in it.
    texts = for_publication(session, [(r[0], (r[2], r[5])) for r in found])
    rows = [
        (ref, action, owner, done, evidence)
        for (_id, ref, _a, owner, done, _e), (action, evidence) in zip(found, texts, strict=True)
    ]
    table = Table(
        "code_improvements",
        "Service improvements made from complaints",
        ("Case", "Improvement", "Owner", "Done on", "Evidence"),
        tuple(
            (_t(ref), _t(action), _t(owner or ""), _t(_day(done)), _t(evidence or ""))
            for ref, action, owner, done, evidence in rows
        ),
        has_total=False,
        notes=("The action-plan items of corporate complaints completed in the year.",),
    )
    return Section(
        "code_learning",
        "Learning and service improvements",
        (table,),
        f"{len(rows)} improvement{'s' if len(rows) != 1 else ''} from the learning of complaints "
        "were completed in the year.",
    )


def _findings(session: Session, year: int) -> Section:
    fy = FinancialYear(year)
    rows = findings(session, fy.start, fy.end)
    table = Table(
        "code_findings",
        "Findings of non-compliance with the Code",
        ("Case", "Ombudsman reference", "Decision", "Decided on", "Finding"),
        tuple(
            (
                _t(f.reference),
                _t(f.lgsco_reference),
                _t(f.decision),
                _t(format_date(f.decided_on)),
                _t(f.finding),
            )
            for f in rows
        ),
        has_total=False,
    )
    text = (
        f"The Ombudsman found the council did not comply with the Code in {len(rows)} "
        f"decision{'s' if len(rows) != 1 else ''} made in the year."
        if rows
        else "The Ombudsman made no finding of non-compliance with the Code in the year."
    )
    return Section("code_findings", "Findings of non-compliance with the Code", (table,), text)


def _letter(session: Session, year: int) -> Section:
    inputs = load_code_year(session, year)
    rows = []
    for name, label, kind in LETTER_FIGURES:
        value = getattr(inputs, name)
        rows.append((_t(label), Cell(value, Format.PERCENT if kind == "percent" else Format.COUNT)))
    parts = []
    if inputs.letter_received_on is not None:
        parts.append(
            "The Ombudsman's annual letter was received on "
            f"{format_date(inputs.letter_received_on)}."
        )
    parts.append(
        inputs.letter_text.strip()
        or "The text of the Ombudsman's annual letter has not been added yet."
    )
    # 8.1 asks for "any other relevant reports or publications produced by the Ombudsman
    # in relation to the work of the organisation": said either way.
    parts.append(
        "Other reports of the Ombudsman about the council:\n" + inputs.other_reports.strip()
        if inputs.other_reports.strip()
        else "No other report or publication of the Ombudsman about the council has been "
        "added for this year."
    )
    table = Table(
        "code_letter",
        "The annual letter's figures",
        ("Figure", "Value"),
        tuple(rows),
        has_total=False,
        notes=("As the Ombudsman's letter gives them; a dash where none was entered.",),
    )
    return Section("code_letter", "The Ombudsman's annual letter", (table,), "\n\n".join(parts))


def _self_assessment(session: Session, year: int, as_of: dt.date) -> Section:
    assessment = load_self_assessment(session, year, as_of)
    rows = []
    for row in assessment.rows:
        a = row.answer
        complies = Complies(a.complies).label if a.complies else "Not answered"
        if a.complies and not row.saved:
            complies += " (suggested from the figures)"
        evidence = a.evidence
        if row.measured is not None and row.measured.text not in evidence:
            evidence = (evidence + "\n" if evidence else "") + "Measured: " + row.measured.text
        action = a.action + (f" (owner: {a.owner})" if a.owner else "")
        rows.append(
            (
                _t(row.provision.label),
                _t(row.provision.asks),
                _t(complies),
                _t(evidence),
                _t("\n".join(x for x in (a.explanation, action.strip()) if x)),
            )
        )
    counts = Counter(r.answer.complies for r in assessment.rows if r.saved)
    summary = (
        f"The council has answered {assessment.answered} of the {len(assessment.rows)} "
        f"provisions on the checklist for {FinancialYear(year).label}: "
        f"{counts.get('yes', 0)} complied with, {counts.get('partly', 0)} in part, "
        f"{counts.get('no', 0)} not."
    )
    if assessment.change_note:
        summary += "\n\n" + assessment.change_note
    return Section(
        "code_self_assessment",
        "Self-assessment against the Code",
        (
            Table(
                "code_self_assessment",
                "Self-assessment against the Complaint Handling Code",
                (
                    "Provision",
                    "What it asks",
                    "Complies",
                    "Evidence",
                    "Explanation, action and owner",
                ),
                tuple(rows),
                has_total=False,
            ),
        ),
        summary,
    )


def _response(session: Session, year: int) -> Section:
    inputs = load_code_year(session, year)
    body = inputs.governing_body.strip() or "the governing body"
    text = inputs.governing_body_response.strip() or (
        f"The response of {body} to this report will be published alongside it."
    )
    title = (
        f"The response of {inputs.governing_body.strip()}"
        if inputs.governing_body.strip()
        else ("The governing body's response")
    )
    return Section("code_response", title, (), text)


def code_report(
    session: Session, year: int, now: dt.datetime | None = None, as_of: dt.date | None = None
) -> AnnualReport:
    """The Code's annual report for the financial year starting in ``year``."""
    check_code_year(year)
    moment = now or dt.datetime.now()
    today = as_of or moment.date()
    performance, reasons = _performance(session, year, today)
    sections = (
        performance,
        Section(
            "code_extensions",
            "Extensions and their reasons",
            tuple(reasons),
            "An extension of no more than 10 working days at Stage 1 (20 at Stage 2) without "
            "good reason, explained to the complainant (Code 6.4).",
        ),
        _refused(session, year),
        _learning(session, year),
        _findings(session, year),
        _letter(session, year),
        _self_assessment(session, year, today),
        _response(session, year),
    )
    council = session.get(Setting, COUNCIL_NAME_KEY)
    return AnnualReport(
        year=year,
        procedures=(Procedure.CORPORATE.value,),
        generated_at=moment,
        council_name=council.value if council else "",
        sections=sections,
        notes=(f"Made from {describe_head(chain_head(session))}.",),
        kind="code",
        about_text=ABOUT,
    )
