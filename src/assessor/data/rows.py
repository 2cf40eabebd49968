"""The rows of an input table, typed and checked against the table's rules.

A source gives each declared column in its own type (text for CSV and XLSX; a Parquet file or
a database table may already hold numbers and dates). A column whose source type already fits
its declared type is used as it is; any other is read as text and parsed. A row is bad when a
value does not have its column's type (E303), a required value is blank (E305), a number is
outside its column's range or a text not among its choices (E310), or the row breaks a rule of
its table (E311, or the code the rule names). The engine runs every check: no row passes
through Python.

The input table is created once from its source, typed; checking it costs one more scan
(how many rows are bad), of that table when the checks need only typed values. Only when some
rows are bad does a second pass record each problem of each (``find_bad_rows``) for the report
or the rejects file; the bad rows are then deleted from the table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from assessor.errors import Diagnostic, fail
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
_DEC = "DECIMAL(38,9)"
_IBIS_TYPES = {
    "integer": "int64",
    "text": "string",
    "date": "date",
    "timestamp": "timestamp",
    "decimal": "decimal(38, 9)",
    "month": "date",
}
# The date styles read besides ISO and 2015/8/1, which the engine's own cast reads (see
# docs/language.md, "Input data"): 2015.8.1 and 2015年8月1日, rewritten as 2015-8-1.
_OTHER_DATE = "\\d{4}(\\.\\d{1,2}\\.\\d{1,2}|年\\d{1,2}月\\d{1,2}日)"
_OTHER_TIME = _OTHER_DATE + "(\\s*\\d{1,2}:\\d{2}(:\\d{2})?)?"
# day and month first (8/1/2015, 1.8.15): which is the day cannot be told, so never read
AMBIGUOUS_DATE = "\\d{1,2}[-/.]\\d{1,2}[-/.]\\d{2,4}([ T].*)?"
# Excel's day numbers (42217 is 2015-08-01): five digits, read in workbook cells only
_SERIAL = "\\d{5}"
_EXCEL_EPOCH = "DATE '1899-12-30'"
# months: 2026-03, 2026/3 or 2026年3月 (or any date, for its month)
_MONTH_TEXT = "\\d{4}[-/]\\d{1,2}"
_MONTH_WORDS = "\\d{4}年\\d{1,2}月"
# 1,234,567.5: groups of three digits (1,23 is no number: a decimal comma is not guessed)
_GROUPED = "[+-]?\\d{1,3}(,\\d{3})+"
_PERCENT = "[+-]?(\\d{1,3}(,\\d{3})+|\\d+)(\\.\\d+)?%"
# Source types whose every value converts exactly into a declared type (no check needed).
# Any other type is read as text, where an unfit value is reported, as from a CSV file:
# unsigned 64-bit integers may not fit BIGINT; floats are read as the text a person sees
# (8.5, not 8.4999999…); seconds and milliseconds since 1970 reach beyond DuckDB's dates;
# a time with a zone depends on the session's zone.
_SMALL_INTEGERS = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
)
_TIMES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMP_NS"})
_DECIMAL_TYPE = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
# DECIMAL(38,9) holds 29 digits before the point
_WHOLE_DIGITS = 29
_TYPE_WORDS = {
    "date": "a date",
    "timestamp": "a date and time",
    "integer": "a whole number",
    "decimal": "a number",
    "month": "a month",
}
_TYPE_HINTS = {
    "date": "write dates as YYYY-MM-DD (e.g. 2015-08-01), 2015/8/1, 2015.8.1 or 2015年8月1日",
    "timestamp": "write times as YYYY-MM-DD HH:MM:SS, e.g. 2026-01-05 09:30:00 (the date in "
    "any style a date column reads)",
    "integer": "this column holds whole numbers, such as 12 or 1,234",
    "decimal": "this column holds numbers, such as 8.5 or 1,234.5, without units",
    "month": "write months as YYYY-MM (e.g. 2026-03), 2026/3, 2026年3月 or as a date",
}
_PERCENT_HINTS = {
    True: "this column holds shares, such as 12.5% or 0.125 (thousands separators allowed)",
    False: "this column holds plain numbers: write 95, not 95% (a percent sign is read only in "
    "columns of shares)",
}
_AMBIGUOUS_HINT = (
    "the day and the month cannot be told apart in 8/1/2015; write the year first, "
    "e.g. 2015-08-01 (format the column as yyyy-mm-dd in Excel before exporting)"
)
# The spaces DuckDB's trim removes around a value (Unicode's space separators: the ASCII
# space, the no-break space, U+3000 the ideographic space and the typographic ones); other
# engines trim these too.
SPACES = " \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# how many bad rows a stopped run lists
SHOWN = 10
_REJECTS = "assessor_rejects"
_REJECT_COLUMNS = (
    '"table" VARCHAR, file VARCHAR, "row" BIGINT, line BIGINT, columns VARCHAR, '
    "codes VARCHAR, problems VARCHAR, record VARCHAR"
)


def ibis_schema(spec: TableSpec) -> dict[str, str]:
    """The Ibis types of a table's declared columns, as loaded."""
    return {c.name: _IBIS_TYPES[c.type] for c in spec.columns}


