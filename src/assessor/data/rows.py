"""The rows of an input table, typed and checked against the table's rules.

A file is first read as text (its raw stage), then every declared column is typed. A row is
bad when a value does not have its column's type (E303), a required value is blank (E305),
a number is outside its column's range or a text not among its choices (E310), or the row
breaks a rule of its table (E311, or the code the rule names). Every check is one query over
the whole table, run by the engine: no row passes through Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assessor.errors import Diagnostic
from assessor.model.registry import ColumnSpec, RowRule, TableSpec

if TYPE_CHECKING:
    from assessor.data.sources import Source

_SQL_TYPES = {
    "integer": "BIGINT",
    "text": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "decimal": "DECIMAL(38,9)",
    "month": "DATE",
}
_IBIS_TYPES = {
    "integer": "int64",
    "text": "string",
    "date": "date",
    "timestamp": "timestamp",
    "decimal": "decimal(38, 9)",
    "month": "date",
}
# 2026-03 or any date (2026-03-15): the first day of that month
_MONTH = (
    "CASE WHEN regexp_full_match(trim({x}), '\\d{{4}}-\\d{{1,2}}') "
    "THEN CAST(try_strptime(trim({x}) || '-01', '%Y-%m-%d') AS DATE) "
    "ELSE CAST(date_trunc('month', try_cast(trim({x}) AS DATE)) AS DATE) END"
)
_TYPE_WORDS = {
    "date": "a date",
    "timestamp": "a date and time",
    "integer": "a whole number",
    "decimal": "a number",
    "month": "a month",
}
_TYPE_HINTS = {
    "date": "write dates as YYYY-MM-DD, e.g. 2015-08-01",
    "timestamp": "write times as YYYY-MM-DD HH:MM:SS, e.g. 2026-01-05 09:30:00",
    "integer": "this column holds whole numbers",
    "decimal": "this column holds numbers, such as 8.5, without units or thousands separators",
    "month": "write months as YYYY-MM (e.g. 2026-03) or as a date (2026-03-01)",
}
# how many bad rows a stopped run lists
SHOWN = 10
_REJECT_COLUMNS = (
    '"table" VARCHAR, file VARCHAR, "row" BIGINT, line BIGINT, columns VARCHAR, '
    "codes VARCHAR, problems VARCHAR, record VARCHAR"
)


def ibis_schema(spec: TableSpec) -> dict[str, str]:
    """The Ibis types of a table's declared columns, as loaded."""
    return {c.name: _IBIS_TYPES[c.type] for c in spec.columns}


def raw_name(spec: TableSpec) -> str:
    """The table holding an input's values as text, before they are typed and checked."""
    return f"{spec.name}__raw"


def _typed_name(spec: TableSpec) -> str:
    return f"{spec.name}__typed"


def _bad_name(spec: TableSpec) -> str:
    return f"{spec.name}__bad"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def typed_value(column: ColumnSpec, text: str) -> str:
    """SQL turning a text value into the column's type; null when it cannot be read."""
    if column.type == "month":
        return _MONTH.format(x=text)
    if column.type == "text":
        return f"CASE WHEN trim({text}) = '' THEN NULL ELSE {text} END"
    if column.type == "integer":
        # a cast would round 1.5 to 2; a whole number is only digits
        return (
            f"CASE WHEN regexp_full_match(trim({text}), '[+-]?\\d+') "
            f"THEN TRY_CAST(trim({text}) AS BIGINT) END"
        )
    return f"TRY_CAST(trim({text}) AS {_SQL_TYPES[column.type]})"


def checks(spec: TableSpec, rules: Iterable[RowRule]) -> list[str]:
    """Every check of a table: types, blanks, ranges and choices per column, then its rules.

    Each is a query giving the bad rows as ``_row, column_name, code, problem, hint``.
    """
    found: list[str] = []
    for column in spec.columns:
        found.extend(_column_checks(spec, column))
    found.extend(_rule_check(spec, rule) for rule in rules)
    return found


