"""Input tables already in PostgreSQL, checked and used where they are.

``--data postgres://user@host:5432/db?schema=NAME`` names a schema of the database that the
PostgreSQL engine runs in. Each declared input table is the table or view of its name in that
schema (its columns may carry the company's own names: ``columns:`` in assessor.yaml). Nothing
is copied out of the database. Each table's declared columns are typed and checked by SQL in
PostgreSQL, with the same checks as a file's (``data.rows``: types, blanks, ranges, choices and
row rules, which are Ibis predicates compiled for PostgreSQL), and the plan then reads a
temporary view of the run's connection, under the input's name: the declared columns, typed,
without the bad rows. The company's tables are only read, never written. The checks' SQL is
shared with Spark (``data.in_engine_check``); this module holds what is PostgreSQL's own: how
tables are found and values read, how bad rows are set aside, the rejects and the fingerprint.

A bad row has no line in a file. It is named by its primary key (``visit_id=17``); a table
without one by its physical place (``ctid (0,5)``, valid until the row is next updated); a
view, which has neither, by its values.
"""

from __future__ import annotations

import hashlib
import urllib.parse
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
from assessor.errors import AssessorError
from assessor.model.registry import ColumnSpec, RowRule, TableSpec

_SCHEMES = ("postgres://", "postgresql://")
DEFAULT_SCHEMA = "public"
_DIALECT = "postgres"
_PORT = 5432
_DEC = "numeric(38, 9)"

# Source types whose every value converts exactly into a declared type; any other is read as
# text (floats as the text a person sees, as DuckDB does). Unconstrained numeric is read as
# it is, but checked for the 29 digits DECIMAL(38,9) holds before the point.
_INTEGERS = frozenset({"smallint", "integer", "bigint"})
_PLAIN_TIMESTAMP = "timestamp without time zone"
_WHOLE_DIGITS = 29
_REJECTS = "assessor_rejects"


@attrs.frozen
class DatabaseData:
    """Input tables already in a PostgreSQL database: ``url`` (as given, ``?schema=``
    included) and the schema holding them.
    """

    url: str
    schema: str = DEFAULT_SCHEMA

    @property
    def shown(self) -> str:
        """The URL for messages: never the password."""
        parts = urllib.parse.urlsplit(self.url)
        if parts.password is None:
            return self.url
        host = parts.netloc.rsplit("@", 1)[1]
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}@{host}"))

    def same_database(self, url: str) -> bool:
        """Whether ``url`` (an engine's) names this database: same host, port and name."""
        return _address(url) == _address(self.url)


def parse_database_data(text: str) -> DatabaseData | None:
    """The database a ``--data`` value (or ``data:`` in assessor.yaml) names, or None for a
    path. Raises ValueError with a sentence for the person when the URL names no database.
    """
    if not text.lower().startswith(_SCHEMES):
        return None
    parts = urllib.parse.urlsplit(text)
    if not parts.path.strip("/"):
        raise ValueError(
            f"{text!r} names no database; write postgres://user@host:5432/db?schema=NAME"
        )
    query = dict(urllib.parse.parse_qsl(parts.query))
    return DatabaseData(text, query.get("schema") or DEFAULT_SCHEMA)


def _address(url: str) -> tuple[str, int, str]:
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "localhost").lower()
    return host, parts.port or _PORT, urllib.parse.unquote(parts.path.strip("/"))


@attrs.frozen
class TableInDatabase(TableInEngine):
    """An input table's source in the database: a table or view of the schema
    (``container``), its primary key (``key``, which names bad rows), and the company's own
    names of declared columns.
    """

    @property
    def row_id(self) -> str | None:
        """A table's rows without a key are named by their physical place, ``ctid``
        (r: table, m: materialised view; a view or a foreign table has none).
        """
        return "ctid" if self.kind in ("r", "m") else None


# -- finding the tables -----------------------------------------------------------------------


