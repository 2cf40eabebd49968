"""Input files -> typed tables in the backend, checked before any rule sees them.

A data folder holds one file per input table, named after it: ``visits.csv`` or
``visits.parquet``. Values are parsed by DuckDB itself (no rows pass through Python); what
cannot be read is an error naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from assessor.errors import AssessorError, DataLocation, Diagnostic, fail
from assessor.model.registry import ColumnSpec, TableSpec

_SQL_TYPES = {
    "integer": "BIGINT",
    "text": "VARCHAR",
    "date": "DATE",
    "decimal": "DECIMAL(38,9)",
    "month": "VARCHAR",  # read as text, then turned into the month's first day
}
# 2026-03 or any date (2026-03-15): the first day of that month
_MONTH = (
    "CASE WHEN regexp_full_match(trim({x}), '\\d{{4}}-\\d{{1,2}}') "
    "THEN CAST(try_strptime(trim({x}) || '-01', '%Y-%m-%d') AS DATE) "
    "ELSE CAST(date_trunc('month', try_cast(trim({x}) AS DATE)) AS DATE) END"
)
_SUFFIXES = (".csv", ".parquet")


@attrs.frozen
class LoadedTable:
    """A table registered with the backend: where it came from and how many rows it has."""

    name: str
    path: Path
    rows: int
    sha256: str


def find_files(specs: Iterable[TableSpec], folder: Path) -> dict[str, Path]:
    """The file of every table, or one error listing every table without a file."""
    if not folder.is_dir():
        fail(
            "E301",
            f"data folder {str(folder)!r} does not exist",
            DataLocation(str(folder)),
            "pass the folder holding one file per input table with --data",
        )
    found: dict[str, Path] = {}
    problems = []
    for spec in specs:
        candidates = [
            folder / f"{spec.name}{s}" for s in _SUFFIXES if (folder / f"{spec.name}{s}").is_file()
        ]
        if len(candidates) == 1:
            found[spec.name] = candidates[0]
            continue
        names = " or ".join(f"{spec.name}{s}" for s in _SUFFIXES)
        message = (
            f"no file for input table {spec.name!r} ({spec.label_zh})"
            if not candidates
            else f"both {spec.name}.csv and {spec.name}.parquet exist for input table {spec.name!r}"
        )
        problems.append(
            Diagnostic(
                "E301",
                message,
                DataLocation(str(folder)),
                f"put exactly one of {names} in the data folder; columns: "
                + ", ".join(c.name for c in spec.columns),
            )
        )
    if problems:
        raise AssessorError(problems)
    return found


def load_tables(
    connection: Any, specs: Iterable[TableSpec], files: dict[str, Path]
) -> list[LoadedTable]:
    """Create one typed table per input in a DuckDB connection and check it.

    Raises with a located diagnostic for a missing column, an unreadable value, an empty
    required value or an empty table.
    """
    loaded = []
    for spec in specs:
        path = files[spec.name]
        if path.suffix == ".csv":
            _load_csv(connection, spec, path)
        else:
            _load_parquet(connection, spec, path)
        _convert_months(connection, spec, path)
        rows, blanks = _table_stats(connection, spec, path)
        if rows == 0:
            fail(
                "E304",
                f"input table {spec.name!r} has no rows",
                DataLocation(str(path)),
                "export the records again; an empty export usually means a wrong filter",
            )
        _check_no_blanks(spec, path, blanks)
        _check_unique_rows(connection, spec, path)
        loaded.append(LoadedTable(spec.name, path, rows, file_sha256(path)))
    return loaded


def _convert_months(connection: Any, spec: TableSpec, path: Path) -> None:
    """Turn month columns (2026-03 or a date) into the first day of the month, or point at the
    first value that is neither.
    """
    for column in (c for c in spec.columns if c.type == "month"):
        text = f'CAST("{column.name}" AS VARCHAR)'
        month = _MONTH.format(x=text)
        bad = _query(
            connection,
            f'SELECT rowid, {text} FROM "{spec.name}" WHERE "{column.name}" IS NOT NULL '
            f"AND ({month}) IS NULL ORDER BY rowid LIMIT 1",
        )
        if bad:
            line = int(bad[0][0]) + 2 if path.suffix == ".csv" else None
            fail(
                "E303",
                f"{path.name}: cannot read {bad[0][1]!r} in column {column.name!r} as a month",
                DataLocation(str(path), line, column.name),
                "write months as YYYY-MM (e.g. 2026-03) or as a date (2026-03-01)",
            )
        _query(
            connection,
            f'ALTER TABLE "{spec.name}" ALTER "{column.name}" SET DATA TYPE DATE USING {month}',
        )


def _check_unique_rows(connection: Any, spec: TableSpec, path: Path) -> None:
    """Two rows for the same key (a subject's KPI in a month) would be counted twice."""
    if not spec.key:
        return
    keys = ", ".join(f'"{k}"' for k in spec.key)
    found = _query(
        connection,
        f'SELECT {keys}, count(*) FROM "{spec.name}" GROUP BY {keys} HAVING count(*) > 1 '
        f"ORDER BY {keys} LIMIT 1",
    )
    if found:
        *values, count = found[0]
        shown = ", ".join(
            f"{k} {v:%Y-%m}" if hasattr(v, "year") else f"{k} {v}"
            for k, v in zip(spec.key, values, strict=True)
        )
        fail(
            "E309",
            f"{path.name}: {count} rows for {shown}",
            DataLocation(str(path)),
            "keep one row per " + ", ".join(spec.key) + "; add the values up before exporting "
            "if they are parts of one number",
        )


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (files may be larger than memory)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except UnicodeDecodeError:
        _not_utf8(path, _first_undecodable_line(path))


def _not_utf8(path: Path, line: int | None) -> None:
    fail(
        "E303",
        f"{path.name} is not UTF-8 text",
        DataLocation(str(path), line),
        "save the file as CSV UTF-8 (Excel: 另存为 > CSV UTF-8); GBK files are read in a "
        "later version",
    )


def _first_undecodable_line(path: Path) -> int | None:
    """Only on the error path: the first line that is not valid UTF-8."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _require_columns(spec: TableSpec, path: Path, header: list[str]) -> None:
    missing = [c.name for c in spec.columns if c.name not in header]
    if missing:
        fail(
            "E302",
            f"{path.name} has no column {', '.join(repr(c) for c in missing)}",
            DataLocation(str(path), 1),
            f"its header is: {', '.join(header) or '(empty)'}; expected: "
            + ", ".join(c.name for c in spec.columns),
        )


def _load_csv(connection: Any, spec: TableSpec, path: Path) -> None:
    header = _csv_header(path)
    _require_columns(spec, path, header)
    types = {c.name: _SQL_TYPES[c.type] for c in spec.columns}
    columns = ", ".join(f"'{_sql_string(h)}': '{types.get(h, 'VARCHAR')}'" for h in header)
    rejects = f"rejects_{spec.name}"
    _query(
        connection,
        f'CREATE OR REPLACE TABLE "{spec.name}" AS SELECT {_select_list(spec)} FROM read_csv('
        f"?, header=true, columns={{{columns}}}, store_rejects=true, "
        f"rejects_table='{rejects}', rejects_scan='{rejects}_scan', auto_detect=false, "
        "delim=',', quote='\"', escape='\"')",
        [str(path)],
    )
    bad = _query(
        connection, f"SELECT line, column_name, error_message FROM {rejects} ORDER BY line LIMIT 1"
    )
    if bad:
        line, column, message = bad[0]
        if "unicode" in message.lower():
            _not_utf8(path, int(line))
        spec_column = spec.column(column) if column else None
        fail(
            "E303",
            f"{path.name}: " + _unreadable(column, spec_column),
            DataLocation(str(path), int(line), column),
            _reject_hint(spec_column.type if spec_column else None, message),
        )


_TYPE_WORDS = {"date": "a date", "integer": "a whole number", "decimal": "a number", "text": "text"}


def _unreadable(column: str | None, spec_column: ColumnSpec | None) -> str:
    if column is None:
        return "this line does not have the header's number of fields"
    expected = _TYPE_WORDS[spec_column.type] if spec_column else "a value"
    return f"cannot read the value in column {column!r} as {expected}"


def _reject_hint(column_type: str | None, message: str) -> str:
    if column_type == "date":
        return "write dates as YYYY-MM-DD, e.g. 2015-08-01"
    if column_type == "integer":
        return "this column holds whole numbers"
    return message.splitlines()[0]


def _load_parquet(connection: Any, spec: TableSpec, path: Path) -> None:
    described = _query(connection, "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)])
    _require_columns(spec, path, [row[0] for row in described])
    _query(
        connection,
        f'CREATE OR REPLACE {_relation_kind(spec)} "{spec.name}" AS SELECT '
        f"{_select_list(spec, cast=True)} FROM read_parquet('{_sql_string(str(path))}')",
    )


def _relation_kind(spec: TableSpec) -> str:
    """A view reads the file on each query; a table is needed where months are converted."""
    return "TABLE" if any(c.type == "month" for c in spec.columns) else "VIEW"


def _select_list(spec: TableSpec, cast: bool = False) -> str:
    if not cast:
        return ", ".join(f'"{c.name}"' for c in spec.columns)
    return ", ".join(
        f'CAST("{c.name}" AS {_SQL_TYPES[c.type]}) AS "{c.name}"' for c in spec.columns
    )


def _table_stats(connection: Any, spec: TableSpec, path: Path) -> tuple[int, list[int]]:
    """Rows and blanks per declared column, in one scan (a Parquet view is read again on each
    query). Reading a Parquet view is also where a value of the wrong type shows up.
    """
    counts = ", ".join(f'count(*) FILTER (WHERE "{c.name}" IS NULL)' for c in spec.columns)
    try:
        row = _query(connection, f'SELECT count(*), {counts} FROM "{spec.name}"')[0]
    except Exception as error:  # duckdb raises its own ConversionException hierarchy
        fail(
            "E303",
            f"{path.name}: a value has the wrong type",
            DataLocation(str(path)),
            str(error).splitlines()[0],
        )
    return row[0], list(row[1:])


def _check_no_blanks(spec: TableSpec, path: Path, blanks_per_column: list[int]) -> None:
    """Every declared column is required: a blank would silently drop a row from a rate."""
    for column, blanks in zip(spec.columns, blanks_per_column, strict=True):
        if blanks:
            line = _first_blank_line(path, column.name) if path.suffix == ".csv" else None
            fail(
                "E305",
                f"{path.name}: {blanks} row(s) have no value in column {column.name!r}",
                DataLocation(str(path), line, column.name),
                f"fill in {column.label_en} ({column.label_zh}) or remove the row",
            )


def _first_blank_line(path: Path, column: str) -> int | None:
    """Only on the error path: find the line of the first blank value to point at it."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            if not (record.get(column) or "").strip():
                return reader.line_num
    return None


def _query(connection: Any, sql: str, parameters: list | None = None) -> list[tuple]:
    """Run one statement and fetch all of it (DuckDB refuses new work while a result is open)."""
    return connection.execute(sql, parameters or []).fetchall()


def _sql_string(text: str) -> str:
    return text.replace("'", "''")
