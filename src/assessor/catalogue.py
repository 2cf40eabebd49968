"""What the installed plugins offer and what a scheme needs: the template catalogue
(`assessor templates`) and blank input files (`assessor inputs`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from assessor.errors import AssessorError, Diagnostic
from assessor.model import scheme as m
from assessor.model.registry import ColumnSpec, Registry, TableSpec, TemplateSpec

_TYPE_NOTES = {
    "integer": "整数 / whole number",
    "text": "文本 / text",
    "date": "日期 / date, YYYY-MM-DD",
    "timestamp": "日期时间 / date and time, YYYY-MM-DD HH:MM:SS",
    "decimal": "数值 / number",
    "month": "月份 / month, YYYY-MM",
}


@attrs.frozen
class TemplateEntry:
    """A template as listed: its declaration, the checked scheme and the months its sample
    data covers (None where it has none), or the problems that stop it from checking.
    """

    spec: TemplateSpec
    scheme: m.Scheme | None
    covers: tuple[m.Month, m.Month] | None
    problems: tuple[Diagnostic, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The entry for ``assessor templates --json``."""
        spec = self.spec
        entry: dict[str, Any] = {
            "id": spec.id,
            "title_zh": spec.title_zh,
            "title_en": spec.title_en,
            "domain": spec.domain,
            "plugin": spec.plugin,
            "path": str(spec.path),
            "sample_data": str(spec.sample_data) if spec.sample_data else None,
            "from": str(self.covers[0]) if self.covers else None,
            "to": str(self.covers[1]) if self.covers else None,
        }
        if self.scheme is not None:
            entry["period"] = self.scheme.period_kind
            entry["roles"] = [{"name": r.name, "label": r.label} for r in self.scheme.roles]
            entry["inputs"] = [
                {"table": t.name, "label_zh": t.label_zh, "label_en": t.label_en}
                for t in self.scheme.tables
            ]
        if self.problems:
            entry["problems"] = [f"{d.code} {d.message}" for d in self.problems]
        return entry


def list_templates(registry: Registry) -> list[TemplateEntry]:
    """Every installed template, checked, with the months its sample data covers."""
    from assessor.session import read_scheme

    entries = []
    for spec in sorted(registry.templates.values(), key=lambda t: t.id):
        try:
            scheme = read_scheme(spec.path).scheme
            covers = sample_coverage(scheme, spec.sample_data) if spec.sample_data else None
        except AssessorError as error:
            entries.append(TemplateEntry(spec, None, None, tuple(error.diagnostics)))
            continue
        entries.append(TemplateEntry(spec, scheme, covers))
    return entries


def sample_coverage(scheme: m.Scheme, folder: Path) -> tuple[m.Month, m.Month] | None:
    """The months a data folder covers, in whole periods of the scheme: from the latest first
    month to the earliest last month of its time-stamped tables, so that every input has rows
    in that span (a customer register going back to 2012 does not stretch the span of this
    year's tickets).
    """
    import duckdb

    from assessor.data.load import load_tables
    from assessor.data.sources import find_sources

    connection = duckdb.connect()
    load_tables(connection, scheme.tables, find_sources(scheme.tables, folder))
    spans = [
        connection.execute(
            f'SELECT min(CAST("{t.time_column}" AS DATE)), max(CAST("{t.time_column}" AS DATE)) '
            f'FROM "{t.name}"'
        ).fetchone()
        for t in scheme.tables
        if t.time_column is not None
    ]
    spans = [(m.Month.of(first), m.Month.of(last)) for first, last in spans if first is not None]
    if not spans:
        return None
    first, last = max(s[0] for s in spans), min(s[1] for s in spans)
    if first > last:  # inputs that do not overlap: the whole span of any of them
        first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    # whole periods of the scheme: quarterly ratings given in March cover January too
    kind = scheme.period_kind
    return (
        m.Period.containing(first, kind).first_month,
        m.Period.containing(last, kind).last_month,
    )


# -- blank input files ----------------------------------------------------------------------


def column_note(column: ColumnSpec) -> str:
    """What goes in a column, for a person filling it in (bilingual)."""
    lines = [f"{column.label_zh} / {column.label_en}", _TYPE_NOTES[column.type]]
    lines.append("必填 / required" if column.required else "可空 / may be blank")
    if column.unit is not None:
        lines.append(f"单位 / unit: {column.unit.value}")
    if column.minimum is not None or column.maximum is not None:
        low = "" if column.minimum is None else column.minimum
        high = "" if column.maximum is None else column.maximum
        lines.append(f"范围 / range: {low}..{high}")
    if column.choices:
        lines.append("可选值 / one of: " + ", ".join(column.choices))
    return "\n".join(lines)


def write_blank_inputs(tables: Iterable[TableSpec], out: Path) -> list[Path]:
    """One header-only CSV per table and ``inputs.xlsx`` with a sheet per table (column
    notes as cell comments) and a sheet describing every column and rule.
    """
    tables = list(tables)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        path = out / f"{table.name}.csv"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(c.name for c in table.columns)
        # a byte-order mark makes Excel open the file as UTF-8 (the loader accepts it)
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        written.append(path)
    workbook = out / "inputs.xlsx"
    _write_workbook(tables, workbook)
    written.append(workbook)
    return written


def _write_workbook(tables: list[TableSpec], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    notes = book.active
    notes.title = "说明 notes"
    notes.append(["表 table", "列 column", "说明 description", "类型 type", "要求 requirements"])
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append([c.name for c in table.columns])
        for cell, column in zip(sheet[1], table.columns, strict=True):
            cell.font = Font(bold=True)
            cell.comment = Comment(column_note(column), "assessor", width=320, height=140)
        sheet.freeze_panes = "A2"
        for column in table.columns:
            requirements = column_note(column).splitlines()[2:]
            notes.append(
                [
                    f"{table.name} ({table.label_zh} / {table.label_en})",
                    column.name,
                    f"{column.label_zh} / {column.label_en}",
                    _TYPE_NOTES[column.type],
                    "; ".join(requirements),
                ]
            )
        for rule in table.rules:
            notes.append(
                [table.name, ", ".join(rule.columns), f"{rule.label_zh} / {rule.label_en}"]
            )
    for cell in notes[1]:
        cell.font = Font(bold=True)
    book.save(path)
