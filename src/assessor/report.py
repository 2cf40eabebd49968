"""Reports of a run beside results.csv: a self-contained HTML page (summary per role, a card
per subject with its reasons, charts), a Markdown summary to read, and a payroll-ready XLSX
workbook (one row per subject and period with the amount, grade and reasons, and a sheet
per rule). Built from the outcomes and totals only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from assessor.errors import Diagnostic
from assessor.model.registry import ReportSection, ReportTable
from assessor.results import (
    MONEY_KINDS,
    Outcome,
    Total,
    by_subject,
    format_amount,
    summarise_money,
    write_files_atomically,
)

FORMATS = ("csv", "html", "md", "xlsx")
_MONEY_FORMAT = "#,##0.00"
# Excel limits sheet names to 31 characters without []:*?/\
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
_TEXT = {
    "zh": {
        "summary": "汇总",
        "subjects": "人数",
        "rewards": "奖励",
        "penalties": "处罚",
        "net": "合计",
        "payroll": "工资表",
        "reasons": "依据",
        "headers": ("期间", "对象类别", "对象", "金额", "等级", "得分", "依据"),
        "rule_headers": ("期间", "对象类别", "对象", "数值", "对照", "金额", "状态", "说明"),
    },
    "en": {
        "summary": "Summary",
        "subjects": "subjects",
        "rewards": "rewards",
        "penalties": "penalties",
        "net": "net",
        "payroll": "payroll",
        "reasons": "reasons",
        "headers": ("period", "role", "subject", "amount", "grade", "points", "reasons"),
        "rule_headers": (
            "period",
            "role",
            "subject",
            "value",
            "reference",
            "amount",
            "status",
            "explanation",
        ),
    },
}


# A plugin's section as shown: its label in the report's language, and its table.
Section = tuple[str, ReportTable]


def write_report(
    form: str,
    out: Path,
    title: str,
    outcomes: Sequence[Outcome],
    totals: Sequence[Total],
    language: str,
    sections: Sequence[Section] = (),
) -> Path | None:
    """Write ``report.md``, ``report.html`` or ``report.xlsx`` into ``out``; csv is
    results.csv itself. Written to a temporary name and renamed: an interrupted run leaves
    no half-written report, and the last one as it was. ``sections`` are the plugins'
    (``render_sections``), after the summary.
    """
    if form == "md":
        text = markdown(title, outcomes, totals, language, sections)
        return _write(out, "report.md", lambda path: path.write_text(text, encoding="utf-8"))
    if form == "xlsx":
        book = workbook(outcomes, totals, language, sections)
        return _write(out, "report.xlsx", book.save)
    if form == "html":
        from assessor.report_html import page

        text = page(title, outcomes, totals, language, sections)
        return _write(out, "report.html", lambda path: path.write_text(text, encoding="utf-8"))
    return None


def render_sections(
    sections: Iterable[ReportSection],
    outcomes: Sequence[Outcome],
    totals: Sequence[Total],
    language: str,
) -> tuple[list[Section], list[Diagnostic]]:
    """Each plugin section's table for this run (those with nothing to show left out), and a
    warning (E406) for each that raised or returned something else: the report goes on
    without it.
    """
    shown: list[Section] = []
    problems: list[Diagnostic] = []
    for section in sections:
        label = section.label_zh if language == "zh" else section.label_en
        try:
            table = section.render(outcomes, totals, language)
            if table is not None and not isinstance(table, ReportTable):
                raise TypeError(f"render returned {type(table).__name__}, not a ReportTable")
        except Exception as error:  # a plugin's code may raise anything
            problems.append(
                Diagnostic(
                    "E406",
                    f"plugin {section.plugin!r}: report section {section.name!r} failed: "
                    f"{type(error).__name__}: {error}",
                    None,
                    f"the report is written without it; this is a bug in {section.plugin!r}, "
                    "report it to its authors",
                    severity="warning",
                )
            )
            continue
        if table is not None:
            shown.append((label, table))
    return shown, problems


def _write(out: Path, name: str, write: Callable[[Path], object]) -> Path:
    write_files_atomically(out, {name: write})
    return out / name


def _reasons(outcomes: Iterable[Outcome]) -> str:
    """The explanations of the money and grades behind a subject's period."""
    return "；".join(
        o.explanation
        for o in outcomes
        if (o.kind in MONEY_KINDS and o.amount != 0) or o.kind == "grade"
    )


def markdown(
    title: str,
    outcomes: Sequence[Outcome],
    totals: Sequence[Total],
    language: str,
    sections: Sequence[Section] = (),
) -> str:
    """A summary per period and role, the plugins' sections, then every subject with its
    reasons.
    """
    words = _TEXT[language]
    lines = [f"# {title}", "", f"## {words['summary']}", ""]
    lines += [
        f"| period | role | {words['subjects']} | {words['rewards']} | {words['penalties']} "
        f"| {words['net']} |",
        "|---|---|---|---|---|---|",
    ]
    for (period, role), money in summarise_money(outcomes).items():
        lines.append(
            f"| {period} | {role} | {money.subjects} | {format_amount(money.rewards)} | "
            f"{format_amount(money.penalties)} | {format_amount(money.net)} |"
        )
    for label, table in sections:
        lines += ["", f"## {label}", "", _markdown_row(table.columns)]
        lines += ["|" + "---|" * len(table.columns)]
        lines += [_markdown_row(row) for row in table.rows]
        lines += ["", table.note] if table.note else []
    grouped = by_subject(outcomes)
    for total in totals:
        head = ", ".join(x for x in (total.points, total.grade, format_amount(total.amount)) if x)
        lines += ["", f"### {total.period} {total.role} {total.who}: {head}", ""]
        lines += [f"- {o.item}: {o.explanation}" for o in grouped[total.key]]
    return "\n".join(lines) + "\n"


def _markdown_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def workbook(
    outcomes: Sequence[Outcome],
    totals: Sequence[Total],
    language: str,
    sections: Sequence[Section] = (),
):
    """The payroll sheet and a sheet per rule, amounts as numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    words = _TEXT[language]
    book = Workbook()
    payroll = book.active
    payroll.title = words["payroll"]
    payroll.append(list(words["headers"]))
    grouped = by_subject(outcomes)
    for total in totals:
        payroll.append(
            [
                total.period,
                total.role,
                total.who,
                total.amount,
                total.grade,
                total.points,
                _reasons(grouped[total.key]),
            ]
        )
    _format(payroll, amount_column=4)
    rules: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.kind == "rule":
            rules.setdefault(o.item, []).append(o)
    for rule, rows in rules.items():
        sheet = book.create_sheet(rule.translate(_SHEET_FORBIDDEN)[:31])
        sheet.append(list(words["rule_headers"]))
        for o in rows:
            sheet.append(
                [o.period, o.role, o.who, o.value, o.reference, o.amount, o.status,
                 o.explanation]
            )  # fmt: skip
        _format(sheet, amount_column=6)
    for label, table in sections:  # the plugins' sections, a sheet each
        sheet = book.create_sheet(label.translate(_SHEET_FORBIDDEN)[:31])
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append(list(row))
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    return book


def _format(sheet, amount_column: int) -> None:
    """Amounts as numbers with two decimals; the header row frozen."""
    for row in sheet.iter_rows(min_row=2, min_col=amount_column, max_col=amount_column):
        for cell in row:
            cell.number_format = _MONEY_FORMAT
    sheet.freeze_panes = "A2"
