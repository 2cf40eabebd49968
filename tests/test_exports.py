"""Real exports are read as their clean twins are, broken ones are refused clearly, and an
interrupted write leaves the earlier outputs as they were.

The corpus is in exports/ (written by exports/make.py, kept in the repository). A valid case
holds messy data and a clean/ folder of the same records as plain UTF-8 CSV: every table is
loaded from both and compared value by value, then a run on each must give the same
results. A broken case must stop with exit 1, a message naming the file and line (and the
column), no traceback and no results file.
"""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from conftest import ROOT, invoke

from assessor import results
from assessor.data.load import load_tables
from assessor.data.sources import find_sources
from assessor.model.registry import ColumnSpec, TableSpec
from assessor.model.units import Unit
from assessor.project import load_project
from assessor.report import write_report
from assessor.session import read_scheme

EXPORTS = Path(__file__).parent / "exports"
VALID = sorted(p for p in (EXPORTS / "valid").iterdir() if p.is_dir())
BROKEN = sorted(p for p in (EXPORTS / "broken").iterdir() if p.is_dir())
TEMPLATES = {"churn-control": ROOT / "schemes" / "auto-aftersales" / "churn-control.assess"}


def _case(folder: Path, tmp_path: Path) -> tuple[dict, Path]:
    """The case's description, and a copy of its folder with the scheme beside the data."""
    case = yaml.safe_load((folder / "case.yaml").read_text("utf-8"))
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    if case.get("scheme") in TEMPLATES:
        shutil.copy(TEMPLATES[case["scheme"]], copy / "scheme.assess")
    return case, copy


def _table(declared: dict) -> TableSpec:
    """A table declared in case.yaml: columns as [name, type] or [name, type, unit]."""
    columns = tuple(
        ColumnSpec(name, kind, name, name, unit=Unit(unit[0]) if unit else None)
        for name, kind, *unit in declared["columns"]
    )
    return TableSpec(declared["name"], declared["name"], declared["name"], columns)


def _loaded(
    data: Path, tables: tuple[TableSpec, ...], renames: Any = None, encodings: Any = None
) -> dict[str, Any]:
    """Every table's typed rows, in source order, and how many rows were read and used."""
    connection = duckdb.connect()
    sources = find_sources(tables, data, renames, encodings)
    loaded = load_tables(connection, tables, sources)
    rows = {
        t.name: connection.execute(f'SELECT * FROM "{t.name}" ORDER BY rowid').fetchall()
        for t in tables
    }
    counts = {t.name: (t.read, t.rows, t.rejected) for t in loaded}
    return {"rows": rows, "counts": counts}


@pytest.mark.parametrize("folder", VALID, ids=[p.name for p in VALID])
def test_a_messy_export_is_read_as_its_clean_twin(folder: Path, tmp_path: Path) -> None:
    case, copy = _case(folder, tmp_path)
    if "table" in case:
        tables = (_table(case["table"]),)
        messy = _loaded(copy / "data", tables)
    else:
        project = load_project(copy / "assessor.yaml")
        tables = read_scheme(project.scheme, None, {}).scheme.tables
        messy = _loaded(project.data, tables, project.renames, project.encodings(tables))
    clean = _loaded(copy / "clean", tables)
    assert messy == clean
    # nothing lost: every clean record is a row read and used
    for table in tables:
        lines = (copy / "clean" / f"{table.name}.csv").read_text("utf-8").splitlines()
        assert clean["counts"][table.name] == (len(lines) - 1, len(lines) - 1, 0)


