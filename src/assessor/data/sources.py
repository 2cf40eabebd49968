"""Where each input table's rows come from, and how the engine reads them.

``--data`` is a folder with one file per table (``visits.csv`` or ``visits.parquet``), an
XLSX workbook with one sheet per table (the sheet named after the table, the header in its
first row), or a DuckDB database file with one table per input. A Parquet file or a database
table is read in place, each column in its stored type; a CSV file or a sheet is text, copied
once into a raw table. Either way ``data.rows`` then types and checks the declared columns.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from assessor.data.rows import drop_table, query, quoted, raw_name, sql_literal
from assessor.errors import AssessorError, DataLocation, Diagnostic, fail
from assessor.model.registry import TableSpec

_FILE_SUFFIXES = (".csv", ".parquet")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
DATABASE_SUFFIXES = (".duckdb", ".db")


@attrs.frozen
class Source:
    """One input table's source: a file, or a sheet of a workbook or table of a database
    (``part``).
    """

    path: Path
    kind: str  # csv, parquet, xlsx or duckdb
    part: str | None = None
    # the company's own name of a declared column, where it differs: (declared, own)
    renames: tuple[tuple[str, str], ...] = ()

    def column(self, declared: str) -> str:
        """The source's name of a declared column."""
        return dict(self.renames).get(declared, declared)

    @property
    def name(self) -> str:
        """How messages name it: ``visits.csv``, ``data.xlsx, sheet visits``."""
        if self.part is None:
            return self.path.name
        word = "sheet" if self.kind == "xlsx" else "table"
        return f"{self.path.name}, {word} {self.part}"

    def line(self, row: int) -> int | None:
        """The line (or sheet row) of a data row counted from 0; the header is line 1."""
        return row + 2 if self.kind in ("csv", "xlsx") else None

    def location(self, row: int | None = None, column: str | None = None) -> DataLocation:
        """A place in the source, for a diagnostic."""
        where = str(self.path) if self.part is None else f"{self.path} [{self.part}]"
        return DataLocation(where, None if row is None else self.line(row), column)


def find_sources(
    specs: Iterable[TableSpec], data: Path, renames: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Source]:
    """The source of every table, or one error listing every table without one.

    ``renames`` gives, per table, the company's own names of declared columns.
    """
    specs = list(specs)
    found = _find_sources(specs, data)
    return {
        name: attrs.evolve(source, renames=tuple(sorted((renames or {}).get(name, {}).items())))
        for name, source in found.items()
    }


def _find_sources(specs: list[TableSpec], data: Path) -> dict[str, Source]:
    if data.suffix.lower() in WORKBOOK_SUFFIXES and data.is_file():
        return _parts(specs, data, "xlsx", _sheet_names(data), "sheet")
    if data.suffix.lower() in DATABASE_SUFFIXES and data.is_file():
        return _parts(specs, data, "duckdb", _database_tables(data), "table")
    if not data.is_dir():
        fail(
            "E301",
            f"data {str(data)!r} does not exist",
            DataLocation(str(data)),
            "pass the folder holding one file per input table, an .xlsx workbook with a sheet "
            "per table or a .duckdb database with --data",
        )
    found: dict[str, Source] = {}
    problems = []
    for spec in specs:
        candidates = [
            Source(data / f"{spec.name}{s}", s[1:])
            for s in _FILE_SUFFIXES
            if (data / f"{spec.name}{s}").is_file()
        ]
        if len(candidates) == 1:
            found[spec.name] = candidates[0]
            continue
        names = " or ".join(f"{spec.name}{s}" for s in _FILE_SUFFIXES)
        message = (
            f"no file for input table {spec.name!r} ({spec.label_zh})"
            if not candidates
            else f"both {spec.name}.csv and {spec.name}.parquet exist for input table {spec.name!r}"
        )
        problems.append(
            Diagnostic(
                "E301",
                message,
                DataLocation(str(data)),
                f"put exactly one of {names} in the data folder; columns: "
                + ", ".join(c.name for c in spec.columns),
            )
        )
    if problems:
        raise AssessorError(problems)
    return found


