"""The dashboard: today's open work, this year's intake as charts, and this year's KPIs.

The counts are quick SQL (``reports.dashboard``); the KPIs are the annual report's KPI
table for the current financial year, which takes longer on a big database, so they load
on their own with progress and a Cancel button while the rest of the page is usable.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.operations import deadlines
from crm_desktop.operations.core import Change
from crm_desktop.operations.policy import Permission
from crm_desktop.reports.dashboard import DUE_SOON_WITHIN, DashboardFigures, KpiFigure, KpiSummary
from crm_desktop.reports.model import Format, format_value
from crm_desktop.services.queues import QUEUES
from ui.context import AppContext
from ui.pages import Page
from ui.queues_page import DEADLINES, ProgressStrip
from ui.widgets import BarChart, Column, RowsModel, error_text, scrolled, table_view, tone_style

RAG_WORDS = {"green": "Green: met", "amber": "Amber: within 10%", "red": "Red: missed"}


def _percent(value: float | None) -> str:
    return format_value(value, Format.PERCENT)


class Tile(QFrame):
    """A big number with what it counts."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.number = QLabel("–", self)
        self.number.setObjectName(title.title().replace(" ", "") + "Number")
        font = self.number.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.number.setFont(font)
        self.caption = QLabel(title, self)
        self.caption.setWordWrap(True)
        layout.addWidget(self.number)
        layout.addWidget(self.caption)
        self.title = title
        self.setAccessibleName(title)

    def set_value(self, value: int, tone: str | None = None) -> None:
        self.number.setText(f"{value:,}")
        self.number.setStyleSheet(tone_style(tone) if tone else "")
        self.setAccessibleDescription(f"{self.title}: {value:,}")


