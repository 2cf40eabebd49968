"""The same scheme gives the same results whatever holds its data: a folder of CSV files, a
folder of Parquet files, an XLSX workbook with a sheet per table, or a DuckDB database file.

The other sources are made from the floor-heating sample's CSV files with typed values (as
a company's systems would write them: numbers as numbers, times as times), so each reader's
conversion back to text is exercised; the expected results are the CSV folder's.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, invoke
from openpyxl import Workbook

SCHEME = ROOT / "schemes" / "floor-heating" / "customer-relations.assess"
SAMPLE = SCHEME.with_name("sample-data")
TABLES = sorted(p.stem for p in SAMPLE.glob("*.csv"))


def _typed(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    """The sample table with column types detected, as another system would store it."""
    connection.execute(
        f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto(?, header=true)",
        [str(SAMPLE / f"{table}.csv")],
    )


def _parquet_folder(folder: Path) -> Path:
    folder.mkdir()
    connection = duckdb.connect()
    for table in TABLES:
        _typed(connection, table)
        connection.execute(f"COPY {table} TO '{folder / table}.parquet' (FORMAT parquet)")
    return folder


def _database(path: Path) -> Path:
    with duckdb.connect(str(path)) as connection:
        for table in TABLES:
            _typed(connection, table)
    return path


def _workbook(path: Path) -> Path:
    connection = duckdb.connect()
    book = Workbook(write_only=True)
    for table in TABLES:
        _typed(connection, table)
        result = connection.execute(f"SELECT * FROM {table}")
        sheet = book.create_sheet(table)
        sheet.append([column[0] for column in result.description])
        for row in result.fetchall():
            # Excel keeps whole numbers as doubles, like the files companies export
            sheet.append([float(v) if isinstance(v, int) else v for v in row])
    book.save(path)
    return path


def _mixed_line_endings(folder: Path) -> Path:
    """The sample CSVs with lines ending in LF, CRLF and CR by turns, as when rows are added
    to an export by another program.
    """
    folder.mkdir()
    for table in TABLES:
        lines = (SAMPLE / f"{table}.csv").read_bytes().splitlines()
        endings = [b"\n", b"\r\n", b"\r"]
        text = b"".join(line + endings[i % 3] for i, line in enumerate(lines))
        (folder / f"{table}.csv").write_bytes(text)
    return folder


SOURCES = {
    "csv with mixed line endings": _mixed_line_endings,
    "parquet": _parquet_folder,
    "duckdb": lambda tmp: _database(tmp.with_suffix(".duckdb")),
    "xlsx": lambda tmp: _workbook(tmp.with_suffix(".xlsx")),
}


def _results(data: Path, out: Path) -> str:
    outcome = invoke("run", SCHEME, "--data", data, "--out", out)
    assert outcome.exit_code == 0, outcome.stderr
    return (out / "results.csv").read_text("utf-8")


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _results(SAMPLE, tmp_path_factory.mktemp("csv"))


@pytest.mark.parametrize("kind", SOURCES)
def test_every_source_gives_the_same_results(kind: str, expected: str, tmp_path: Path) -> None:
    data = SOURCES[kind](tmp_path / "data")
    assert _results(data, tmp_path / "out") == expected


def test_a_bad_value_after_mixed_line_endings_keeps_its_line_number(tmp_path: Path) -> None:
    data = _mixed_line_endings(tmp_path / "data")
    path = data / f"{TABLES[0]}.csv"
    lines = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    header = lines[0].decode().split(",")
    date = next(i for i, name in enumerate(header) if "date" in name or name.endswith("_at"))
    cells = lines[4].decode().split(",")
    cells[date] = "not a date"
    path.write_bytes(path.read_bytes().replace(lines[4], ",".join(cells).encode(), 1))
    outcome = invoke("run", SCHEME, "--data", data, "--out", tmp_path / "out")
    assert outcome.exit_code == 1
    assert f"{path.name}:5" in outcome.stderr, outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_a_workbook_without_a_sheet_names_what_it_has(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "heating_tickets"
    book.save(tmp_path / "data.xlsx")
    outcome = invoke("run", SCHEME, "--data", tmp_path / "data.xlsx", "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert "error[E301] data.xlsx has no sheet 'heating_surveys'" in outcome.stderr
    assert "it has: heating_tickets" in outcome.stderr


def test_a_bad_cell_is_located_by_sheet_row_and_column(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "kpi_values"
    sheet.append(["subject", "period", "indicator", "value"])
    sheet.append(["一组", dt.date(2026, 1, 1), "接听率", 95.0])
    sheet.append(["二组", dt.date(2026, 1, 1), "接听率", "九十"])
    book.save(tmp_path / "data.xlsx")
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(
        'scheme "接听" period month window 2026-01 .. 2026-01\n'
        "role team from kpi_values.subject\n"
        'rule 接听 for team when kpi("接听率") >= 90 reward 100 元\n',
        encoding="utf-8",
    )
    outcome = invoke("run", scheme, "--data", tmp_path / "data.xlsx", "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        f"{tmp_path / 'data.xlsx'} [kpi_values]:3 (column 'value'): error[E303] data.xlsx, "
        "sheet kpi_values: row 2: cannot read '九十' in column 'value' as a number"
    ) in outcome.stderr


KPI_SCHEME = (
    'scheme "接听" period month window 2026-01 .. 2026-02\n'
    "role team from kpi_values.subject\n"
    'rule 接听 for team when kpi("接听率") >= 90 reward 100 元\n'
)


def _kpi_database(path: Path, values: str) -> Path:
    """kpi_values stored typed: a DATE per month (any day of it) and a DOUBLE per value."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "CREATE TABLE kpi_values (subject VARCHAR, period DATE, indicator VARCHAR, "
            "value DOUBLE)"
        )
        connection.execute(f"INSERT INTO kpi_values VALUES {values}")
    return path


