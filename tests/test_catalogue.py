"""`assessor inputs`: blank input files for exactly what a scheme reads; `assessor plugins`
listing metrics; bad records in a template's data, stopped or set aside with reconciling
counts. (`assessor templates` is exercised over every template in test_templates.)
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from conftest import ROOT, TEMPLATE, invoke
from openpyxl import load_workbook

KPI_SCHEME = """
scheme "接听" period month window 2026-01 .. 2026-01
role team from kpi_values.subject
rule 接听 for team when kpi("接听率") >= 90 reward 100 元
"""


def test_inputs_writes_a_csv_and_a_sheet_per_table_the_scheme_reads(tmp_path: Path) -> None:
    outcome = invoke("inputs", TEMPLATE, "--out", tmp_path)
    assert outcome.exit_code == 0, outcome.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "followups.csv",
        "inputs.xlsx",
        "visits.csv",
    ]
    with (tmp_path / "visits.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["visit_id", "customer_id", "visit_date", "advisor_group"]
        ]
    book = load_workbook(tmp_path / "inputs.xlsx")
    assert book.sheetnames == ["说明 notes", "followups", "visits"]
    header = book["visits"][1]
    assert [c.value for c in header] == ["visit_id", "customer_id", "visit_date", "advisor_group"]
    assert header[2].comment.text.startswith("进站日期 / visit date\n日期 / date, YYYY-MM-DD")


def test_inputs_leaves_out_tables_the_scheme_does_not_read(tmp_path: Path) -> None:
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(KPI_SCHEME, encoding="utf-8")
    outcome = invoke("inputs", scheme, "--out", tmp_path / "blank")
    assert outcome.exit_code == 0, outcome.stderr
    assert sorted(p.name for p in (tmp_path / "blank").iterdir()) == [
        "inputs.xlsx",
        "kpi_values.csv",
    ]


def test_blank_inputs_filled_in_run(tmp_path: Path) -> None:
    """The blank CSV (with its byte-order mark) is what the loader reads once filled in."""
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(KPI_SCHEME, encoding="utf-8")
    blank = tmp_path / "blank"
    invoke("inputs", scheme, "--out", blank)
    with (blank / "kpi_values.csv").open("a", encoding="utf-8") as handle:
        handle.write("一组,2026-01,接听率,95\n二组,2026-01,接听率,80\n")
    outcome = invoke("run", scheme, "--data", blank, "--out", tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8") as handle:
        amounts = {r["subject"]: r["amount"] for r in csv.DictReader(handle)}
    assert amounts == {"一组": "100", "二组": "0"}


def test_plugins_lists_metrics_with_their_parameters() -> None:
    outcome = invoke("plugins")
    assert outcome.exit_code == 0, outcome.stderr
    assert "metric auto_aftersales.churn_rate(lapse_months: months)" in outcome.stdout
    assert "metric builtin.kpi(indicator: number)" in outcome.stdout


def _break_sample(folder: Path) -> dict[str, int]:
    """Copy of the floor-heating sample with a ticket resolved before it was opened (line 3)
    and a survey quality score of 11 on a 0–10 scale (line 4); the data rows per file."""
    tickets = (folder / "heating_tickets.csv").read_text("utf-8").splitlines()
    fields = tickets[2].split(",")
    fields[7] = "2025-06-30 08:00:00"  # resolved_at before opened_at (2025-07-01 ...)
    tickets[2] = ",".join(fields)
    (folder / "heating_tickets.csv").write_text("\n".join(tickets) + "\n", "utf-8")
    surveys = (folder / "heating_surveys.csv").read_text("utf-8").splitlines()
    fields = surveys[3].split(",")
    fields[4] = "11"
    surveys[3] = ",".join(fields)
    (folder / "heating_surveys.csv").write_text("\n".join(surveys) + "\n", "utf-8")
    return {"heating_tickets": len(tickets) - 1, "heating_surveys": len(surveys) - 1}


def test_bad_records_stop_a_template_run_or_are_set_aside(tmp_path: Path) -> None:
    scheme = ROOT / "schemes" / "floor-heating" / "customer-relations.assess"
    data = tmp_path / "data"
    shutil.copytree(scheme.with_name("sample-data"), data)
    rows = _break_sample(data)
    stopped = invoke("run", scheme, "--data", data, "--out", tmp_path / "a")
    assert stopped.exit_code == 1
    assert "heating_tickets.csv:3 (column 'resolved_at'): error[E311]" in stopped.stderr
    assert "heating_surveys.csv:4 (column 'quality_score'): error[E310]" in stopped.stderr
    rejects = tmp_path / "rejects.csv"
    outcome = invoke("run", scheme, "--data", data, "--out", tmp_path / "b", "--rejects", rejects)
    assert outcome.exit_code == 0, outcome.stderr
    for table, read in rows.items():
        assert f"{table}: {read} rows read = {read - 1} used + 1 rejected" in outcome.stdout
    with rejects.open(encoding="utf-8") as handle:
        found = {(r["table"], r["row"], r["codes"]) for r in csv.DictReader(handle)}
    assert found == {("heating_tickets", "2", "E311"), ("heating_surveys", "3", "E310")}
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text("utf-8"))
    counts = {
        t["table"]: (t["rows_read"], t["rows"], t["rows_rejected"]) for t in manifest["inputs"]
    }
    assert counts["heating_tickets"] == (rows["heating_tickets"], rows["heating_tickets"] - 1, 1)


def test_the_blank_workbook_filled_in_runs(tmp_path: Path) -> None:
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(KPI_SCHEME, encoding="utf-8")
    invoke("inputs", scheme, "--out", tmp_path / "blank")
    book = load_workbook(tmp_path / "blank" / "inputs.xlsx")
    book["kpi_values"].append(["一组", "2026-01", "接听率", 95])
    book["kpi_values"].append(["二组", "2026-01", "接听率", 80])
    book.save(tmp_path / "filled.xlsx")
    outcome = invoke("run", scheme, "--data", tmp_path / "filled.xlsx", "--out", tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8") as handle:
        amounts = {r["subject"]: r["amount"] for r in csv.DictReader(handle)}
    assert amounts == {"一组": "100", "二组": "0"}