class DashboardPage(Page):
    title = "Dashboard"
    # The KPIs also follow the report's inputs (targets, baseline figures).
    cares_about = DEADLINES | {Change.REPORT_INPUTS}

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("DashboardPage")
        self.figures: DashboardFigures | None = None
        self.kpis: KpiSummary | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        body = QWidget(self)
        outer.addWidget(scrolled(body, "Dashboard", self))
        layout = QVBoxLayout(body)
        self.heading = QLabel("Dashboard", body)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.message = QLabel("", body)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        tiles = QHBoxLayout()
        self.open_tile = Tile("Open cases", body)
        self.overdue_tile = Tile("Overdue", body)
        self.due_tile = Tile(QUEUES["due-soon"].heading(DUE_SOON_WITHIN), body)
        self.ack_tile = Tile("Awaiting acknowledgement", body)
        for tile in (self.open_tile, self.overdue_tile, self.due_tile, self.ack_tile):
            tiles.addWidget(tile)
        layout.addLayout(tiles)

        charts = QGridLayout()
        self.by_month = BarChart("Cases received by month", body)
        self.by_month.setObjectName("ReceivedByMonthChart")
        self.by_procedure = BarChart("Cases received by procedure", body, horizontal=True)
        self.by_procedure.setObjectName("ReceivedByProcedureChart")
        self.by_stage = BarChart("Open cases by stage", body, horizontal=True)
        self.by_stage.setObjectName("OpenByStageChart")
        charts.addWidget(self.by_month, 0, 0, 1, 2)
        charts.addWidget(self.by_procedure, 1, 0)
        charts.addWidget(self.by_stage, 1, 1)
        layout.addLayout(charts, 2)

        self.kpi_heading = QLabel("Key performance indicators", body)
        kpi_font = self.kpi_heading.font()
        kpi_font.setBold(True)
        self.kpi_heading.setFont(kpi_font)
        layout.addWidget(self.kpi_heading)
        self.kpi_progress = ProgressStrip("KPIs", body)
        self.kpi_progress.cancel_button.clicked.connect(self._kpis_cancelled)
        layout.addWidget(self.kpi_progress)
        self.kpi_model = RowsModel(
            [
                Column("KPI", lambda k: k.label),
                Column("Target", lambda k: _percent(k.target), True),
                Column("This year", lambda k: _percent(k.value), True),
                Column("RAG", lambda k: RAG_WORDS.get(k.rag or "", "No cases yet")),
                Column("Last year", lambda k: _percent(k.previous), True),
            ],
            body,
            tone=lambda k: k.rag,
            tone_column=3,
        )
        self.kpi_view = table_view(self.kpi_model, "KPIs", body)
        self.kpi_view.setWordWrap(True)
        kpi_header = self.kpi_view.horizontalHeader()
        kpi_header.setStretchLastSection(False)
        kpi_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            kpi_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.kpi_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.kpi_view.setMinimumHeight(self.fontMetrics().height() * 12)
        layout.addWidget(self.kpi_view, 1)
        self.kpi_note = QLabel("", body)
        self.kpi_note.setWordWrap(True)
        layout.addWidget(self.kpi_note)

    def reload(self) -> None:
        # The figures first, then the KPIs (the annual report's sums, which take longer):
        # run together, the KPIs would hold up the figures.
        def shown(figures: DashboardFigures) -> None:
            self._show_figures(figures)
            self.load_kpis()

        def failed(exc: BaseException) -> None:
            self.message.setText(error_text(exc, "loading the dashboard"))
            self.load_kpis()

        self.context.op(deadlines.dashboard_figures).on_done(shown).on_error(failed).run()

    def load_kpis(self) -> None:
        # The KPIs are the whole council's figures, from the annual report.
        shown = self.context.allows(Permission.RUN_REPORTS)
        for widget in (self.kpi_heading, self.kpi_view, self.kpi_note):
            widget.setVisible(shown)
        if not shown:
            return

        def failed(exc: BaseException) -> None:
            self.kpi_progress.finish()
            self.kpi_note.setText(error_text(exc, "calculating the KPIs"))

        if self.kpi_progress.job is not None:
            self.kpi_progress.job.cancel()
        self.kpi_progress.run(
            self.context.op(deadlines.dashboard_kpis)
            .with_progress(self.kpi_progress.progress)
            .on_done(self._show_kpis)
            .on_error(failed),
            "Calculating this year's KPIs…",
        )

    def _kpis_cancelled(self) -> None:
        self.kpi_note.setText(
            "KPIs not calculated (cancelled). They load next time you open this page."
        )
        self.stale = True

    def _show_figures(self, figures: DashboardFigures) -> None:
        self.figures = figures
        self.heading.setText(f"Dashboard: {figures.year_label}")
        self.message.setText("")
        self.open_tile.set_value(figures.open_cases)
        self.overdue_tile.set_value(figures.overdue, "overdue" if figures.overdue else None)
        self.due_tile.set_value(figures.due_soon, "due soon" if figures.due_soon else None)
        self.ack_tile.set_value(figures.awaiting_acknowledgement)
        self.by_month.set_bars([(c.label, c.value) for c in figures.received_by_month])
        self.by_procedure.set_bars([(c.label, c.value) for c in figures.received_by_procedure])
        self.by_stage.set_bars([(c.label, c.value) for c in figures.open_by_stage if c.value])

    def _show_kpis(self, summary: KpiSummary) -> None:
        self.kpi_progress.finish()
        self.kpis = summary
        self.kpi_heading.setText(
            f"Key performance indicators, {summary.year_label} so far "
            f"(last year {summary.previous_label})"
        )
        self.kpi_model.set_rows(summary.kpis)
        self.kpi_view.resizeRowsToContents()
        rows_height = sum(self.kpi_view.rowHeight(r) for r in range(self.kpi_model.rowCount()))
        self.kpi_view.setMinimumHeight(
            rows_height + self.kpi_view.horizontalHeader().height() + self.fontMetrics().height()
        )
        self.kpi_note.setText(summary.note)


__all__ = ["DashboardPage", "KpiFigure"]