def _parts(
    specs: list[TableSpec], path: Path, kind: str, parts: list[str], word: str
) -> dict[str, Source]:
    missing = [spec for spec in specs if spec.name not in parts]
    if missing:
        raise AssessorError(
            [
                Diagnostic(
                    "E301",
                    f"{path.name} has no {word} {spec.name!r} ({spec.label_zh})",
                    DataLocation(str(path)),
                    f"add a {word} named {spec.name} with the columns "
                    + ", ".join(c.name for c in spec.columns)
                    + f"; it has: {', '.join(parts) or 'none'}",
                )
                for spec in missing
            ]
        )
    return {spec.name: Source(path, kind, spec.name) for spec in specs}


@attrs.frozen
class Stage:
    """An input table's rows as the engine reads them, before they are typed and checked.

    ``relation`` is SQL to read after FROM, giving the declared columns under their declared
    names in source order; ``types`` is the SQL type of each (by declared name). ``table``
    names the working table holding the rows when they were copied (numbered in source order
    by their rowid), or is None when they are read in place from the source.
    """

    relation: str
    types: Mapping[str, str]
    table: str | None = None


def open_source(connection: Any, spec: TableSpec, source: Source) -> Stage:
    """Make a table's declared columns readable by the engine, checking the source has them.

    Text sources (CSV, XLSX) are copied into a raw table of text; typed ones (Parquet, a
    database table) are not copied.
    """
    readers = {
        "csv": _load_csv,
        "parquet": _parquet_stage,
        "xlsx": _load_sheet,
        "duckdb": _database_stage,
    }
    return readers[source.kind](connection, spec, source)


def numbered(connection: Any, spec: TableSpec, stage: Stage) -> Stage:
    """The stage as a working table, whose rowids number the rows in source order.

    Only bad rows need numbers (for the report and the rejects file), so a source read in
    place is copied only then.
    """
    if stage.table is not None:
        return stage
    name = raw_name(spec)
    query(connection, f"CREATE OR REPLACE TABLE {quoted(name)} AS SELECT * FROM {stage.relation}")
    return Stage(quoted(name), stage.types, name)


def close_stage(connection: Any, stage: Stage) -> None:
    """Drop the stage's working table, if it has one."""
    if stage.table is not None:
        drop_table(connection, stage.table)


def _require_columns(spec: TableSpec, source: Source, header: list[str]) -> None:
    missing = [
        _own_name(source, c.name) for c in spec.columns if source.column(c.name) not in header
    ]
    if missing:
        location = source.location()
        if source.kind in ("csv", "xlsx"):
            location = attrs.evolve(location, row=1)
        fail(
            "E302",
            f"{source.name} has no column {', '.join(repr(c) for c in missing)}",
            location,
            f"its header is: {', '.join(header) or '(empty)'}; expected: "
            + ", ".join(source.column(c.name) for c in spec.columns),
        )


# -- CSV and Parquet files ------------------------------------------------------------------


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


def _load_csv(connection: Any, spec: TableSpec, source: Source) -> Stage:
    path = source.path
    header = _csv_header(path)
    _require_columns(spec, source, header)
    columns = ", ".join(f"{sql_literal(h)}: 'VARCHAR'" for h in header)
    rejects = f"rejects_{spec.name}"
    query(
        connection,
        f'CREATE OR REPLACE TABLE "{raw_name(spec)}" AS SELECT {_select_list(spec, source)} FROM '
        f"read_csv(?, header=true, columns={{{columns}}}, store_rejects=true, "
        f"rejects_table='{rejects}', rejects_scan='{rejects}_scan', auto_detect=false, "
        "delim=',', quote='\"', escape='\"')",
        [str(path)],
    )
    bad = query(connection, f"SELECT line, error_message FROM {rejects} ORDER BY line LIMIT 1")
    for table in (rejects, f"{rejects}_scan"):
        drop_table(connection, table)  # read; only the first malformed line is reported
    if bad:
        line, message = bad[0]
        if "unicode" in message.lower():
            _not_utf8(path, int(line))
        fail(
            "E303",
            f"{path.name}: this line does not have the header's number of fields",
            DataLocation(str(path), int(line)),
            message.splitlines()[0],
        )
    return _text_stage(spec)


