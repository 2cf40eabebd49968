"""The same scheme gives the same results whatever holds its data: a folder of CSV files, a
folder of Parquet files, an XLSX workbook with a sheet per table, or a DuckDB database file.

The other sources are made from the floor-heating sample's CSV files with typed values (as
a company's systems would write them: numbers as numbers, times as times), so each reader's
conversion back to text is exercised; the expected results are the CSV folder's.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
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


def _titled_workbook(path: Path) -> Path:
    """Title on row 1, a blank row 2, the header on row 3: the second record, whose value is
    bad, is row 5.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "kpi_values"
    sheet.append(["2026年1月 接听率"])
    sheet.append([])
    sheet.append([" subject", "period ", "indicator", "value"])
    sheet.append(["一组", "2026年1月", "接听率", 95.0])
    sheet.append(["二组", "2026/1", "接听率", "9,5"])
    sheet.append([None, None, None, None])
    book.save(path)
    return path


def test_a_bad_cell_below_a_title_is_located_by_its_sheet_row(tmp_path: Path) -> None:
    _titled_workbook(tmp_path / "data.xlsx")
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(KPI_SCHEME, encoding="utf-8")
    outcome = invoke("run", scheme, "--data", tmp_path / "data.xlsx", "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        f"{tmp_path / 'data.xlsx'} [kpi_values]:5 (column 'value'): error[E303] data.xlsx, "
        "sheet kpi_values: row 2: cannot read '9,5' in column 'value' as a number"
    ) in outcome.stderr


def test_a_rejected_row_below_a_title_keeps_its_sheet_row(tmp_path: Path) -> None:
    """The rejects file gives the record's row in the table (2) and in the sheet (5)."""
    data = _titled_workbook(tmp_path / "data.xlsx")
    rejects = tmp_path / "rejects.csv"
    outcome = invoke(
        "run", _kpi_scheme(tmp_path), "--data", data, "--out", tmp_path / "o", "--rejects", rejects
    )
    assert outcome.exit_code == 0, outcome.stderr
    with rejects.open(encoding="utf-8") as handle:
        rejected = [(r["file"], r["row"], r["line"]) for r in csv.DictReader(handle)]
    assert rejected == [("data.xlsx, sheet kpi_values", "2", "5")]


# -- a table split over the files of a folder -----------------------------------------------


def _cut(lines: list[bytes], at: int) -> tuple[bytes, bytes]:
    """A CSV file's lines cut after data row ``at``, each part with the header."""
    header, body = lines[0], lines[1:]
    return b"\n".join([header, *body[:at]]) + b"\n", b"\n".join([header, *body[at:]]) + b"\n"


