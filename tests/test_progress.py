"""A long run shows its steps on a terminal and nothing in a pipe."""

from __future__ import annotations

from pathlib import Path

from conftest import ACCEPTANCE, TEMPLATE, invoke

from assessor.session import assess, read_scheme


def test_a_run_reports_each_table_then_the_metrics_then_the_outcomes() -> None:
    loaded = read_scheme(TEMPLATE)
    heard: list[str] = []
    first, last = loaded.scheme.window
    assess(loaded, ACCEPTANCE / "data", first, last, progress=heard.append)
    # churn-control reads followups and visits, in the order the scheme declares its tables
    assert heard[:2] == ["reading followups", "reading visits"]
    assert set(heard[2:-1]) == {"computing metrics"} and heard[-1] == "computing outcomes"


def test_in_a_pipe_the_run_prints_no_progress_bar(tmp_path: Path) -> None:
    outcome = invoke("run", TEMPLATE, "--data", ACCEPTANCE / "data", "--out", tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    assert "reading" not in outcome.stderr and "computing" not in outcome.stderr
