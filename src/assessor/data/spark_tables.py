"""Input tables already in Spark, checked and used where they are.

``--data spark:DATABASE`` (or ``spark:CATALOG.DATABASE``) names a database of the catalog of
the Spark session that runs the plan: a data lake's Hive metastore, Delta or Parquet tables.
Each declared input table is the table or view of its name there (its columns may carry the
company's own names: ``columns:`` in assessor.yaml). Nothing is copied out of Spark. Each
table's declared columns are typed and checked by Spark SQL, with the same checks as a file's
(``data.rows``: types, blanks, ranges, choices and row rules, which are Ibis predicates
compiled for Spark), and the plan then reads a temporary view of the run, under the input's
name: the declared columns, typed, without the bad rows. The company's tables are only read.

A Spark table has no line numbers and, as a rule, no primary key. A bad row is named by the
table's declared key (``ticket_id=GD17``) when it has one, else by its values. Only the few
bad rows shown (and, with ``--rejects``, the rejected ones) come back to Python.

The SQL here, and the checks ``data.rows`` builds, are written as standard SQL (identifiers in
double quotes, ``''`` inside texts, ``VARCHAR``); ``spark_sql`` turns each statement into
Spark's own spelling before it runs. The row rules come from Ibis, already in Spark's. The
checks' SQL is shared with PostgreSQL (``data.in_engine_check``); this module holds what is
Spark's own: how tables are found and values read, how bad rows are set aside, the rejects and
the fingerprint.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from assessor.data import rows
from assessor.data.in_engine import (
    DATE_PARTS,
    DAY,
    GROUPED,
    GROUPED_NUMBER,
    MONTH,
    NUMBER,
    PERCENT,
    TIME,
    WHOLE,
    TableInEngine,
    no_table,
)
from assessor.data.in_engine_check import EngineSql, Stage, check_in_place
from assessor.data.load import LoadedTable
from assessor.data.rows import Reading, quoted, sql_literal
from assessor.errors import AssessorError, DataLocation, fail, suggest
from assessor.model.registry import ColumnSpec, RowRule, TableSpec

PREFIX = "spark:"
_DIALECT = "spark"
# a part of a database's name: anything but a dot, a space or a backtick
_NAME = re.compile(r"[^\s.`]+")

# -- reading text as a declared type (standard SQL; ``spark_sql`` spells it for Spark) -------
# The forms a CSV file's column reads are patterns shared with PostgreSQL (``data.in_engine``).
# Spark's own cast reads more (2015-08 as a date, a date followed by anything), so each form is
# matched first; a value that matches none, or no real day, is null.
_DEC = "DECIMAL(38,9)"
# Spark's types whose every value converts exactly into a declared type; any other is read
# as text (a float as the text Spark shows: 8.5, 1.0E7)
_INTEGERS = frozenset({"tinyint", "smallint", "int", "bigint"})
_TIMES = frozenset({"date", "timestamp", "timestamp_ntz"})
_DECIMAL_TYPE = re.compile(r"decimal\((\d+),\s*(\d+)\)")
# DECIMAL(38,9) holds 29 digits before the point
_WHOLE_DIGITS = 29


@attrs.frozen
class SparkData:
    """Input tables already in a database of the Spark session's catalog: ``database`` is
    ``NAME`` or ``CATALOG.NAME``.
    """

    database: str

    @property
    def shown(self) -> str:
        """The data as written: ``spark:dealer``."""
        return f"{PREFIX}{self.database}"

    @property
    def relation(self) -> str:
        """The database's qualified SQL name (standard quoting)."""
        return ".".join(quoted(part) for part in self.database.split("."))


def parse_spark_data(text: str) -> SparkData | None:
    """The Spark database a ``--data`` value (or ``data:`` in assessor.yaml) names, or None
    for anything else (a path, a URL). Raises ValueError with a sentence for the person when
    ``spark:`` is followed by no database's name.
    """
    if not text.lower().startswith(PREFIX) or text.lower().startswith("spark://"):
        return None
    name = text[len(PREFIX) :].strip()
    parts = name.split(".")
    if len(parts) > 2 or not all(_NAME.fullmatch(part) for part in parts):
        raise ValueError(
            f"{text!r} names no database of Spark; write spark:DATABASE or "
            "spark:CATALOG.DATABASE (a database of the Spark session's catalog)"
        )
    return SparkData(name)


@attrs.frozen
class TableInSpark(TableInEngine):
    """An input table's source in Spark: a table or view of the database (``container``),
    the columns that name a row (the table's declared key, by the source's names), and the
    company's own names of columns.
    """

    @property
    def relation(self) -> str:
        """The qualified SQL name (standard quoting)."""
        return f"{SparkData(self.container).relation}.{quoted(self.table)}"


