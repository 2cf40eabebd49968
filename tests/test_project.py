"""A company's project folder: `assessor init` from a template, `assessor run --period` with
nothing else, its own column names, and a project file's mistakes reported at their lines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, invoke

TEMPLATE = "floor-heating/customer-relations"
SAMPLE = ROOT / "schemes" / "floor-heating" / "sample-data"
SCHEME = ROOT / "schemes" / "floor-heating" / "customer-relations.assess"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project made by `assessor init`, its blank data replaced by the sample's."""
    folder = tmp_path / "公司"
    outcome = invoke("init", folder, "--template", TEMPLATE)
    assert outcome.exit_code == 0, outcome.stderr
    shutil.rmtree(folder / "data")
    shutil.copytree(SAMPLE, folder / "data")
    monkeypatch.chdir(folder)
    return folder


def _direct(tmp_path: Path, data: Path = SAMPLE) -> str:
    """The same month run the long way, for comparison."""
    out = tmp_path / "direct"
    args = ("--from", "2026-03", "--to", "2026-03", "--lang", "zh", "--out", out)
    outcome = invoke("run", SCHEME, "--data", data, *args)
    assert outcome.exit_code == 0, outcome.stderr
    return (out / "results.csv").read_text("utf-8")


def test_init_writes_scheme_blank_inputs_project_file_and_readme(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert invoke("init", folder, "--template", TEMPLATE).exit_code == 0
    scheme = folder / "customer-relations.assess"
    assert 'extends "floor-heating/customer-relations" version "1"' in scheme.read_text("utf-8")
    # it says what the template says, and only adds its version and where it came from
    changes = invoke("diff", SCHEME, scheme, "--lang", "en")
    assert changes.exit_code == 0, changes.stderr
    assert changes.stdout.splitlines() == [
        "added: based on the template “地暖客户关系维护绩效考核方案” "
        "(floor-heating/customer-relations, Version 1)"
    ]
    assert (folder / "assessor.yaml").is_file() and (folder / "README.md").is_file()
    blank = sorted(p.name for p in (folder / "data").iterdir())
    assert blank == sorted([p.name for p in SAMPLE.glob("*.csv")] + ["inputs.xlsx"])


def test_init_refuses_an_unknown_template_and_a_full_folder(tmp_path: Path) -> None:
    outcome = invoke("init", tmp_path / "p", "--template", "floor-heating/customer-relation")
    assert outcome.exit_code == 2
    assert "did you mean 'floor-heating/customer-relations'" in outcome.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    assert invoke("init", tmp_path / "full", "--template", TEMPLATE).exit_code == 2


def test_in_a_project_run_needs_only_the_period(project: Path, tmp_path: Path) -> None:
    outcome = invoke("run", "--period", "2026-03")
    assert outcome.exit_code == 0, outcome.stderr
    written = (project / "results" / "2026-03" / "results.csv").read_text("utf-8")
    assert written == _direct(tmp_path)


def test_the_company_keeps_its_own_column_names(project: Path, tmp_path: Path) -> None:
    tickets = project / "data" / "heating_tickets.csv"
    lines = tickets.read_text("utf-8").splitlines()
    lines[0] = lines[0].replace("ticket_id", "工单号").replace("opened_at", "报修时间")
    tickets.write_text("\n".join(lines) + "\n", "utf-8")
    settings = project / "assessor.yaml"
    settings.write_text(
        settings.read_text("utf-8").replace(
            "columns: {}",
            "columns:\n  heating_tickets:\n    ticket_id: 工单号\n    opened_at: 报修时间",
        ),
        "utf-8",
    )
    outcome = invoke("run", "--period", "2026-03")
    assert outcome.exit_code == 0, outcome.stderr
    written = (project / "results" / "2026-03" / "results.csv").read_text("utf-8")
    assert written == _direct(tmp_path)


PROJECT_MISTAKES = {
    "unknown key": (
        "scheme: customer-relations.assess\ndata: data\nlanguage: zh\n",
        ["assessor.yaml:3:1: error[E601] unknown key 'language'", "did you mean 'lang'?"],
    ),
    "wrong type": (
        "scheme: customer-relations.assess\ndata: data\nset: 12\n",
        ["assessor.yaml:3:6: error[E601] set must be a mapping of names"],
    ),
    "missing file": (
        "scheme: customer-relations.assess\ndata: 数据\n",
        ["assessor.yaml:2:7: error[E602] data '数据' does not exist"],
    ),
    "unknown column": (
        "scheme: customer-relations.assess\ndata: data\n"
        "columns:\n  heating_tickets:\n    ticket: 工单号\n  heating_ticket: {}\n",
        [
            "assessor.yaml:5:5: error[E601] heating_tickets has no column 'ticket'",
            "assessor.yaml:6:3: error[E601] the scheme reads no input table 'heating_ticket'",
        ],
    ),
    "duckdb settings": (
        "scheme: customer-relations.assess\ndata: data\n"
        "duckdb:\n  memory_limit: lots\n  threads: 0\n  memory: 4GB\n",
        [
            "assessor.yaml:4:17: error[E601] duckdb: memory_limit 'lots' is not valid",
            "write a size such as 4GB",
            "assessor.yaml:5:12: error[E601] duckdb: threads '0' is not valid",
            "assessor.yaml:6:3: error[E601] duckdb: unknown key 'memory'",
            "did you mean 'memory_limit'?",
        ],
    ),
    "plugins not a list": (
        "scheme: customer-relations.assess\ndata: data\nplugins: floor_heating\n",
        ["assessor.yaml:3:10: error[E601] plugins must be a list of plugin names"],
    ),
    "plugin not installed": (
        "scheme: customer-relations.assess\ndata: data\nplugins: [floor_heatin]\n",
        [
            "assessor.yaml:3:10: error[E601] plugins: no installed plugin 'floor_heatin'",
            "did you mean 'floor_heating'?",
        ],
    ),
}


@pytest.mark.parametrize("mistake", PROJECT_MISTAKES)
def test_a_project_file_mistake_is_named_at_its_line(project: Path, mistake: str) -> None:
    text, expected = PROJECT_MISTAKES[mistake]
    (project / "assessor.yaml").write_text(text, "utf-8")
    outcome = invoke("run", "--period", "2026-03")
    assert outcome.exit_code == 1, outcome.stdout
    assert "Traceback" not in outcome.stderr
    for fragment in expected:
        assert fragment in outcome.stderr, outcome.stderr


def test_duckdb_settings_change_how_not_what(project: Path, tmp_path: Path) -> None:
    """A small memory limit, one thread and a spill folder of the project's own give the same
    results; the spill folder is left empty.
    """
    settings = project / "assessor.yaml"
    extra = "duckdb:\n  memory_limit: 300MB\n  threads: 1\n  temp_directory: spill\n"
    settings.write_text(settings.read_text("utf-8") + extra, "utf-8")
    outcome = invoke("run", "--period", "2026-03")
    assert outcome.exit_code == 0, outcome.stderr
    written = (project / "results" / "2026-03" / "results.csv").read_text("utf-8")
    assert written == _direct(tmp_path)
    assert not any((project / "spill").glob("*"))


def test_only_the_plugins_a_project_allows_are_loaded(project: Path, tmp_path: Path) -> None:
    settings = project / "assessor.yaml"
    text = settings.read_text("utf-8")
    settings.write_text(text + "plugins: [floor_heating]\n", "utf-8")
    outcome = invoke("run", "--period", "2026-03")
    assert outcome.exit_code == 0, outcome.stderr
    written = (project / "results" / "2026-03" / "results.csv").read_text("utf-8")
    assert written == _direct(tmp_path)
    # the template the scheme extends is floor_heating's: as if that plugin were absent
    settings.write_text(text + "plugins: [kpi]\n", "utf-8")
    for command in (("run", "--period", "2026-03"), ("check", "customer-relations.assess")):
        outcome = invoke(*command)
        assert outcome.exit_code == 1, outcome.stdout
        assert "error[E234] no template 'floor-heating/customer-relations'" in outcome.stderr
        assert "listed under plugins: in assessor.yaml" in outcome.stderr


def test_too_little_memory_is_named_with_what_to_change(project: Path) -> None:
    settings = project / "assessor.yaml"
    extra = "duckdb:\n  memory_limit: 1MB\n"
    settings.write_text(settings.read_text("utf-8") + extra, "utf-8")
    outcome = invoke("run", "--period", "2026-03")
    assert outcome.exit_code == 1, outcome.stderr
    assert "error[E705] DuckDB ran out of memory (limit 1MB)" in outcome.stderr
    assert "raise duckdb: memory_limit in assessor.yaml" in outcome.stderr


# -- the results history ---------------------------------------------------------------------

KPI_SCHEME = """
scheme "接听" period month window 2026-01 .. 2026-01
role team from kpi_values.subject
rule 接听 for team when kpi("接听率") >= 90 reward 100 元
"""


@pytest.fixture
def small_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A hand-made project: 一组 answers 95% (reward 100), 二组 80% (nothing)."""
    folder = tmp_path / "small"
    (folder / "data").mkdir(parents=True)
    (folder / "接听.assess").write_text(KPI_SCHEME, "utf-8")
    (folder / "assessor.yaml").write_text("scheme: 接听.assess\ndata: data\nlang: en\n", "utf-8")
    _answer_rates(folder, 95, 80)
    monkeypatch.chdir(folder)
    return folder


def _answer_rates(folder: Path, first: int, second: int) -> None:
    (folder / "data" / "kpi_values.csv").write_text(
        "subject,period,indicator,value\n"
        f"一组,2026-01,接听率,{first}\n二组,2026-01,接听率,{second}\n",
        "utf-8",
    )


def test_a_rerun_is_recorded_with_what_changed(small_project: Path) -> None:
    first = invoke("run", "--period", "2026-01")
    assert "recorded as run 1 in history.duckdb" in first.stdout
    _answer_rates(small_project, 85, 92)  # 一组 loses its 100, 二组 gains 100
    second = invoke("run", "--period", "2026-01")
    assert "recorded as run 2 in history.duckdb" in second.stdout
    assert "2026-01 team 一组: amount 100.00 → 0.00" in second.stdout
    assert "2026-01 team 二组: amount 0.00 → 100.00" in second.stdout
    listed = invoke("history")
    assert listed.exit_code == 0, listed.stderr
    assert "接听" in listed.stdout and " 2 " in listed.stdout
    trend = invoke("history", "--subject", "一组")
    assert "0.00" in trend.stdout and "100.00" not in trend.stdout


def test_a_damaged_history_stops_the_run_cleanly(small_project: Path) -> None:
    (small_project / "history.duckdb").write_bytes(b"not a database")
    outcome = invoke("run", "--period", "2026-01")
    assert outcome.exit_code == 1
    assert "error[E603] cannot open the results history" in outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert not (small_project / "results").exists()


def test_an_interrupted_recording_leaves_the_history_as_it_was(
    small_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessor import history

    assert invoke("run", "--period", "2026-01").exit_code == 0
    real_insert = history._insert

    def failing(connection, table, *args):
        if table == "totals":
            raise KeyboardInterrupt
        real_insert(connection, table, *args)

    monkeypatch.setattr(history, "_insert", failing)
    assert invoke("run", "--period", "2026-01").exit_code != 0
    monkeypatch.setattr(history, "_insert", real_insert)
    assert [run[0] for run in history.list_runs(small_project / "history.duckdb")] == [1]