def _parquet_stage(connection: Any, spec: TableSpec, source: Source) -> Stage:
    path = sql_literal(str(source.path))
    return _typed_stage(connection, spec, source, f"read_parquet({path})")


# -- DuckDB database files ------------------------------------------------------------------


def _database_tables(path: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as database:
        return [row[0] for row in database.execute("SHOW TABLES").fetchall()]


def _database_stage(connection: Any, spec: TableSpec, source: Source) -> Stage:
    alias = "assessor_source"
    attached = {row[0] for row in query(connection, "SELECT database_name FROM duckdb_databases()")}
    if alias not in attached:
        query(connection, f"ATTACH {sql_literal(str(source.path))} AS {alias} (READ_ONLY)")
    return _typed_stage(connection, spec, source, f"{alias}.main.{quoted(spec.name)}")


# -- XLSX workbooks -------------------------------------------------------------------------


def _sheet_names(path: Path) -> list[str]:
    from python_calamine import CalamineWorkbook

    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def _load_sheet(connection: Any, spec: TableSpec, source: Source) -> Stage:
    """A sheet's cells as text. A workbook has to be decoded in Python (the engine cannot
    read XLSX offline); each cell becomes the text a person would have typed into a CSV file.
    """
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(source.path)).get_sheet_by_name(source.part)
    rows = sheet.to_python(skip_empty_area=False)
    header = [str(cell).strip() for cell in rows[0]] if rows else []
    _require_columns(spec, source, header)
    body = [row for row in rows[1:] if any(cell not in ("", None) for cell in row)]
    columns = {
        c.name: pa.array(
            [cell_text(row[header.index(source.column(c.name))]) for row in body], pa.string()
        )
        for c in spec.columns
    }
    connection.register("assessor_sheet", pa.table(columns))
    try:
        query(
            connection,
            f'CREATE OR REPLACE TABLE "{raw_name(spec)}" AS SELECT {_select_list(spec, source)} '
            "FROM assessor_sheet",
        )
    finally:
        connection.unregister("assessor_sheet")
    return _text_stage(spec)


def cell_text(value: Any) -> str | None:
    """A workbook cell as text: 12 not 12.0, dates as YYYY-MM-DD, times with seconds."""
    import datetime as dt

    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


# -- SQL helpers ----------------------------------------------------------------------------


def _own_name(source: Source, declared: str) -> str:
    own = source.column(declared)
    return own if own == declared else f"{own} (for {declared})"


def _select_list(spec: TableSpec, source: Source) -> str:
    return ", ".join(f"{quoted(source.column(c.name))} AS {quoted(c.name)}" for c in spec.columns)


def _text_stage(spec: TableSpec) -> Stage:
    """The stage of a text source, copied into its raw table."""
    name = raw_name(spec)
    return Stage(quoted(name), {c.name: "VARCHAR" for c in spec.columns}, name)


def _typed_stage(connection: Any, spec: TableSpec, source: Source, table: str) -> Stage:
    """The stage of a typed source read in place: its declared columns, renamed, with the
    types it stores them in.
    """
    described = {row[0]: row[1] for row in query(connection, f"DESCRIBE SELECT * FROM {table}")}
    _require_columns(spec, source, list(described))
    types = {c.name: described[source.column(c.name)] for c in spec.columns}
    return Stage(f"(SELECT {_select_list(spec, source)} FROM {table})", types)