def spark_sql(text: str) -> str:
    """A standard SQL statement in Spark's spelling: identifiers in backticks, texts with
    backslash escapes (Spark reads a backslash in a text as an escape, and two quoted texts
    side by side as one), ``VARCHAR`` as ``STRING``.
    """
    return _TOKENS.sub(_spark_token, text)


_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\bVARCHAR\b", re.IGNORECASE)


def _spark_token(found: re.Match[str]) -> str:
    token = found.group(0)
    if token.startswith("'"):
        body = token[1:-1].replace("''", "'")
        return "'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if token.startswith('"'):
        return "`" + token[1:-1].replace('""', '"').replace("`", "``") + "`"
    return "STRING"


class _Statements:
    """A Spark session as ``data.rows.query`` runs statements on a connection
    (``execute(sql).fetchall()``), so the checks shared with files run here too.
    """

    def __init__(self, session: Any) -> None:
        self._session = session
        self._rows: list[tuple] = []

    def execute(self, sql: str, parameters: list | None = None) -> _Statements:
        """Run one standard SQL statement; its (few) rows are kept for ``fetchall``."""
        self._rows = [tuple(row) for row in self._session.sql(spark_sql(sql)).collect()]
        return self

    def fetchall(self) -> list[tuple]:
        """The rows of the last statement."""
        return self._rows


# -- finding the tables -----------------------------------------------------------------------


def find_tables(
    session: Any,
    specs: Iterable[TableSpec],
    data: SparkData,
    renames: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, tuple[TableInSpark, dict[str, str]]]:
    """Every input's table or view in the database, with the Spark type of each of its
    columns, or one error listing every input without one (E301).
    """
    specs = list(specs)
    if not session.catalog.databaseExists(data.database):
        _no_database(session, data)
    # the database's own tables and views (not the session's temporary views)
    present = {
        table.name.lower(): (table.name, table.tableType)
        for table in session.catalog.listTables(data.database)
        if not table.isTemporary
    }
    found: dict[str, tuple[TableInSpark, dict[str, str]]] = {}
    missing = []
    for spec in specs:
        if spec.name.lower() not in present:
            missing.append(spec)
            continue
        name, kind = present[spec.name.lower()]
        own = tuple(sorted((renames or {}).get(spec.name, {}).items()))
        key = tuple(dict(own).get(k, k) for k in spec.key)
        source = TableInSpark(data.database, name, kind or "", key, own)
        types = dict(session.table(spark_sql(source.relation)).dtypes)
        found[spec.name] = (source, types)
    if missing:
        listed = sorted(name for name, _ in present.values())
        shown = [no_table(s, "database", data.database, data.shown, listed) for s in missing]
        raise AssessorError(shown)
    return found


def _no_database(session: Any, data: SparkData) -> None:
    """E301 for a database the catalog does not have, naming those it has."""
    databases = sorted(database.name for database in session.catalog.listDatabases())
    near = suggest(data.database.split(".")[-1], databases)
    fail(
        "E301",
        f"Spark's catalog has no database {data.database} for the input tables",
        DataLocation(data.shown),
        (f"{near}; " if near else "")
        + f"name a database of the Spark session's catalog (it has: {', '.join(databases)})",
    )


# -- how each column is read ------------------------------------------------------------------


def readings(spec: TableSpec, types: Mapping[str, str]) -> tuple[Reading, ...]:
    """How each declared column is read from its Spark type (by declared name): as it is
    when the type fits, else as text, parsed by Spark as a CSV file's text is.
    """
    found = []
    for index, column in enumerate(spec.columns):
        value = f"s.{quoted(column.name)}"
        source = types[column.name].lower()
        converted = _converted(column, value, source)
        if converted is not None:
            found.append(Reading(column, index, converted, None, text=False, dialect=_DIALECT))
            continue
        text = value if source == "string" else f"CAST({value} AS STRING)"
        given = None if column.type == "text" else text
        found.append(Reading(column, index, _parsed(column, text), given, dialect=_DIALECT))
    return tuple(found)


def _converted(column: ColumnSpec, value: str, source: str) -> str | None:
    """SQL giving a fitting source value in the column's type; None when it does not fit."""
    if column.type == "integer" and source in _INTEGERS:
        return f"CAST({value} AS BIGINT)"
    if column.type == "decimal" and (source in _INTEGERS or _whole_digits(source) <= _WHOLE_DIGITS):
        return f"CAST({value} AS {_DEC})"
    if column.type == "date" and source in _TIMES:
        return f"CAST({value} AS DATE)"
    if column.type == "timestamp" and source in _TIMES:
        return f"CAST({value} AS TIMESTAMP)"
    if column.type == "month" and source in _TIMES:
        return f"trunc(CAST({value} AS DATE), 'MM')"
    return None