def find_tables(
    connection: Any,
    specs: Iterable[TableSpec],
    data: DatabaseData,
    renames: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, tuple[TableInDatabase, dict[str, str]]]:
    """Every input's table or view in the schema, with the type of each of its columns, or
    one error listing every input without one (E301).
    """
    found: dict[str, tuple[TableInDatabase, dict[str, str]]] = {}
    missing = []
    for spec in specs:
        relation = f"{quoted(data.schema)}.{quoted(spec.name)}"
        kind = _query(connection, _KIND, [relation])
        if not kind:
            missing.append(spec)
            continue
        columns = dict(
            _query(
                connection,
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                "attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                [relation],
            )
        )
        own = tuple(sorted((renames or {}).get(spec.name, {}).items()))
        key = tuple(row[0] for row in _query(connection, _PRIMARY_KEY, [relation]))
        found[spec.name] = (TableInDatabase(data.schema, spec.name, kind[0][0], key, own), columns)
    if missing:
        present = [row[0] for row in _query(connection, _TABLES, [data.schema])]
        raise AssessorError(
            [no_table(spec, "schema", data.schema, data.shown, present) for spec in missing]
        )
    return found


_KIND = "SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)"
_PRIMARY_KEY = (
    "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
    "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
    "ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)"
)
_TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname"
)


# -- how each column is read ------------------------------------------------------------------


def readings(spec: TableSpec, types: Mapping[str, str]) -> tuple[Reading, ...]:
    """How each declared column is read from its PostgreSQL type (by declared name): as it is
    when the type fits, else as text, parsed in the database.
    """
    found = []
    for index, column in enumerate(spec.columns):
        value = f"s.{quoted(column.name)}"
        converted = _converted(column, value, types[column.name])
        if converted is not None:
            typed, guarded = converted
            given = value if guarded else None
            found.append(Reading(column, index, typed, given, text=False, dialect=_DIALECT))
            continue
        text = f"CAST({value} AS text)"
        given = None if column.type == "text" else text
        found.append(Reading(column, index, _parsed(column, text), given, dialect=_DIALECT))
    return tuple(found)


def _converted(column: ColumnSpec, value: str, source: str) -> tuple[str, bool] | None:
    """SQL giving a fitting source value in the column's type, and whether it may fail for
    extreme values (then it is null, and reported as unreadable); None when it does not fit.
    """
    times = (_PLAIN_TIMESTAMP, "date")
    if column.type == "integer" and source in _INTEGERS:
        return f"CAST({value} AS bigint)", False
    if column.type == "decimal":
        if source in _INTEGERS or _whole_digits(source) <= _WHOLE_DIGITS:
            return f"CAST({value} AS numeric(38, 9))", False
        if source == "numeric":  # unconstrained: any size, and NaN
            return (
                f"CASE WHEN abs({value}) < 1e{_WHOLE_DIGITS} "
                f"THEN CAST({value} AS numeric(38, 9)) END",
                True,
            )
    if column.type == "date" and source in times:
        return f"CAST({value} AS date)", False
    if column.type == "timestamp" and source in times:
        return f"CAST({value} AS timestamp)", False
    if column.type == "month" and source in times:
        return f"CAST(date_trunc('month', CAST({value} AS timestamp)) AS date)", False
    return None


def _whole_digits(source: str) -> int:
    """Digits before the point of ``numeric(p,s)``; more than any fit for other types."""
    if not (source.startswith("numeric(") and source.endswith(")")):
        return _WHOLE_DIGITS + 1
    precision, _, scale = source[len("numeric(") : -1].partition(",")
    return int(precision) - int(scale or 0)


def _parsed(column: ColumnSpec, text: str) -> str:
    """SQL reading a text value in the column's type (null when it cannot be read). Texts
    lose their leading and trailing spaces, as a CSV file's do.
    """
    if column.type == "text":
        blank = rows.blank_text(text, _DIALECT)
        trimmed = f"btrim({text}, {sql_literal(rows.SPACES)})"
        # code-point order, as DuckDB and Spark compare texts (see docs/engines.md)
        return f'CAST(CASE WHEN {blank} THEN NULL ELSE {trimmed} END AS text) COLLATE "C"'
    reader = "share" if rows.accepts_percent(column) else column.type
    return f"pg_temp.assessor_read_{reader}({text})"


# -- reading text as a declared type ----------------------------------------------------------
# The forms a CSV file's column reads are patterns shared with Spark (``data.in_engine``),
# matched before PostgreSQL's own cast, which reads more ('epoch', 2015-08-01 BC). Each reader
# is a function of the connection's temporary schema, returning null for a value that matches
# no form or names no real day (2015-02-30), where the cast fails: PostgreSQL has no TRY_CAST
# before version 16. Its SQL reads the trimmed value ``v``.
_VALUE = "v"


def _like(value: str, pattern: str) -> str:
    return f"{value} ~ {sql_literal(pattern)}"