def test_a_typed_database_table_is_read_in_place(tmp_path: Path) -> None:
    """Dates in the month's middle are that month; 95 >= 90 pays, 80 does not."""
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(KPI_SCHEME, encoding="utf-8")
    data = _kpi_database(
        tmp_path / "data.duckdb",
        "('一组', DATE '2026-01-15', '接听率', 95.0), ('一组', DATE '2026-02-03', '接听率', 80.0)",
    )
    outcome = invoke("run", scheme, "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 0, outcome.stderr
    with (tmp_path / "o" / "results.csv").open(encoding="utf-8") as handle:
        amounts = {(r["period"], r["amount"]) for r in csv.DictReader(handle)}
    assert amounts == {("2026-01", "100"), ("2026-02", "0")}


def test_a_blank_in_a_typed_database_table_is_located_by_table_row_and_column(
    tmp_path: Path,
) -> None:
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(KPI_SCHEME, encoding="utf-8")
    data = _kpi_database(
        tmp_path / "data.duckdb",
        "('一组', DATE '2026-01-01', '接听率', 95.0), ('二组', DATE '2026-01-01', '接听率', NULL)",
    )
    outcome = invoke("run", scheme, "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        f"{data} [kpi_values] (column 'value'): error[E305] data.duckdb, table kpi_values: "
        "row 2: no value in column 'value'"
    ) in outcome.stderr


def test_a_bad_cell_below_a_title_is_located_by_its_sheet_row(tmp_path: Path) -> None:
    """Title on row 1, a blank row 2, the header on row 3: the second record is row 5."""
    book = Workbook()
    sheet = book.active
    sheet.title = "kpi_values"
    sheet.append(["2026年1月 接听率"])
    sheet.append([])
    sheet.append([" subject", "period ", "indicator", "value"])
    sheet.append(["一组", "2026年1月", "接听率", 95.0])
    sheet.append(["二组", "2026/1", "接听率", "9,5"])
    sheet.append([None, None, None, None])
    book.save(tmp_path / "data.xlsx")
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(KPI_SCHEME, encoding="utf-8")
    outcome = invoke("run", scheme, "--data", tmp_path / "data.xlsx", "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        f"{tmp_path / 'data.xlsx'} [kpi_values]:5 (column 'value'): error[E303] data.xlsx, "
        "sheet kpi_values: row 2: cannot read '9,5' in column 'value' as a number"
    ) in outcome.stderr