def _whole_digits(source: str) -> int:
    """Digits before the point of ``decimal(p,s)``; more than any fit for other types."""
    found = _DECIMAL_TYPE.fullmatch(source)
    if found is None:
        return _WHOLE_DIGITS + 1
    return int(found[1]) - int(found[2])


def _parsed(column: ColumnSpec, text: str) -> str:
    """SQL reading a text value in the column's type (null when it cannot be read). Texts
    lose their leading and trailing spaces, as a CSV file's do.
    """
    # Spark's trim removes the ASCII space only; a file's values lose every kind of space
    trimmed = f"regexp_replace({text}, '{_EDGES}', '')"
    if column.type == "text":
        blank = rows.blank_text(text, _DIALECT)
        return f"CASE WHEN {blank} THEN NULL ELSE {trimmed} END"
    value = trimmed
    readers = {
        "integer": _integer,
        "decimal": _decimal,
        "date": _date,
        "timestamp": _timestamp,
        "month": _month,
    }
    return readers[column.type](column, value)


_EDGES = r"^[\s\p{Z}]+|[\s\p{Z}]+$"


def _like(value: str, pattern: str) -> str:
    return f"{value} RLIKE {sql_literal(pattern)}"


def _integer(column: ColumnSpec, value: str) -> str:
    # a cast would refuse 1,234 and read 1.0; a whole number is only digits (in groups)
    return (
        f"CASE WHEN {_like(value, WHOLE)} THEN try_cast({value} AS BIGINT) "
        f"WHEN {_like(value, GROUPED)} THEN try_cast(replace({value}, ',', '') AS BIGINT) END"
    )


def _decimal(column: ColumnSpec, value: str) -> str:
    """Plain numbers, numbers with thousands separators, and (in a column of shares only)
    percentages: 12.5% is 0.125, exactly (multiplied by 0.01 at a scale that keeps it).
    """
    cases = [
        f"WHEN {_like(value, NUMBER)} THEN try_cast({value} AS {_DEC})",
        f"WHEN {_like(value, GROUPED_NUMBER)} THEN try_cast(replace({value}, ',', '') AS {_DEC})",
    ]
    if rows.accepts_percent(column):
        share = f"try_cast(regexp_replace({value}, '[,%]', '') AS DECIMAL(27,11)) * 0.01"
        cases.append(f"WHEN {_like(value, PERCENT)} THEN CAST({share} AS {_DEC})")
    return f"CASE {' '.join(cases)} END"


def _as_iso(value: str) -> str:
    """A date in any style ``DAY`` matches, as 2015-8-1, and a time after it kept as it is
    (the point of its fraction of a second too).
    """
    return f"regexp_replace({value}, {sql_literal(DATE_PARTS)}, '$1-$2-$3 ')"


def _date(column: ColumnSpec, value: str) -> str:
    return f"CASE WHEN {_like(value, f'^{DAY}$')} THEN try_cast(trim({_as_iso(value)}) AS DATE) END"


def _timestamp(column: ColumnSpec, value: str) -> str:
    # a 'T' between the date and the time is Spark's own; a space is written for it
    iso = f"regexp_replace(trim({_as_iso(value)}), '\\s*T\\s*|\\s+', ' ')"
    return f"CASE WHEN {_like(value, f'^{DAY}{TIME}$')} THEN try_cast({iso} AS TIMESTAMP) END"


def _month(column: ColumnSpec, value: str) -> str:
    """2026-03, 2026/3 or 2026年3月; or any date, for the first day of its month."""
    dashed = f"regexp_replace(regexp_replace({value}, '[/年]', '-'), '月', '')"
    first = f"try_cast(concat({dashed}, '-1') AS DATE)"
    day = _date(column, value)
    return f"CASE WHEN {_like(value, MONTH)} THEN {first} ELSE trunc({day}, 'MM') END"


# -- checking and using the tables ------------------------------------------------------------


def load_in_spark(
    engine: Any,
    specs: Iterable[TableSpec],
    data: SparkData,
    rules: Mapping[str, Sequence[RowRule]] | None = None,
    rejects: Path | None = None,
    renames: Mapping[str, Mapping[str, str]] | None = None,
    on_table: Callable[[str], None] | None = None,
) -> list[LoadedTable]:
    """Check every input table in place and make each readable under its input's name,
    typed, as a temporary view of the run without its bad rows.

    ``engine`` is the run's Spark engine (``engine.backends.SparkEngine``): its ``session``
    reads the tables, ``hold(name, frame)`` keeps a view until the run ends, and
    ``size_for(rows)`` tunes the session to the inputs' size once it is known. Bad rows stop
    the run (all tables' first ones reported together), or with ``rejects`` are written there
    and left out of the views. Raises with a located diagnostic for a missing table or
    column, an empty table or a duplicate key, as for files.
    """
    specs = list(specs)
    found = find_tables(engine.session, specs, data, renames)
    place = _Catalog(engine)
    loaded = check_in_place(place, specs, found, rules, rejects is not None, on_table)
    if rejects is not None:
        _write_rejects(place.rejected, rejects)
    engine.size_for(sum(table.read for table in loaded))
    return loaded