def _integer(value: str) -> str:
    # a cast would refuse 1,234 and read 1.0 as 1; a whole number is only digits (in groups)
    return (
        f"CASE WHEN {_like(value, WHOLE)} THEN CAST({value} AS bigint) "
        f"WHEN {_like(value, GROUPED)} THEN CAST(replace({value}, ',', '') AS bigint) END"
    )


def _decimal(value: str, percent: bool = False) -> str:
    """Plain numbers, numbers with thousands separators, and (``percent``: in a column of
    shares only) percentages: 12.5% is 0.125, exactly (at 11 decimals, then multiplied by 0.01,
    as DuckDB reads a file's).
    """
    cases = [
        f"WHEN {_like(value, NUMBER)} THEN CAST({value} AS {_DEC})",
        f"WHEN {_like(value, GROUPED_NUMBER)} THEN CAST(replace({value}, ',', '') AS {_DEC})",
    ]
    if percent:
        share = f"CAST(replace(rtrim({value}, '%'), ',', '') AS numeric(38, 11)) * 0.01"
        cases.append(f"WHEN {_like(value, PERCENT)} THEN CAST({share} AS {_DEC})")
    return f"CASE {' '.join(cases)} END"


def _as_iso(value: str) -> str:
    """A date in any style ``DAY`` matches, as 2015-8-1, and a space; a time after it is
    kept as it is (the point before a fraction of a second is no date's point).
    """
    return f"regexp_replace({value}, {sql_literal(DATE_PARTS)}, '\\1-\\2-\\3 ')"


def _date(value: str) -> str:
    return f"CASE WHEN {_like(value, f'^{DAY}$')} THEN CAST({_as_iso(value)} AS date) END"


def _timestamp(value: str) -> str:
    # a 'T' between the date and the time, or none after 日: a space for it
    iso = f"regexp_replace({_as_iso(value)}, '\\s*T\\s*|\\s+', ' ', 'g')"
    return f"CASE WHEN {_like(value, f'^{DAY}{TIME}$')} THEN CAST({iso} AS timestamp) END"


def _month(value: str) -> str:
    """2026-03, 2026/3 or 2026年3月; or any date, for the first day of its month (truncated
    as a time without a zone: a date alone would be truncated in the session's zone).
    """
    dashed = f"regexp_replace(regexp_replace({value}, '[/年]', '-', 'g'), '月', '', 'g')"
    first = f"CAST({dashed} || '-1' AS date)"
    start = f"CAST(date_trunc('month', CAST({_date(value)} AS timestamp)) AS date)"
    return f"CASE WHEN {_like(value, MONTH)} THEN {first} ELSE {start} END"


# each reader's function name (``assessor_read_NAME``), result type and SQL
_READERS: dict[str, tuple[str, str]] = {
    "integer": ("bigint", _integer(_VALUE)),
    "decimal": ("numeric", _decimal(_VALUE)),
    "share": ("numeric", _decimal(_VALUE, percent=True)),
    "date": ("date", _date(_VALUE)),
    "timestamp": ("timestamp", _timestamp(_VALUE)),
    "month": ("date", _month(_VALUE)),
}


def install_readers(connection: Any) -> None:
    """The functions reading text values (``_READERS``), in the connection's own schema. A
    value is trimmed of ``rows.SPACES`` first; a null is null without a call (``STRICT``).
    """
    spaces = sql_literal(rows.SPACES)
    for name, (result, reader) in _READERS.items():
        _query(
            connection,
            f"CREATE OR REPLACE FUNCTION pg_temp.assessor_read_{name}(t text) RETURNS {result} "
            "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
            f"DECLARE {_VALUE} text := btrim(t, {spaces}); "
            f"BEGIN RETURN {reader}; "
            "EXCEPTION WHEN data_exception THEN RETURN NULL; END $$",
        )


# -- checking and using the tables ------------------------------------------------------------


def load_in_database(
    connection: Any,
    specs: Iterable[TableSpec],
    data: DatabaseData,
    rules: Mapping[str, Sequence[RowRule]] | None = None,
    rejects: Path | None = None,
    renames: Mapping[str, Mapping[str, str]] | None = None,
    on_table: Callable[[str], None] | None = None,
) -> list[LoadedTable]:
    """Check every input table in place (``connection`` is the engine's) and make each
    readable under its input's name, typed, as a temporary view without its bad rows.

    Bad rows stop the run (all tables' first ones reported together), or with ``rejects``
    are written there and left out of the views. Raises with a located diagnostic for a
    missing table or column, an empty table or a duplicate key, as for files.
    """
    specs = list(specs)
    found = find_tables(connection, specs, data, renames)
    install_readers(connection)
    if rejects is not None:
        _start_rejects(connection)
    place = _Database(connection)
    loaded = check_in_place(place, specs, found, rules, rejects is not None, on_table)
    if rejects is not None:
        _write_rejects(connection, rejects)
    return loaded


