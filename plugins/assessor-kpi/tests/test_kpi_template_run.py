"""The template runs over the whole sample (2025-07 .. 2026-06) with a reason for every row,
and its hand-derived scheme tests pass. Both run the command line in process, as a user would.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from assessor_kpi import plugin, sample
from click.testing import CliRunner

from assessor.cli import main

QUARTERS = ("2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> list[dict[str, str]]:
    (spec,) = plugin.assessor_templates()
    out = tmp_path_factory.mktemp("balanced-scorecard")
    outcome = invoke(
        "run", spec.path, "--data", spec.sample_data, "--from", "2025-07", "--to", "2026-06",
        "--out", out, "--lang", "zh",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_result_row_has_an_explanation(results):
    assert results
    assert [row for row in results if not row["explanation"].strip()] == []


def test_every_unit_is_graded_in_every_quarter(results):
    graded = {(r["period"], r["subject"]) for r in results if r["kind"] == "grade" and r["grade"]}
    assert graded == {(q, unit.name) for q in QUARTERS for unit in sample.UNITS}


def test_only_the_documented_gaps_are_left_out(results):
    missing = {(r["period"], r["subject"], r["item"]) for r in results if r["status"] == "n/a"}
    assert missing == {
        ("2026-Q1", "华南事业部", "忠诚得分"),  # loyalty survey postponed in the hand-over
        ("2026-Q2", "华北事业部", "质量得分"),  # quality inspection moved to a new system
    }


def test_every_unit_scores_lower_after_the_transfer_then_recovers(results):
    total = {
        (r["period"], r["subject"]): float(r["points"]) for r in results if r["item"] == "总分"
    }
    for unit in sample.UNITS:
        assert total["2026-Q1", unit.name] < total["2025-Q4", unit.name], unit.name
        assert total["2026-Q2", unit.name] > total["2026-Q1", unit.name], unit.name


def test_the_scheme_tests_pass():
    (spec,) = plugin.assessor_templates()
    outcome = invoke("test", spec.path)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert "4 passed, 0 failed" in outcome.stdout, outcome.stdout


def test_the_template_is_catalogued_over_the_months_its_sample_covers():
    outcome = invoke("templates", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    (entry,) = [e for e in json.loads(outcome.stdout) if e["plugin"] == "kpi"]
    assert (entry["from"], entry["to"]) == ("2025-07", "2026-06")
    assert Path(entry["path"]).name == "balanced-scorecard.assess"
    assert [i["table"] for i in entry["inputs"]] == ["kpi_values", "ratings"]