def raw_name(spec: TableSpec) -> str:
    """The table holding an input's rows as read, when they have to be copied before typing
    (text files, or the rows of any source once some are bad).
    """
    return f"{spec.name}__raw"


def bad_name(spec: TableSpec) -> str:
    """The table listing every problem of every bad row: ``_row, column_name, code, problem,
    hint``, ``_row`` counting the source's rows from 0.
    """
    return f"{spec.name}__bad"


def _stage_name(spec: TableSpec) -> str:
    return f"{spec.name}__typed"


def _flagged_name(spec: TableSpec) -> str:
    return f"{spec.name}__flagged"


def quoted(name: str) -> str:
    """A name as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A text as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def blank_text(text: str, dialect: str = "duckdb") -> str:
    """SQL: a text that is not null is empty or only spaces.

    DuckDB: ``trim`` removes Unicode spaces (also U+3000, the ideographic space), but only the
    space among ASCII characters; so a text that starts with any other printable ASCII
    character is not blank, and most values skip ``trim``, which copies the text.
    PostgreSQL (``dialect="postgres"``): its ``trim`` removes the ASCII space only, so a text
    is blank when it holds only ``SPACES``, the ones DuckDB's ``trim`` removes.
    Spark (``dialect="spark"``): likewise, by a Java pattern (any whitespace or Unicode space).
    """
    if dialect == "postgres":
        return f"(btrim({text}, {sql_literal(SPACES)}) = '')"
    if dialect == "spark":
        return f"({text} RLIKE '^[\\s\\p{{Z}}]*$')"
    return f"(unicode({text}) NOT BETWEEN 33 AND 127 AND trim({text}) = '')"


def typed_value(column: ColumnSpec, text: str, serials: bool = False) -> str:
    """SQL turning a text value into the column's type; null when it cannot be read.

    Texts lose their leading and trailing spaces. ``serials``: a date may be given as Excel's
    day number (the value came from a workbook cell).
    """
    if column.type == "text":
        return f"CASE WHEN {blank_text(text)} THEN NULL ELSE trim({text}) END"
    value = f"trim({text})"
    readers = {
        "integer": _integer,
        "decimal": _decimal,
        "date": _date,
        "timestamp": _timestamp,
        "month": _month,
    }
    return readers[column.type](column, value, serials)


def _matches(value: str, pattern: str) -> str:
    return f"regexp_full_match({value}, {sql_literal(pattern)})"


def _integer(column: ColumnSpec, value: str, serials: bool) -> str:
    # a cast would round 1.5 to 2; a whole number is only digits (in groups of three)
    return (
        f"CASE WHEN {_matches(value, '[+-]?[0-9]+')} THEN TRY_CAST({value} AS BIGINT) "
        f"WHEN {_matches(value, _GROUPED)} THEN TRY_CAST(replace({value}, ',', '') AS BIGINT) END"
    )


def _decimal(column: ColumnSpec, value: str, serials: bool) -> str:
    """Plain numbers, numbers with thousands separators, and (in a column of shares only)
    percentages: 12.5% is 0.125, exactly.
    """
    grouped = _GROUPED + "(\\.\\d+)?"
    others = [f"WHEN {_matches(value, grouped)} THEN TRY_CAST(replace({value}, ',', '') AS {_DEC})"]
    if accepts_percent(column):
        # a percentage has two more decimals than the column keeps; DECIMAL division would
        # give a double, so the value is multiplied by 0.01
        share = f"TRY_CAST(replace(rtrim({value}, '%'), ',', '') AS DECIMAL(38,11)) * 0.01"
        others.append(f"WHEN {_matches(value, _PERCENT)} THEN CAST({share} AS {_DEC})")
    return f"coalesce(TRY_CAST({value} AS {_DEC}), CASE {' '.join(others)} END)"


def accepts_percent(column: ColumnSpec) -> bool:
    """Whether a column reads 12.5% as 0.125: a decimal column of shares (unit ratio). In any
    other column a percent sign is unreadable: 95% in a column of plain numbers (where 95
    means 95%) would be read 100 times too small.
    """
    from assessor.model.units import Unit

    return column.type == "decimal" and column.unit == Unit.RATIO


def _date(column: ColumnSpec, value: str, serials: bool) -> str:
    """ISO dates and 2015/8/1 (the engine's cast), 2015.8.1 and 2015年8月1日, and in a
    workbook Excel's day numbers.
    """
    other = f"TRY_CAST(rtrim(regexp_replace({value}, '[.年月]', '-', 'g'), '日') AS DATE)"
    cases = [f"WHEN {_matches(value, _OTHER_DATE)} THEN {other}"]
    if serials:
        cases.append(
            f"WHEN {_matches(value, _SERIAL)} THEN {_EXCEL_EPOCH} + CAST({value} AS INTEGER)"
        )
    return f"coalesce(TRY_CAST({value} AS DATE), CASE {' '.join(cases)} END)"


def _timestamp(column: ColumnSpec, value: str, serials: bool) -> str:
    """A date in any style ``_date`` reads (Excel's day numbers aside), then a time or none."""
    other = (
        f"TRY_CAST(trim(regexp_replace(regexp_replace({value}, '[.年月]', '-', 'g'), "
        f"'日', ' ')) AS TIMESTAMP)"
    )
    return (
        f"coalesce(TRY_CAST({value} AS TIMESTAMP), "
        f"CASE WHEN {_matches(value, _OTHER_TIME)} THEN {other} END)"
    )


def _month(column: ColumnSpec, value: str, serials: bool) -> str:
    """2026-03, 2026/3 or 2026年3月; or any date, for the first day of its month."""
    month = f"regexp_replace(regexp_replace({value}, '[/年]', '-'), '月', '')"
    day = _date(column, value, serials)
    return (
        f"CASE WHEN {_matches(value, _MONTH_TEXT)} OR {_matches(value, _MONTH_WORDS)} "
        f"THEN CAST(try_strptime({month} || '-01', '%Y-%m-%d') AS DATE) "
        f"ELSE CAST(date_trunc('month', {day}) AS DATE) END"
    )


def fits(column: ColumnSpec, source_type: str) -> bool:
    """Whether every value of ``source_type`` converts exactly into the column's type, so the
    column is used as it is instead of being read as text.
    """
    if column.type == "integer":
        return source_type in _SMALL_INTEGERS
    if column.type in ("date", "timestamp", "month"):
        return source_type in _TIMES
    if column.type == "decimal":
        if source_type in _SMALL_INTEGERS or source_type == "UBIGINT":
            return True
        found = _DECIMAL_TYPE.fullmatch(source_type)
        return found is not None and int(found[1]) - int(found[2]) <= _WHOLE_DIGITS
    return False  # text: blanks become null, so it always takes the text path


def _guarded(column: ColumnSpec, source_type: str) -> bool:
    """Whether a fitting type converts for all but extreme values (a date far beyond the
    years a timestamp holds), so the conversion may fail and is checked (E303).
    """
    return column.type == "timestamp" and source_type == "DATE"


def _converted(column: ColumnSpec, value: str, source_type: str) -> str:
    """SQL giving a fitting source value in the column's type (see ``fits``)."""
    if column.type == "month":
        day = value if source_type == "DATE" else f"CAST({value} AS DATE)"
        # date arithmetic: date_trunc goes through a timestamp, whose range is narrower;
        # an infinite date has no day and stays as it is
        return f"coalesce({day} - CAST(day({day}) - 1 AS INTEGER), {day})"
    if source_type == _SQL_TYPES[column.type]:
        return value
    if _guarded(column, source_type):
        return f"TRY_CAST({value} AS {_SQL_TYPES[column.type]})"
    return f"CAST({value} AS {_SQL_TYPES[column.type]})"


@attrs.frozen
class Reading:
    """How one declared column is read from its source column.

    ``typed`` is SQL over the source (aliased ``s``) giving the value in the column's type.
    ``given`` is SQL giving the value as given, kept beside the typed one (as ``given_name``)
    when the type check needs it: the column is read from text (``text``) and is not text
    itself, or its source type converts to the column's type for all but extreme values.
    """

    column: ColumnSpec
    index: int
    typed: str
    given: str | None = None
    text: bool = True
    # the SQL dialect of the conditions: duckdb, or postgres for tables read in place there
    dialect: str = "duckdb"
    # a text column read from text: the source's value itself, which ``typed`` only trims
    # (and makes null when blank)
    as_given: str | None = None

    @property
    def name(self) -> str:
        """The column's name, quoted."""
        return quoted(self.column.name)

    @property
    def given_name(self) -> str:
        """The name, in the check stage, of the value as given."""
        return quoted(f"__given_{self.index}")

    @property
    def blank(self) -> str:
        """SQL over the check stage: no value was given."""
        if self.given is None:
            # fitting values are null only when missing; text is null when blank
            return f"{self.name} IS NULL"
        if not self.text:
            return f"{self.given_name} IS NULL"
        return f"({self.given_name} IS NULL OR {blank_text(self.given_name, self.dialect)})"

    @property
    def unreadable(self) -> str | None:
        """SQL over the check stage: a value was given but cannot be read (None: never)."""
        if self.given is None:
            return None
        return f"NOT {self.blank} AND {self.name} IS NULL"

    @property
    def shown(self) -> str:
        """SQL over the check stage: the value as given, as text (for a message)."""
        return self.given_name if self.text else f"CAST({self.given_name} AS VARCHAR)"


def readings(
    spec: TableSpec, types: Mapping[str, str], serials: bool = False
) -> tuple[Reading, ...]:
    """How each declared column is read, given the source's SQL type of each. ``serials``:
    text dates may be Excel's day numbers (the source is a workbook).
    """
    found = []
    for index, column in enumerate(spec.columns):
        value = f"s.{quoted(column.name)}"
        source_type = types[column.name]
        if fits(column, source_type):
            given = value if _guarded(column, source_type) else None
            typed = _converted(column, value, source_type)
            found.append(Reading(column, index, typed, given, text=False))
            continue
        text = value if source_type == "VARCHAR" else f"CAST({value} AS VARCHAR)"
        given = None if column.type == "text" else text
        as_given = value if column.type == "text" and source_type == "VARCHAR" else None
        typed = typed_value(column, text, serials)
        found.append(Reading(column, index, typed, given, as_given=as_given))
    return tuple(found)


@attrs.frozen
class Check:
    """One way a row can be bad: where (an SQL condition over the check stage), the code,
    the column it points at, the problem (SQL text) and the hint.
    """

    column: str
    code: str
    where: str
    problem: str
    hint: str

    def select(self, stage: str) -> str:
        """The rows of ``stage`` failing this check, as rows of the ``__bad`` table."""
        return (
            f"SELECT _row, {sql_literal(self.column)} AS column_name, "
            f"{sql_literal(self.code)} AS code, {self.problem} AS problem, "
            f"{sql_literal(self.hint)} AS hint FROM {stage} WHERE {self.where}"
        )


@attrs.frozen
class TableCheck:
    """How a table's rows are typed from its source and checked.

    Built from the table, the source's SQL type of each declared column, and the row rules
    (the table's and the scheme's).
    """

    spec: TableSpec
    readings: tuple[Reading, ...]
    rules: tuple[RowRule, ...] = ()

    @classmethod
    def of(
        cls,
        spec: TableSpec,
        types: Mapping[str, str],
        rules: Sequence[RowRule],
        serials: bool = False,
    ) -> TableCheck:
        """The checks of a table read from a source with these column types (``serials``:
        see ``readings``).
        """
        return cls(spec, readings(spec, types, serials), tuple(rules))

    @property
    def typed_only(self) -> bool:
        """Whether every check reads typed values only, so it can read the input table."""
        return all(r.given is None for r in self.readings)

    @property
    def checks(self) -> list[Check]:
        """Types, blanks, ranges and choices per column, then the rules."""
        found: list[Check] = []
        for reading in self.readings:
            found.extend(column_checks(reading))
        found.extend(rule_check(rule, k) for k, rule in enumerate(self.rules))
        return found

    def typed_columns(self) -> str:
        """SQL select list over the source (aliased ``s``): the declared columns, typed."""
        return ", ".join(f"{r.typed} AS {r.name}" for r in self.readings)

    @property
    def trimmed_texts(self) -> tuple[Reading, ...]:
        """The text columns read from text, whose values typing may trim or make null."""
        return tuple(r for r in self.readings if r.as_given is not None)

    def texts_as_given(self) -> TableCheck:
        """The same table with its text columns read as they are in the source: for a source
        known to hold no text that typing would change (``count_trimmed_rows``).
        """
        kept = tuple(
            attrs.evolve(r, typed=r.as_given) if r.as_given is not None else r
            for r in self.readings
        )
        return attrs.evolve(self, readings=kept)

    def stage(self, relation: str, numbered: bool = False, typed: bool = False) -> str:
        """A query giving, for each row of ``relation``: its typed columns, the values as
        given that checks need, and a flag per rule (and ``_row``, from the rowid, when
        ``numbered``). Every check reads this query's columns. ``typed``: ``relation`` holds
        the typed columns already (the input table; only when ``typed_only``).
        """
        given = [f"{r.given} AS {r.given_name}" for r in self.readings if r.given is not None]
        read = "s.*" if typed else self.typed_columns()
        columns = [*(["s.rowid AS _row"] if numbered else []), read, *given]
        name = quoted(_stage_name(self.spec))
        select = f"SELECT {', '.join(columns)} FROM {relation} AS s"
        return f"WITH {name} AS ({select}) {self._flag_rules(numbered)}"

    def _flag_rules(self, numbered: bool) -> str:
        """The typed stage with a flag per rule that a row breaks. Rules are written in Ibis
        over the typed columns, so Ibis compiles this part.
        """
        return flag_rules(self, {"_row": "int64"} if numbered else {}, "duckdb")


def stage_name(spec: TableSpec) -> str:
    """The name of a table's check stage (a common table expression), which rules read."""
    return _stage_name(spec)


def flag_rules(table: TableCheck, extra: Mapping[str, str], dialect: str) -> str:
    """SQL: the check stage (``stage_name``) with a flag per rule that a row breaks. Rules
    are written in Ibis over the typed columns, so Ibis compiles this part, for DuckDB or
    PostgreSQL. ``extra`` names the stage's other columns before the typed ones (the row's
    number or key) and their Ibis types.
    """
    if not table.rules:
        return f"SELECT * FROM {quoted(_stage_name(table.spec))}"
    import ibis

    # Ibis only passes the values as given through, so their type does not matter here
    schema = {
        **extra,
        **ibis_schema(table.spec),
        **{f"__given_{r.index}": "string" for r in table.readings if r.given is not None},
    }
    stage = ibis.table(schema, name=_stage_name(table.spec))
    flags = {
        f"__rule_{k}": ~rule.holds(stage).fill_null(True) for k, rule in enumerate(table.rules)
    }
    return ibis.to_sql(stage.mutate(**flags), dialect=dialect)


def column_checks(reading: Reading) -> list[Check]:
    """How one column's values can be bad: blank, unreadable, out of range, not a choice."""
    column, value = reading.column, reading.name
    found = []
    if column.required:
        problem = sql_literal(f"no value in column {column.name!r}")
        hint = f"fill in {column.label_en} ({column.label_zh}) or remove the row"
        found.append(Check(column.name, "E305", reading.blank, problem, hint))
    if reading.unreadable is not None:
        found.extend(_unreadable_checks(reading))
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
        found.append(Check(column.name, "E310", " OR ".join(limits), problem, hint))
    if column.choices:
        allowed = ", ".join(column.choices)
        problem = (
            f"{_quoted_text(value)} || "
            f"{sql_literal(f' in column {column.name!r} is not one of {allowed}')}"
        )
        listed = ", ".join(sql_literal(c) for c in column.choices)
        hint = f"write one of {allowed} exactly"
        found.append(Check(column.name, "E310", f"{value} NOT IN ({listed})", problem, hint))
    return found


def _unreadable_checks(reading: Reading) -> list[Check]:
    """A value given but not read: E303, or E313 for a date whose day and month cannot be
    told apart (in files only: PostgreSQL and Spark give E303).
    """
    column, unreadable = reading.column, str(reading.unreadable)
    problem = (
        f"'cannot read ' || {_quoted_text(reading.shown)} || "
        f"{sql_literal(f' in column {column.name!r} as {_TYPE_WORDS[column.type]}')}"
    )
    hint = _TYPE_HINTS[column.type]
    if column.type == "decimal":
        hint = _PERCENT_HINTS[accepts_percent(column)]
    dated = column.type in ("date", "timestamp", "month")
    if not (dated and reading.text and reading.dialect == "duckdb"):
        return [Check(column.name, "E303", unreadable, problem, hint)]
    ambiguous = _matches(f"trim({reading.given_name})", AMBIGUOUS_DATE)
    said = f"{problem} || ': is it the day or the month first?'"
    return [
        Check(column.name, "E303", f"{unreadable} AND NOT {ambiguous}", problem, hint),
        Check(column.name, "E313", f"{unreadable} AND {ambiguous}", said, _AMBIGUOUS_HINT),
    ]


def _quoted_text(value: str) -> str:
    """SQL showing a text value in quotes, as in 'repairs'."""
    return f"'''' || {value} || ''''"


def rule_check(rule: RowRule, index: int) -> Check:
    """A rule's check reads its flag (see ``TableCheck.stage``) and shows the values compared,
    e.g. ``opened_at=2026-01-07 10:00:00, resolved_at=…`` (blank when there is none).
    """
    shown = " || ', ' || ".join(
        f"{sql_literal(f'{name}=')} || coalesce(CAST({quoted(name)} AS VARCHAR), '')"
        for name in rule.columns
    )
    problem = f"{sql_literal(f'breaks the rule: {rule.label_en} ({rule.label_zh}): ')} || {shown}"
    return Check(rule.columns[-1], rule.code, quoted(f"__rule_{index}"), problem, rule.hint)


def _any(checks: Sequence[Check]) -> str:
    return " OR ".join(f"({c.where})" for c in checks) or "false"


def count_bad_rows(connection: Any, table: TableCheck, relation: str) -> int:
    """How many rows break a check, in one scan and without a copy: of the input table
    (``create_table``) when the checks read typed values only, else of ``relation``.
    """
    checks = table.checks
    if not checks:
        return 0
    if table.typed_only:
        stage = table.stage(quoted(table.spec.name), typed=True)
    else:
        stage = table.stage(relation)
    found = query(connection, f"SELECT count(*) FROM ({stage}) AS checked WHERE {_any(checks)}")
    return found[0][0]


def count_trimmed_rows(connection: Any, table: TableCheck, relation: str) -> int:
    """How many rows of ``relation`` hold a text value that typing changes: spaces trimmed,
    a blank made null. None is usual for a source written by a program (Parquet, a
    database); its texts are then read as they are (``TableCheck.texts_as_given``), which
    spares every later query the trimming, and null checks of a Parquet file are answered
    from its statistics.
    """
    changed = " OR ".join(
        f"({r.as_given} = '' OR {r.as_given} <> trim({r.as_given}))" for r in table.trimmed_texts
    )
    if not changed:
        return 0
    return query(connection, f"SELECT count(*) FROM {relation} AS s WHERE {changed}")[0][0]


def find_bad_rows(connection: Any, table: TableCheck, relation: str) -> None:
    """Record every problem of every bad row of ``relation`` (a table, numbered by its rowid)
    in the ``__bad`` table.

    One scan sets the bad rows aside with every value the checks read; each check then reads
    only those.
    """
    spec, checks = table.spec, table.checks
    flagged = quoted(_flagged_name(spec))
    query(
        connection,
        f"CREATE OR REPLACE TEMP TABLE {flagged} AS SELECT * FROM "
        f"({table.stage(relation, numbered=True)}) AS checked WHERE {_any(checks)}",
    )
    union = " UNION ALL ".join(f"({check.select(flagged)})" for check in checks)
    query(connection, f"CREATE OR REPLACE TABLE {quoted(bad_name(spec))} AS {union}")
    query(connection, f"DROP TABLE {flagged}")


def create_table(connection: Any, table: TableCheck, relation: str) -> int:
    """Create the input table from ``relation``'s rows, typed, in their order; how many
    rows it has. Its rowids number the rows as the source does.
    """
    name = quoted(table.spec.name)
    created = query(
        connection,
        f"CREATE OR REPLACE TABLE {name} AS SELECT {table.typed_columns()} FROM {relation} AS s",
    )
    return created[0][0]


def create_view(connection: Any, table: TableCheck, relation: str) -> int:
    """Make the input table a view of ``relation``'s rows, typed: for a typed source read in
    place, whose rows then stay in the file (a copy of 10M visits would hold 0.5 GB); how many
    rows it has.
    """
    name = quoted(table.spec.name)
    query(
        connection,
        f"CREATE OR REPLACE VIEW {name} AS SELECT {table.typed_columns()} FROM {relation} AS s",
    )
    return query(connection, f"SELECT count(*) FROM {name}")[0][0]


def drop_view(connection: Any, name: str) -> None:
    """Drop an input table's view (before a table of that name replaces it)."""
    query(connection, f"DROP VIEW IF EXISTS {quoted(name)}")


def delete_bad_rows(connection: Any, spec: TableSpec) -> int:
    """Delete the bad rows (``find_bad_rows``) from the input table; how many there were.

    By rowid, which keeps the others' order without sorting or copying them.
    """
    bad_rows = f"SELECT _row FROM {quoted(bad_name(spec))}"
    deleted = query(connection, f"DELETE FROM {quoted(spec.name)} WHERE rowid IN ({bad_rows})")
    return deleted[0][0]


def diagnostics(connection: Any, spec: TableSpec, source: Source, bad: int) -> list[Diagnostic]:
    """The first bad rows, each located by file, line and column, and how many there are."""
    shown = query(
        connection,
        f"SELECT _row, column_name, code, problem, hint FROM {quoted(bad_name(spec))} "
        f"ORDER BY _row, code, column_name LIMIT {SHOWN}",
    )
    found = []
    for row, column, code, problem, hint in shown:
        # a row of a folder's table is named by its own file and its row there
        file, at = source.piece_at(row)
        found.append(
            Diagnostic(
                code, f"{file.name}: row {at + 1}: {problem}", file.location(at, column), hint
            )
        )
    return with_count(found, len({row for row, *_ in shown}), bad, source)


def with_count(
    found: list[Diagnostic], listed: int, bad: int, source: Any, rejects: str = ""
) -> list[Diagnostic]:
    """The diagnostics of the first ``listed`` bad rows and, when there are more, one saying
    how many there are in all. ``rejects`` adds to what the hint says ``--rejects`` does.
    """
    if bad <= listed:
        return found
    total = Diagnostic(
        found[-1].code,
        f"{source.name}: {bad} rows break the table's rules in all; the first {listed} are listed",
        source.location(),
        "with --rejects FILE the run writes every bad row to FILE and goes on without them"
        + rejects,
    )
    return [*found, total]


def require_rows(
    spec: TableSpec, source: Any, read: int, used: int, hint: str, named: str = ""
) -> None:
    """E304 when no row of the table is left to use (and it may not be empty); ``named``
    follows the table's name (where it is, when no file says so).
    """
    if used == 0 and not (spec.may_be_empty and read == 0):
        fail(
            "E304",
            f"input table {spec.name!r}{named} has no rows"
            + (f" left: all {read} broke its rules (see the rejects file)" if read else ""),
            source.location(),
            hint,
        )


def start_rejects(connection: Any) -> None:
    """An empty list of rejected rows, which ``add_rejects`` fills table by table."""
    query(connection, f"CREATE OR REPLACE TEMP TABLE {_REJECTS} ({_REJECT_COLUMNS})")


def add_rejects(connection: Any, spec: TableSpec, source: Source, relation: str) -> None:
    """Every bad row of a table, one line each: where it was, what is wrong with it, and the
    row itself as JSON text (as read, so it can be corrected and loaded again).

    ``relation`` is the numbered table ``find_bad_rows`` read; values stored as numbers or
    dates are written as text, as a text file would hold them.
    """
    record = ", ".join(
        f"{quoted(c.name)} := CAST(r.{quoted(c.name)} AS VARCHAR)" for c in spec.columns
    )
    file, row, line = _place_in_file(source, "b._row")
    query(
        connection,
        f"INSERT INTO {_REJECTS} SELECT {sql_literal(spec.name)}, "
        f"{file}, {row}, {line}, "
        "string_agg(DISTINCT b.column_name, '; '), string_agg(DISTINCT b.code, '; '), "
        "string_agg(b.problem, '; ' ORDER BY b.code, b.column_name), "
        f"any_value(to_json(struct_pack({record}))::VARCHAR) "
        f"FROM {quoted(bad_name(spec))} b JOIN {relation} r "
        "ON r.rowid = b._row GROUP BY b._row",
    )


def _place_in_file(source: Source, row: str) -> tuple[str, str, str]:
    """SQL for where a row of the table (``row``, counted from 0) was: its file's name, its
    row there (from 1) and its line (NULL where the source has no lines). A folder's table
    follows its files one after another, so each file's rows are a range of the table's.
    """
    places = []
    for piece, start in source.starts():
        first_line = piece.line(0)
        line = "NULL" if first_line is None else f"{row} - {start} + {first_line}"
        places.append((start, sql_literal(piece.name), f"{row} - {start} + 1", line))
    if len(places) == 1:
        return places[0][1:]
    # the last file starting at or before the row holds it
    latest = list(reversed(places))

    def case(k: int) -> str:
        whens = " ".join(f"WHEN {row} >= {p[0]} THEN {p[k]}" for p in latest)
        return f"CASE {whens} END"

    return case(1), case(2), case(3)


def write_rejects(connection: Any, path: Path) -> None:
    """Write the rejected rows of every table (``add_rejects``) to a CSV file: to a
    temporary name beside it, then renamed, so no half-written list is left.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        query(
            connection,
            f'COPY (SELECT * FROM {_REJECTS} ORDER BY "table", "row") TO '
            f"{sql_literal(str(temporary))} (HEADER, DELIMITER ',', FORMAT csv)",
        )
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def drop_table(connection: Any, name: str) -> None:
    """Drop a working table once it is no longer needed (its rows take memory)."""
    query(connection, f"DROP TABLE IF EXISTS {quoted(name)}")


def query(connection: Any, sql: str, parameters: list | None = None) -> list[tuple]:
    """Run one statement and fetch all of it (DuckDB refuses new work while a result is open)."""
    return connection.execute(sql, parameters or []).fetchall()