_SQL = EngineSql(
    text="text",
    record="CAST(json_build_object({pairs}) AS text)",
    ibis_dialect=_DIALECT,
    distinct="string_agg(DISTINCT {0}, '; ' ORDER BY {0})",
    problems="string_agg(problem, '; ' ORDER BY code, column_name)",
)


@attrs.frozen
class _Database:
    """The run's PostgreSQL connection as ``data.in_engine_check`` uses it."""

    connection: Any
    sql: EngineSql = _SQL
    container: str = "schema"

    def readings(self, spec: TableSpec, types: Mapping[str, str]) -> tuple[Reading, ...]:
        """How each declared column is read (``readings``)."""
        return readings(spec, types)

    def query(self, sql: str) -> list[tuple]:
        """Run one statement; its rows."""
        return _query(self.connection, sql)

    @contextmanager
    def set_aside(self, stage: Stage, record: bool) -> Iterator[str]:
        """The bad rows, with every value the checks read, in a temporary table (left for
        the connection's end when the block fails: the transaction may be aborted).
        """
        flagged = f"{stage.check.spec.name}__flagged"
        _query(self.connection, f"DROP TABLE IF EXISTS pg_temp.{quoted(flagged)}")
        rows_sql = stage.rows_sql(failed=True, record=record)
        _query(self.connection, f"CREATE TEMP TABLE {quoted(flagged)} AS {rows_sql}")
        yield flagged
        _query(self.connection, f"DROP TABLE {quoted(flagged)}")

    def add_rejects(self, stage: Stage) -> None:
        """Every bad row of a table, one line each, into the run's rejects table."""
        with self.set_aside(stage, record=True) as flagged:
            _query(
                self.connection,
                f'INSERT INTO {_REJECTS} ("table", file, "row", line, columns, codes, problems, '
                f"record) {stage.rejects_sql(flagged)}",
            )

    def keep(self, name: str, view: str) -> None:
        """The input as the plan reads it: a temporary view of the connection."""
        _query(self.connection, f"CREATE TEMP VIEW {quoted(name)} AS {view}")

    def fingerprint(self, spec: TableSpec) -> str:
        """See ``_fingerprint``."""
        return _fingerprint(self.connection, spec)


def _fingerprint(connection: Any, spec: TableSpec) -> str:
    """A SHA-256 of the rows used, whatever their order (a table has none): the count and
    the sum of the first 60 bits of each row's MD5. It changes when a row does.
    """
    found = _query(
        connection,
        "SELECT count(*), coalesce(sum(CAST(CAST(CAST('x' || substr(md5(CAST(v AS text)), 1, "
        f"15) AS bit(60)) AS bigint) AS numeric)), 0) FROM {quoted(spec.name)} AS v",
    )
    count, total = found[0]
    return hashlib.sha256(f"{count}:{total}".encode()).hexdigest()


# -- rejected rows ----------------------------------------------------------------------------


def _start_rejects(connection: Any) -> None:
    _query(connection, f"DROP TABLE IF EXISTS pg_temp.{_REJECTS}")
    _query(
        connection,
        f'CREATE TEMP TABLE {_REJECTS} (n bigint GENERATED ALWAYS AS IDENTITY, "table" text, '
        'file text, "row" text, line bigint, columns text, codes text, problems text, '
        "record text)",
    )


def _write_rejects(connection: Any, path: Path) -> None:
    """Write the rejected rows of every table to a CSV file, streamed from the database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    statement = (
        f'COPY (SELECT "table", file, "row", line, columns, codes, problems, record FROM '
        f"{_REJECTS} ORDER BY n) TO STDOUT (FORMAT csv, HEADER)"
    )
    with connection.cursor() as cursor, path.open("wb") as handle, cursor.copy(statement) as copy:
        for block in copy:
            handle.write(block)


def _query(connection: Any, sql: str, parameters: list | None = None) -> list[tuple]:
    """Run one statement on a psycopg connection; its rows (none for a statement without)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.fetchall() if cursor.description is not None else []