def _select(stage: str, column: str, code: str, problem: str, hint: str, where: str) -> str:
    return (
        f"SELECT _row, {sql_literal(column)} AS column_name, {sql_literal(code)} AS code, "
        f"{problem} AS problem, {sql_literal(hint)} AS hint FROM {_quoted(stage)} WHERE {where}"
    )


def _column_checks(spec: TableSpec, column: ColumnSpec) -> list[str]:
    raw, typed = raw_name(spec), _typed_name(spec)
    value = _quoted(column.name)
    blank = f"({value} IS NULL OR trim({value}) = '')"
    text = f"'''' || {value} || ''''"
    found = []
    if column.required:
        problem = sql_literal(f"no value in column {column.name!r}")
        hint = f"fill in {column.label_en} ({column.label_zh}) or remove the row"
        found.append(_select(raw, column.name, "E305", problem, hint, blank))
    if column.type != "text":
        problem = (
            f"'cannot read ' || {text} || "
            f"{sql_literal(f' in column {column.name!r} as {_TYPE_WORDS[column.type]}')}"
        )
        unreadable = f"NOT {blank} AND ({typed_value(column, value)}) IS NULL"
        hint = _TYPE_HINTS[column.type]
        found.append(_select(raw, column.name, "E303", problem, hint, unreadable))
    limits = [
        f"{value} {op} {bound}"
        for op, bound in (("<", column.minimum), (">", column.maximum))
        if bound is not None
    ]
    if limits:
        low = "" if column.minimum is None else str(column.minimum)
        high = "" if column.maximum is None else str(column.maximum)
        # 11, not 11.000000000: the value as the person wrote it
        shown = f"regexp_replace(CAST({value} AS VARCHAR), '\\.?0+$', '')"
        if column.type != "decimal":
            shown = f"CAST({value} AS VARCHAR)"
        problem = (
            f"{shown} || {sql_literal(f' in column {column.name!r} is outside {low}..{high}')}"
        )
        hint = f"{column.label_en} ({column.label_zh}) lies in {low}..{high}"
        found.append(_select(typed, column.name, "E310", problem, hint, " OR ".join(limits)))
    if column.choices:
        allowed = ", ".join(column.choices)
        problem = f"{text} || {sql_literal(f' in column {column.name!r} is not one of {allowed}')}"
        listed = ", ".join(sql_literal(c) for c in column.choices)
        hint = f"write one of {allowed} exactly"
        where = f"{value} NOT IN ({listed})"
        found.append(_select(typed, column.name, "E310", problem, hint, where))
    return found


def _rule_check(spec: TableSpec, rule: RowRule) -> str:
    """A rule's predicate, written in Ibis over the typed table, compiled for the engine."""
    import ibis

    table = ibis.table({**ibis_schema(spec), "_row": "int64"}, name=_typed_name(spec))
    shown = [
        ibis.literal(f"{name}=") + table[name].cast("string").fill_null("") for name in rule.columns
    ]
    values = shown[0]
    for part in shown[1:]:
        values = values + ", " + part
    problem = ibis.literal(f"breaks the rule: {rule.label_en} ({rule.label_zh}): ") + values
    broken = table.filter(~rule.holds(table).fill_null(True)).select(
        "_row",
        column_name=ibis.literal(rule.columns[-1]),
        code=ibis.literal(rule.code),
        problem=problem,
        hint=ibis.literal(rule.hint),
    )
    return ibis.to_sql(broken, dialect="duckdb")


def find_bad_rows(connection: Any, spec: TableSpec, found: Sequence[str]) -> int:
    """Type the raw stage and record every problem of every row; how many rows are bad."""
    typed = ", ".join(
        f"{typed_value(c, _quoted(c.name))} AS {_quoted(c.name)}" for c in spec.columns
    )
    query(
        connection,
        f"CREATE OR REPLACE TABLE {_quoted(raw_name(spec))} AS "
        f"SELECT rowid AS _row, * FROM {_quoted(raw_name(spec))}",
    )
    query(
        connection,
        f"CREATE OR REPLACE TABLE {_quoted(_typed_name(spec))} AS "
        f"SELECT _row, {typed} FROM {_quoted(raw_name(spec))}",
    )
    union = " UNION ALL ".join(f"({query})" for query in found) or (
        "SELECT NULL::BIGINT AS _row, NULL AS column_name, NULL AS code, NULL AS problem, "
        "NULL AS hint WHERE false"
    )
    query(connection, f"CREATE OR REPLACE TABLE {_quoted(_bad_name(spec))} AS {union}")
    return query(connection, f"SELECT count(DISTINCT _row) FROM {_quoted(_bad_name(spec))}")[0][0]