@pytest.mark.parametrize(
    "folder", [p for p in VALID if "table" not in yaml.safe_load((p / "case.yaml").read_text())]
)
def test_a_messy_export_gives_the_results_of_its_clean_twin(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, copy = _case(folder, tmp_path)
    first, last = case["periods"]
    monkeypatch.chdir(copy)  # the project: its columns and encodings apply
    messy = invoke("run", "--from", first, "--to", last, "--lang", "zh", "--out", "messy")
    assert messy.exit_code == 0, messy.stderr
    scheme = load_project(copy / "assessor.yaml").scheme
    monkeypatch.chdir(tmp_path)  # no project: the clean twin as it is
    clean = invoke(
        "run",
        scheme,
        "--data",
        copy / "clean",
        "--from",
        first,
        "--to",
        last,
        "--lang",
        "zh",
        "--out",
        "clean",
    )
    assert clean.exit_code == 0, clean.stderr
    assert (copy / "messy" / "results.csv").read_text("utf-8") == (
        tmp_path / "clean" / "results.csv"
    ).read_text("utf-8")
    # the reconciliation is printed for every table, rejects or not
    for line in clean.stdout.splitlines():
        if " rows read = " in line:
            assert line in messy.stdout


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_a_broken_export_is_refused_naming_its_place(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case, copy = _case(folder, tmp_path)
    first, last = case["periods"]
    monkeypatch.chdir(copy)
    outcome = invoke("run", "--from", first, "--to", last, "--out", "out")
    assert outcome.exit_code == 1, outcome.stdout + outcome.stderr
    for fragment in case["expect"]:
        assert fragment in outcome.stderr, f"{fragment!r} not in:\n{outcome.stderr}"
    assert "Traceback" not in outcome.stdout + outcome.stderr
    assert not (copy / "out" / "results.csv").exists()
    assert not list(copy.glob("**/*.tmp"))


def test_an_unknown_encoding_is_a_located_project_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, copy = _case(EXPORTS / "valid" / "declared-encoding", tmp_path)
    text = (copy / "assessor.yaml").read_text("utf-8")
    text = text.replace("visits: gbk", "visits: gbkk\n  tickets: gbk")
    (copy / "assessor.yaml").write_text(text, "utf-8")
    monkeypatch.chdir(copy)
    outcome = invoke("run", "--from", "2015-08", "--to", "2015-12", "--out", "out")
    assert outcome.exit_code == 1
    assert "error[E601] encoding 'gbkk' is not an encoding" in outcome.stderr
    assert "Traceback" not in outcome.stderr


# -- an interrupted write leaves the earlier outputs --------------------------------------------


class _DiskFull(OSError):
    pass


def _fail_after_first_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing fails (as on a full disk) once the first file has been written."""
    calls = []
    original = results._write_text

    def write(text: str, path: Path) -> None:
        calls.append(path)
        if len(calls) > 1:
            path.write_text(text[: len(text) // 2], encoding="utf-8")  # half of it
            raise _DiskFull("no space left on device")
        original(text, path)

    monkeypatch.setattr(results, "_write_text", write)


def test_a_failed_write_leaves_the_earlier_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    before = {"results.csv": "old results\n", "totals.csv": "old totals\n"}
    results.write_atomically(out, before)
    _fail_after_first_file(monkeypatch)
    with pytest.raises(_DiskFull):
        results.write_atomically(
            out, {"results.csv": "new results\n", "totals.csv": "new totals\n" * 100}
        )
    assert {p.name: p.read_text("utf-8") for p in out.iterdir()} == before


def test_a_failed_report_leaves_the_last_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbook's writer fails half-way: report.xlsx is the last one, whole."""
    out = tmp_path / "out"
    write_report("md", out, "考核", [], [], "zh")
    write_report("xlsx", out, "考核", [], [], "zh")
    kept = {p.name: p.read_bytes() for p in out.iterdir()}

    def save(self: Any, path: Path) -> None:
        Path(path).write_bytes(b"PK\x03\x04 half a workbook")
        raise _DiskFull("no space left on device")

    monkeypatch.setattr("openpyxl.Workbook.save", save)
    with pytest.raises(_DiskFull):
        write_report("xlsx", out, "考核", [], [], "zh")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == kept


def test_a_failed_run_leaves_the_earlier_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run writes results.csv, then fails writing totals.csv: the last run's files stay."""
    folder = EXPORTS / "valid" / "dates-every-style"
    scheme = TEMPLATES["churn-control"]
    args = ("run", scheme, "--data", folder / "clean", "--from", "2015-08", "--to", "2015-12")
    assert invoke(*args, "--out", tmp_path / "out").exit_code == 0
    kept = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    _fail_after_first_file(monkeypatch)
    outcome = invoke(*args, "--set", "lapse_months=6", "--out", tmp_path / "out")
    assert outcome.exit_code != 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == kept
    assert not [name for name in os.listdir(tmp_path / "out") if name.endswith(".tmp")]


def test_percentages_and_separators_are_exact() -> None:
    """By hand: 12.5% is 1/8, 0.05% is 1/2000; 1,234.5 is 12345/10."""
    shares = EXPORTS / "valid" / "percent-shares"
    case = yaml.safe_load((shares / "case.yaml").read_text("utf-8"))
    loaded = _loaded(shares / "data", (_table(case["table"]),))
    values = [(row[2], row[3]) for row in loaded["rows"]["shares"]]
    assert values == [
        (Decimal(1) / 8, Decimal("1234.5")),
        (Decimal("0.875"), Decimal(-12)),
        (Decimal(1), Decimal(1000000)),
        (Decimal(1) / 2000, Decimal("0.5")),
    ]