def _split_sample(folder: Path, table: str, suffix: str = ".csv") -> Path:
    """The sample with ``table`` cut in two at an arbitrary row (not a month boundary) into
    ``table/part-1`` and ``table/part-2``; CSV, or both parts Parquet.
    """
    folder.mkdir()
    for other in TABLES:
        if other != table:
            (folder / f"{other}.csv").write_bytes((SAMPLE / f"{other}.csv").read_bytes())
    lines = (SAMPLE / f"{table}.csv").read_bytes().splitlines()
    parts = folder / table
    parts.mkdir()
    for k, text in enumerate(_cut(lines, (len(lines) - 1) * 3 // 7), start=1):
        (parts / f"part-{k}.csv").write_bytes(text)
        if suffix == ".parquet":
            connection = duckdb.connect()
            connection.execute(
                f"COPY (SELECT * FROM read_csv_auto(?, header=true)) TO "
                f"'{parts / f'part-{k}.parquet'}' (FORMAT parquet)",
                [str(parts / f"part-{k}.csv")],
            )
            (parts / f"part-{k}.csv").unlink()
    return folder


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_table_split_over_a_folder_gives_the_same_results(
    suffix: str, expected: str, tmp_path: Path
) -> None:
    data = _split_sample(tmp_path / "data", "heating_tickets", suffix)
    assert _results(data, tmp_path / "out") == expected


KPI_HEADER = "subject,period,indicator,value\n"


def _kpi_scheme(tmp_path: Path) -> Path:
    scheme = tmp_path / "kpi.assess"
    scheme.write_text(KPI_SCHEME, encoding="utf-8")
    return scheme


def _kpi_folder(tmp_path: Path, *parts: str | bytes) -> Path:
    """A data folder whose kpi_values are the files ``part-1.csv``, ``part-2.csv``, …"""
    folder = tmp_path / "data" / "kpi_values"
    folder.mkdir(parents=True)
    for k, text in enumerate(parts, start=1):
        raw = text if isinstance(text, bytes) else text.encode("utf-8")
        (folder / f"part-{k}.csv").write_bytes(raw)
    return folder.parent


def _amounts(out: Path) -> set[tuple[str, str, str]]:
    with (out / "results.csv").open(encoding="utf-8") as handle:
        return {(r["period"], r["subject"], r["amount"]) for r in csv.DictReader(handle)}


def test_each_file_of_a_folder_has_its_own_encoding(tmp_path: Path) -> None:
    """Part 1 as Chinese Excel saves it (GBK), part 2 in UTF-8: 95 >= 90 pays 100 元, 80
    does not, whichever file the row came from.
    """
    data = _kpi_folder(
        tmp_path,
        (KPI_HEADER + "一组,2026-01,接听率,95\n二组,2026-01,接听率,80\n").encode("gbk"),
        KPI_HEADER + "一组,2026-02,接听率,80\n二组,2026-02,接听率,92.5\n",
    )
    outcome = invoke("run", _kpi_scheme(tmp_path), "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 0, outcome.stderr
    assert _amounts(tmp_path / "o") == {
        ("2026-01", "一组", "100"),
        ("2026-01", "二组", "0"),
        ("2026-02", "一组", "0"),
        ("2026-02", "二组", "100"),
    }


BAD_SECOND_PART = (
    KPI_HEADER + "一组,2026-01,接听率,95\n二组,2026-01,接听率,91\n",
    KPI_HEADER + "一组,2026-02,接听率,96\n二组,2026-02,接听率,九十\n三组,2026-02,接听率,99\n",
)


def test_a_bad_value_in_the_second_file_is_located_in_that_file(tmp_path: Path) -> None:
    """The bad row is the second of part-2.csv, on its line 3 (the header is line 1), not
    the table's fourth row."""
    data = _kpi_folder(tmp_path, *BAD_SECOND_PART)
    outcome = invoke("run", _kpi_scheme(tmp_path), "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        f"{data / 'kpi_values' / 'part-2.csv'}:3 (column 'value'): error[E303] "
        "kpi_values/part-2.csv: row 2: cannot read '九十' in column 'value' as a number"
    ) in outcome.stderr
    assert not (tmp_path / "o" / "results.csv").exists()


def test_rejects_and_manifest_name_each_file_of_a_folder(tmp_path: Path) -> None:
    """Rows: 2 in part 1 and 3 in part 2, read 5 = used 4 + rejected 1. The hashes are
    computed here from the files' bytes; the table's is that of ``sha256sum``'s listing.
    """
    data = _kpi_folder(tmp_path, *BAD_SECOND_PART)
    out, rejects = tmp_path / "o", tmp_path / "rejects.csv"
    outcome = invoke(
        "run", _kpi_scheme(tmp_path), "--data", data, "--out", out, "--rejects", rejects
    )
    assert outcome.exit_code == 0, outcome.stderr
    with rejects.open(encoding="utf-8") as handle:
        rejected = [(r["table"], r["file"], r["row"], r["line"]) for r in csv.DictReader(handle)]
    assert rejected == [("kpi_values", "kpi_values/part-2.csv", "2", "3")]
    hashes = [
        hashlib.sha256((data / "kpi_values" / f"part-{k}.csv").read_bytes()).hexdigest()
        for k in (1, 2)
    ]
    listing = f"{hashes[0]}  part-1.csv\n{hashes[1]}  part-2.csv\n"
    (entry,) = json.loads((out / "manifest.json").read_text("utf-8"))["inputs"]
    assert entry == {
        "table": "kpi_values",
        "file": "kpi_values/",
        "rows": 4,
        "rows_read": 5,
        "rows_rejected": 1,
        "sha256": hashlib.sha256(listing.encode()).hexdigest(),
        "files": [
            {"file": "kpi_values/part-1.csv", "rows_read": 2, "sha256": hashes[0]},
            {"file": "kpi_values/part-2.csv", "rows_read": 3, "sha256": hashes[1]},
        ],
    }


def test_a_file_of_a_folder_without_a_column_is_named(tmp_path: Path) -> None:
    data = _kpi_folder(
        tmp_path, KPI_HEADER + "一组,2026-01,接听率,95\n", "subject,period,value\n一组,2026-02,96\n"
    )
    outcome = invoke("run", _kpi_scheme(tmp_path), "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        f"{data / 'kpi_values' / 'part-2.csv'}:1: error[E302] kpi_values/part-2.csv has no "
        "column 'indicator'"
    ) in outcome.stderr


def test_the_same_key_in_two_files_of_a_folder_is_a_duplicate(tmp_path: Path) -> None:
    data = _kpi_folder(
        tmp_path, KPI_HEADER + "一组,2026-01,接听率,95\n", KPI_HEADER + "一组,2026-01,接听率,80\n"
    )
    outcome = invoke("run", _kpi_scheme(tmp_path), "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert "error[E309] kpi_values/: 2 rows for subject 一组, period 2026-01" in outcome.stderr


def test_an_empty_folder_is_no_table(tmp_path: Path) -> None:
    data = _kpi_folder(tmp_path)
    outcome = invoke("run", _kpi_scheme(tmp_path), "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        f"{data / 'kpi_values'}: error[E301] kpi_values/ is empty: input table 'kpi_values'"
    ) in outcome.stderr


def test_a_folder_beside_a_file_of_the_same_table_is_ambiguous(tmp_path: Path) -> None:
    data = _kpi_folder(tmp_path, KPI_HEADER + "一组,2026-01,接听率,95\n")
    (data / "kpi_values.csv").write_text(KPI_HEADER + "一组,2026-01,接听率,95\n", "utf-8")
    outcome = invoke("run", _kpi_scheme(tmp_path), "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        "error[E301] both kpi_values.csv and kpi_values/ exist for input table 'kpi_values'"
    ) in outcome.stderr


@pytest.mark.parametrize(
    ("name", "what"),
    [("notes.txt", "notes.txt"), ("part-3.parquet", "mixes CSV and Parquet"), ("old", "old/")],
)
def test_a_folder_holds_only_files_of_one_kind(name: str, what: str, tmp_path: Path) -> None:
    """Anything else in a table's folder is refused rather than left unread."""
    data = _kpi_folder(tmp_path, KPI_HEADER + "一组,2026-01,接听率,95\n")
    if name == "old":
        (data / "kpi_values" / name).mkdir()
    else:
        (data / "kpi_values" / name).write_bytes(b"")
    outcome = invoke("run", _kpi_scheme(tmp_path), "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert "error[E301] kpi_values/" in outcome.stderr
    assert what in outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_parquet_files_storing_a_column_in_different_types_are_read_as_text(
    tmp_path: Path,
) -> None:
    """value is a DOUBLE in part 1 and text in part 2: each row is read as a person would
    see it, and the bad row is the second of part-2.parquet (no line: Parquet has none)."""
    folder = tmp_path / "data" / "kpi_values"
    folder.mkdir(parents=True)
    connection = duckdb.connect()
    connection.execute(
        "COPY (SELECT '一组' AS subject, DATE '2026-01-01' AS period, '接听率' AS indicator, "
        f"95.0::DOUBLE AS value) TO '{folder / 'part-1.parquet'}' (FORMAT parquet)"
    )
    connection.execute(
        "COPY (SELECT * FROM (VALUES ('一组', '2026-02', '接听率', '96'), "
        "('二组', '2026-02', '接听率', 'n/a')) AS t(subject, period, indicator, value)) "
        f"TO '{folder / 'part-2.parquet'}' (FORMAT parquet)"
    )
    scheme = _kpi_scheme(tmp_path)
    outcome = invoke("run", scheme, "--data", folder.parent, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert (
        f"{folder / 'part-2.parquet'} (column 'value'): error[E303] kpi_values/part-2.parquet: "
        "row 2: cannot read 'n/a' in column 'value' as a number"
    ) in outcome.stderr
    outcome = invoke(
        "run", scheme, "--data", folder.parent, "--out", tmp_path / "o",
        "--rejects", tmp_path / "r.csv",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert _amounts(tmp_path / "o") == {("2026-01", "一组", "100"), ("2026-02", "一组", "100")}
