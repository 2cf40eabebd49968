"""Reports beside results.csv: the payroll workbook and the Markdown summary. Expected amounts
are the acceptance data's independently computed outcomes (lapse 8), not the program's.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from conftest import ACCEPTANCE, TEMPLATE, invoke
from openpyxl import load_workbook

STORE_ROLES = ("workshop_supervisor", "service_manager", "golden_bowtie")


def _expected() -> dict[tuple[str, str, str], Decimal]:
    found = {}
    with (ACCEPTANCE / "expected-lapse8.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            roles = STORE_ROLES if row["role"] == "store_manager" else (row["role"],)
            for role in roles:
                found[(row["period"], role, row["subject"])] = Decimal(row["amount"])
    return found


def _run(out: Path, *formats: str) -> None:
    args = [a for f in formats for a in ("--format", f)]
    outcome = invoke("run", TEMPLATE, "--data", ACCEPTANCE / "data", "--out", out, *args)
    assert outcome.exit_code == 0, outcome.stderr


def test_the_payroll_sheet_pays_what_the_independent_outcomes_say(tmp_path: Path) -> None:
    _run(tmp_path, "xlsx")
    book = load_workbook(tmp_path / "report.xlsx")
    payroll = book.worksheets[0]
    rows = list(payroll.iter_rows(min_row=2, values_only=True))
    paid = {(r[0], r[1], r[2]): Decimal(str(r[3])) for r in rows}
    assert paid == _expected()
    assert all(c.number_format == "#,##0.00" for c in payroll["D"][1:])
    rules = ["advisor_group_churn", "followup_churn", "store_churn_trend"]
    assert book.sheetnames[1:] == [*rules, "Rules at a glance"]  # then the plugin's section
    penalised = next(r for r in rows if r[3] < 0)
    assert "penalty 200" in penalised[6]


def test_the_markdown_summary_nets_rewards_against_penalties(tmp_path: Path) -> None:
    _run(tmp_path, "md")
    text = (tmp_path / "report.md").read_text("utf-8")
    expected = _expected()
    for period in ("2015-08", "2015-12"):
        amounts = [a for (p, r, _), a in expected.items() if p == period and r == "advisor_group"]
        rewards = sum(a for a in amounts if a > 0)
        penalties = -sum(a for a in amounts if a < 0)
        row = f"| {period} | advisor_group | {len(amounts)} | {rewards} | {penalties} |"
        assert row in text, row


def _glance(period: str) -> tuple[str, ...]:
    """The after-sales plugin's line for the group rule in ``period``, from the independent
    outcomes: the store's rate as the reference, and how many groups got what.
    """
    with (ACCEPTANCE / "expected-lapse8.csv").open(encoding="utf-8") as handle:
        month = [r for r in csv.DictReader(handle) if r["period"] == period]
    rows = [r for r in month if r["role"] == "advisor_group"]
    reference = next(r["rate"] for r in month if r["role"] == "store_manager")
    counts = [
        sum(r["status"] != "n/a" and int(r["amount"]) > 0 for r in rows),
        sum(r["status"] != "n/a" and int(r["amount"]) < 0 for r in rows),
        sum(r["status"] != "n/a" and int(r["amount"]) == 0 for r in rows),
        sum(r["status"] == "n/a" for r in rows),
    ]
    return (period, "advisor_group_churn", reference, *map(str, counts))


def test_a_plugin_section_is_in_every_report(tmp_path: Path) -> None:
    _run(tmp_path, "md", "html", "xlsx")
    expected = _glance("2015-08")
    markdown = (tmp_path / "report.md").read_text("utf-8")
    assert "## Rules at a glance" in markdown
    assert "| " + " | ".join(expected) + " |" in markdown
    page = (tmp_path / "report.html").read_text("utf-8")
    assert "<h2>Rules at a glance</h2>" in page
    assert "<tr>" + "".join(f"<td>{c}</td>" for c in expected) + "</tr>" in page
    sheet = load_workbook(tmp_path / "report.xlsx")["Rules at a glance"]
    assert expected in list(sheet.iter_rows(values_only=True))


def test_a_failing_plugin_section_is_named_and_the_report_written(
    tmp_path: Path, monkeypatch
) -> None:
    from assessor_auto_aftersales import report

    def broken(outcomes, totals, language):
        raise KeyError("rate")

    monkeypatch.setattr(report, "rules_at_a_glance", broken)
    args = ("--format", "md")
    outcome = invoke("run", TEMPLATE, "--data", ACCEPTANCE / "data", "--out", tmp_path, *args)
    assert outcome.exit_code == 0, outcome.stderr
    assert "warning[E406] plugin 'auto_aftersales': report section 'rules_at_a_glance'" in (
        outcome.stderr
    )
    markdown = (tmp_path / "report.md").read_text("utf-8")
    assert "Rules at a glance" not in markdown and "## Summary" in markdown