def diagnostics(connection: Any, spec: TableSpec, source: Source, bad: int) -> list[Diagnostic]:
    """The first bad rows, each located by file, line and column, and how many there are."""
    shown = query(
        connection,
        f"SELECT _row, column_name, code, problem, hint FROM {_quoted(_bad_name(spec))} "
        f"ORDER BY _row, code, column_name LIMIT {SHOWN}",
    )
    found = [
        Diagnostic(
            code,
            f"{source.name}: row {row + 1}: {problem}",
            source.location(row, column),
            hint,
        )
        for row, column, code, problem, hint in shown
    ]
    listed = len({row for row, *_ in shown})
    if bad > listed:
        found.append(
            Diagnostic(
                found[-1].code,
                f"{source.name}: {bad} rows break the table's rules in all; "
                f"the first {listed} are listed",
                source.location(),
                "with --rejects FILE the run writes every bad row to FILE and goes on without them",
            )
        )
    return found


def keep_good_rows(connection: Any, spec: TableSpec, bad: int) -> tuple[int, int]:
    """Create the input table from the rows without problems: (rows read, rows kept)."""
    columns = ", ".join(_quoted(c.name) for c in spec.columns)
    keep = f" WHERE _row NOT IN (SELECT _row FROM {_quoted(_bad_name(spec))})" if bad else ""
    query(
        connection,
        f"CREATE OR REPLACE TABLE {_quoted(spec.name)} AS "
        f"SELECT {columns} FROM {_quoted(_typed_name(spec))}{keep} ORDER BY _row",
    )
    read = query(connection, f"SELECT count(*) FROM {_quoted(_typed_name(spec))}")[0][0]
    kept = query(connection, f"SELECT count(*) FROM {_quoted(spec.name)}")[0][0]
    query(connection, f"DROP TABLE {_quoted(_typed_name(spec))}")
    if not bad:
        query(connection, f"DROP TABLE {_quoted(raw_name(spec))}")
    return read, kept


def write_rejects(connection: Any, tables: Sequence[tuple[TableSpec, Source]], path: Path) -> None:
    """Every bad row of every table, one CSV line each: where it was, what is wrong with it,
    and the row itself as JSON text (as read, so it can be corrected and loaded again).
    """
    query(connection, f"CREATE OR REPLACE TEMP TABLE assessor_rejects ({_REJECT_COLUMNS})")
    for spec, source in tables:
        record = ", ".join(f"{_quoted(c.name)} := r.{_quoted(c.name)}" for c in spec.columns)
        line = "b._row + 2" if source.line(0) is not None else "NULL"
        query(
            connection,
            f"INSERT INTO assessor_rejects SELECT {sql_literal(spec.name)}, "
            f"{sql_literal(source.name)}, b._row + 1, {line}, "
            "string_agg(DISTINCT b.column_name, '; '), string_agg(DISTINCT b.code, '; '), "
            "string_agg(b.problem, '; ' ORDER BY b.code, b.column_name), "
            f"any_value(to_json(struct_pack({record}))::VARCHAR) "
            f"FROM {_quoted(_bad_name(spec))} b JOIN {_quoted(raw_name(spec))} r "
            "ON r._row = b._row GROUP BY b._row",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    query(
        connection,
        'COPY (SELECT * FROM assessor_rejects ORDER BY "table", "row") TO '
        f"{sql_literal(str(path))} (HEADER, DELIMITER ',')",
    )


def query(connection: Any, sql: str, parameters: list | None = None) -> list[tuple]:
    """Run one statement and fetch all of it (DuckDB refuses new work while a result is open)."""
    return connection.execute(sql, parameters or []).fetchall()