_SQL = EngineSql(
    text="STRING",
    record="to_json(named_struct({pairs}), map('ignoreNullFields', 'false'))",
    ibis_dialect="pyspark",
    distinct="array_join(array_sort(collect_set({0})), '; ')",
    problems="array_join(transform(array_sort(collect_list(struct(code, column_name, "
    "problem))), p -> p.problem), '; ')",
    spelled=spark_sql,
)


@attrs.frozen
class _Catalog:
    """The run's Spark engine as ``data.in_engine_check`` uses it; ``rejected`` gathers
    each table's rejected rows (Arrow tables).
    """

    engine: Any
    rejected: list[Any] = attrs.Factory(list)
    sql: EngineSql = _SQL
    container: str = "database"

    @property
    def connection(self) -> _Statements:
        """The session as ``data.rows.query`` runs statements."""
        return _Statements(self.engine.session)

    def readings(self, spec: TableSpec, types: Mapping[str, str]) -> tuple[Reading, ...]:
        """How each declared column is read (``readings``)."""
        return readings(spec, types)

    def query(self, sql: str) -> list[Any]:
        """Run one statement of Spark SQL; its (few) rows."""
        return self.engine.session.sql(sql).collect()

    @contextmanager
    def set_aside(self, stage: Stage, record: bool) -> Iterator[str]:
        """The bad rows, with every value the checks read, computed once and kept (a local
        checkpoint) as a temporary view: each check then reads only those.
        """
        session = self.engine.session
        kept = session.sql(stage.rows_sql(failed=True, record=record)).localCheckpoint()
        # a name of its own, so no view of the session (a notebook's) is ever replaced
        name = f"assessor_{os.urandom(4).hex()}_{stage.check.spec.name}__flagged"
        kept.createOrReplaceTempView(name)
        try:
            yield name
        finally:
            session.catalog.dropTempView(name)
            kept.unpersist()

    def add_rejects(self, stage: Stage) -> None:
        """Every bad row of a table, one line each, as an Arrow table (few come back)."""
        with self.set_aside(stage, record=True) as flagged:
            self.rejected.append(self.engine.session.sql(stage.rejects_sql(flagged)).toArrow())

    def keep(self, name: str, view: str) -> None:
        """The input as the plan reads it: a temporary view held until the run ends."""
        self.engine.hold(name, self.engine.session.sql(view))

    def fingerprint(self, spec: TableSpec) -> str:
        """See ``_fingerprint``."""
        return _fingerprint(self.engine.session, spec)


def _write_rejects(tables: Sequence[Any], path: Path) -> None:
    """Write the rejected rows of every table to a CSV file, as DuckDB writes a file's
    rejects (``data.rows.write_rejects``): the same quoting, to a temporary name beside it,
    then renamed, so no half-written list is left.
    """
    import duckdb
    import pyarrow as pa

    columns = ("table", "file", "row", "line", "columns", "codes", "problems", "record")
    schema = pa.schema([(c, pa.int64() if c == "line" else pa.string()) for c in columns])
    found = [table.select(list(columns)).cast(schema) for table in tables]
    joined = pa.concat_tables(found) if found else schema.empty_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with duckdb.connect() as connection:
            connection.register("rejected", joined)
            connection.execute(
                f"COPY rejected TO {sql_literal(str(temporary))} (HEADER, DELIMITER ',', "
                "FORMAT csv)"
            )
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _fingerprint(session: Any, spec: TableSpec) -> str:
    """A SHA-256 of the rows used, whatever their order (a table has none): the count and
    the exact sum of each row's 64-bit xxhash64 over its typed columns and which of them are
    null (a sum, not an exclusive or, so two equal rows do not cancel). It changes when a row
    does.
    """
    hashed = ", ".join(f"{quoted(c.name)}, isnull({quoted(c.name)})" for c in spec.columns)
    found = session.sql(
        spark_sql(
            "SELECT count(*), coalesce(sum(CAST(xxhash64("
            f"{hashed}) AS DECIMAL(38,0))), 0) FROM {quoted(spec.name)}"
        )
    ).collect()
    count, total = found[0]
    return hashlib.sha256(f"{count}:{total}".encode()).hexdigest()
