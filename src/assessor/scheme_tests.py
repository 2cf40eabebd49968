"""Scheme tests: cases a consultant writes beside a scheme, run with ``assessor test``.

For a scheme ``foo.assess`` the cases live in the folder ``foo.tests/`` beside it, one case per
``<case>.yaml`` file or ``<case>/`` folder (a table case: ``given/<table>.csv|.xlsx``,
``expect.csv|.xlsx`` and an optional ``case.yaml``). Each case gives the rows of every input
table and the result rows it expects (or the error code the run must fail with). The given
rows are written as CSV files into a temporary data folder and the scheme is assessed on it
exactly as ``assessor run`` would; a problem in a given row is reported at the case file's
line, not at the temporary file.

Malformed case files are user errors (E501-E503), all reported together before any case runs;
finding no case at all is E504.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
import tempfile
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from assessor import results, session
from assessor.errors import (
    AssessorError,
    DataLocation,
    Diagnostic,
    Location,
    Span,
    raise_if_errors,
    render,
    suggest,
)
from assessor.located_yaml import LocatedMapping, YamlProblem, load_located
from assessor.model import scheme as m

# Result columns that identify a row; an expected row is matched on those it gives.
KEY_COLUMNS = ("period", "role", "subject", "item")
YAML_KEYS = ("description", "from", "to", "set", "given", "expect", "error")
# A table case keeps its rows in files; its case.yaml holds only the settings (and may name
# the error the run must fail with, instead of an expect file).
TABLE_CASE_KEYS = ("description", "from", "to", "set", "error")
TABLE_SUFFIXES = (".csv", ".xlsx")
_YAML_SUFFIXES = (".yaml", ".yml")
_CODE = re.compile(r"E\d{3}")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CLOSEST_SHOWN = 3


# -- loaded cases ------------------------------------------------------------------------


@attrs.frozen
class CaseRow:
    """One given or expected row: column -> text as a person would type it, and its place.

    ``cells`` holds the place of single values when the case file knows them (YAML); in a
    table file a value's place is its row and column.
    """

    values: Mapping[str, str]
    location: Location
    cells: Mapping[str, Location] = attrs.field(factory=dict)
    names: Mapping[str, Location] = attrs.field(factory=dict)

    def where(self, column: str | None) -> Location:
        """The place of one value of the row (the row itself when the column is unknown)."""
        if column is not None and column in self.cells:
            return self.cells[column]
        if column is not None and isinstance(self.location, DataLocation):
            return attrs.evolve(self.location, column=column)
        return self.location


@attrs.frozen
class GivenTable:
    """The rows a case gives for one input table, and the header they are written with."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[CaseRow, ...]
    location: Location


@attrs.frozen
class Case:
    """One scheme test: settings, given tables, and expected rows or an expected error code."""

    name: str
    path: Path
    description: str
    first: m.Period | None
    last: m.Period | None
    overrides: tuple[tuple[str, str], ...]
    given: tuple[GivenTable, ...]
    expect: tuple[CaseRow, ...]
    error: str | None
    # the YAML texts (file -> text), for excerpts under diagnostics that point into them
    texts: Mapping[str, str] = attrs.field(factory=dict)
    # where ``set`` is written: a parameter the scheme refuses is reported there
    set_location: Location | None = None


@attrs.frozen
class Suite:
    """A scheme with its cases; ``label`` names the scheme in the report."""

    loaded: session.LoadedScheme
    label: str
    cases: tuple[Case, ...]


@attrs.frozen
class CaseResult:
    """The verdict on one case and, for a failure, the lines that say why."""

    suite: Suite
    case: Case
    passed: bool
    details: tuple[str, ...] = ()


# -- discovery ---------------------------------------------------------------------------


def tests_folder(scheme: Path) -> Path:
    """Where the cases of a scheme live: ``foo.tests/`` beside ``foo.assess``."""
    return scheme.with_name(f"{scheme.stem}.tests")


def discover(target: Path) -> list[Path]:
    """The schemes to test: the file given, or every ``*.assess`` below a folder (hidden
    folders skipped) that has a tests folder, sorted.
    """
    if not target.is_dir():
        return [target] if tests_folder(target).is_dir() else []
    found = (
        path
        for path in target.rglob("*.assess")
        if not any(part.startswith(".") for part in path.relative_to(target).parts)
        and tests_folder(path).is_dir()
    )
    return sorted(found)


def case_paths(folder: Path) -> list[Path]:
    """The cases in a tests folder, by name: YAML files and folders; other files are notes."""
    return sorted(
        path
        for path in folder.iterdir()
        if not path.name.startswith((".", "~$"))
        and (path.is_dir() or (path.is_file() and path.suffix in _YAML_SUFFIXES))
    )


def load_suites(target: Path, sources: dict[str, str] | None = None) -> list[Suite]:
    """Read every scheme under ``target`` and its cases.

    Raises :class:`AssessorError` with every problem in the case files at once (E501-E503),
    with E504 when there is no case at all, or with the scheme's own errors.
    ``sources`` receives the texts that diagnostics point into.
    """
    suites, report = [], _Report()
    for scheme_path in discover(target):
        loaded = session.read_scheme(scheme_path, None, sources)
        label = str(scheme_path.relative_to(target)) if target.is_dir() else scheme_path.name
        cases = [
            _load_case(path, loaded.scheme, report)
            for path in case_paths(tests_folder(scheme_path))
        ]
        suites.append(Suite(loaded, label, tuple(c for c in cases if c is not None)))
    if sources is not None:
        sources.update(report.texts)
    raise_if_errors(report.problems)
    if not any(suite.cases for suite in suites):
        _no_cases(target)
    return suites


def _no_cases(target: Path) -> None:
    where = (
        f"in any '<scheme>.tests' folder under {str(target)!r}"
        if target.is_dir()
        else f"in {str(tests_folder(target))!r}"
    )
    raise AssessorError(
        Diagnostic(
            "E504",
            f"no scheme tests found {where}",
            DataLocation(str(target)),
            "cases for a scheme foo.assess are looked for in the folder foo.tests/ beside it: "
            "one <case>.yaml file or one <case>/ folder (given/, expect.csv) per case",
        )
    )


# -- reading case files ------------------------------------------------------------------


@attrs.define
class _Report:
    """What reading the case files found: the problems, and the texts they point into."""

    problems: list[Diagnostic] = attrs.field(factory=list)
    texts: dict[str, str] = attrs.field(factory=dict)

    def add(self, diagnostic: Diagnostic) -> None:
        """Keep a problem, to report all of them at once."""
        self.problems.append(diagnostic)


def _read_yaml(path: Path, report: _Report) -> tuple[Any, str | None]:
    """The YAML document of a case file and its text; (None, None) after a reported problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        report.add(_malformed(f"cannot read it as UTF-8 text: {error}", DataLocation(str(path))))
        return None, None
    report.texts[str(path)] = text
    try:
        return load_located(text, str(path)), text
    except YamlProblem as problem:
        report.add(_malformed(problem.message, problem.location))
    return None, None


def _malformed(message: str, location: Location | None, hint: str | None = None) -> Diagnostic:
    return Diagnostic("E501", message, location, hint or _CASE_HINT)


_CASE_HINT = (
    "a case has description, from, to, set, given (rows per input table) and expect (rows) "
    "or error (a code)"
)


def _load_case(path: Path, scheme: m.Scheme, report: _Report) -> Case | None:
    """One case, or None after reporting what is wrong with it."""
    before = len(report.problems)
    if path.is_dir():
        case = _load_table_case(path, scheme, report)
    else:
        case = _load_yaml_case(path, scheme, report)
    return case if len(report.problems) == before else None


def _load_yaml_case(path: Path, scheme: m.Scheme, report: _Report) -> Case | None:
    document, text = _read_yaml(path, report)
    if text is None:
        return None
    if not isinstance(document, LocatedMapping):
        report.add(_malformed("a case file must be a mapping of keys", DataLocation(str(path))))
        return None
    _refuse_unknown_keys(document, YAML_KEYS, report)
    has_expect, has_error = "expect" in document, "error" in document
    if has_expect == has_error:
        report.add(
            _malformed(
                "give either expect (the result rows) or error (the code the run fails with)"
                if not has_expect
                else "give expect or error, not both",
                document.span,
            )
        )
    given = _yaml_given(document, scheme, report)
    expect = _yaml_rows(document, "expect", report) if has_expect else []
    _refuse_unknown_result_columns(expect, report)
    first, last = _case_periods(document, scheme, report)
    return Case(
        name=path.stem,
        path=path,
        description=_description(document),
        first=first,
        last=last,
        overrides=_overrides(document, report),
        set_location=document.value_spans.get("set"),
        given=tuple(given),
        expect=tuple(expect),
        error=_error_code(document, report),
        texts={str(path): text},
    )


def _refuse_unknown_keys(document: LocatedMapping, allowed: Sequence[str], report: _Report) -> None:
    for key in document:
        if str(key) not in allowed:
            report.add(
                _malformed(
                    f"unknown key {str(key)!r}",
                    document.key_spans.get(str(key), document.span),
                    suggest(str(key), allowed) or f"the keys are: {', '.join(allowed)}",
                )
            )


def _description(document: Mapping[str, Any]) -> str:
    description = document.get("description")
    return "" if description is None else str(description).strip()


def _case_periods(
    document: LocatedMapping, scheme: m.Scheme, report: _Report
) -> tuple[m.Period | None, m.Period | None]:
    """``from`` and ``to`` as periods of the scheme; both fall back to the scheme's window."""
    periods: dict[str, m.Period | None] = {}
    for key in ("from", "to"):
        value = document.get(key)
        periods[key] = None if value is None else m.Period.parse(as_text(value), scheme.period_kind)
        if value is not None and periods[key] is None:
            report.add(
                _malformed(
                    f"{key}: {as_text(value)!r} is not a period of this {scheme.period_kind} "
                    "scheme",
                    document.place(key),
                    "write a month as YYYY-MM (2026-01), a quarter as YYYY-Qn (2026-Q1), a "
                    "half-year as YYYY-Hn, a year as YYYY",
                )
            )
            return None, None
    first, last = periods["from"], periods["to"]
    try:
        session.assessed_periods(scheme, first, last)
    except ValueError:
        report.add(
            _malformed(
                f"from {first} is after to {last}"
                if first is not None and last is not None
                else "the scheme has no window, so the case must give from and to",
                document.place("from"),
                "give the periods to assess, e.g. from: 2026-01 and to: 2026-03",
            )
        )
    return first, last


def _overrides(document: LocatedMapping, report: _Report) -> tuple[tuple[str, str], ...]:
    """``set`` as sorted (name, text) pairs: one key for the schemes read with them."""
    values = document.get("set")
    if values is None:
        return ()
    if not isinstance(values, Mapping):
        report.add(
            _malformed(
                "set must map parameter names to values",
                document.place("set"),
                "write e.g. set: {lapse_months: 12}",
            )
        )
        return ()
    return tuple(sorted((str(name), as_text(value)) for name, value in values.items()))


def _error_code(document: LocatedMapping, report: _Report) -> str | None:
    value = document.get("error")
    if value is None:
        return None if "error" not in document else _bad_code(document, report)
    code = str(value).strip()
    return code if _CODE.fullmatch(code) else _bad_code(document, report)


def _bad_code(document: LocatedMapping, report: _Report) -> None:
    report.add(
        _malformed(
            f"error: {document.get('error')!r} is not an error code",
            document.place("error"),
            "write the code the run must fail with, e.g. error: E305 (see docs/errors.md)",
        )
    )


def _yaml_given(document: LocatedMapping, scheme: m.Scheme, report: _Report) -> list[GivenTable]:
    """The given tables of a YAML case, with the header each is written with."""
    given = document.get("given")
    if given is None:
        given = LocatedMapping()
        given.span, given.key_spans, given.value_spans = document.span, {}, {}
    if not isinstance(given, LocatedMapping):
        report.add(
            _malformed("given must map input tables to lists of rows", document.place("given"))
        )
        return []
    where = {str(name): given.key_spans.get(str(name), given.span) for name in given}
    tables = _match_tables(where, scheme, document.key_spans.get("given", document.span), report)
    loaded = []
    for name, spec in tables.items():
        rows = _yaml_rows(given, name, report)
        declared = tuple(c.name for c in spec.columns)
        _refuse_unknown_given_columns(name, declared, rows, report)
        loaded.append(GivenTable(name, declared, tuple(rows), where[name]))
    return loaded


def _match_tables(
    given: Mapping[str, Location],
    scheme: m.Scheme,
    where: Location,
    report: _Report,
) -> dict[str, Any]:
    """The scheme's table spec of each given table, in the scheme's order; every table the
    scheme reads must be given and no other.
    """
    read = {spec.name: spec for spec in scheme.tables}
    for name, location in given.items():
        if name not in read:
            report.add(
                Diagnostic(
                    "E503",
                    f"the scheme does not read a table {name!r}",
                    location,
                    suggest(name, read) or f"the scheme reads: {', '.join(read) or '(nothing)'}",
                )
            )
    missing = [name for name in read if name not in given]
    if missing:
        report.add(
            Diagnostic(
                "E503",
                f"no rows given for input table {', '.join(repr(n) for n in missing)}",
                where,
                "give the rows of every table the scheme reads: "
                + ", ".join(f"{n} ({', '.join(c.name for c in read[n].columns)})" for n in read),
            )
        )
    return {name: spec for name, spec in read.items() if name in given}


def _yaml_rows(parent: LocatedMapping, key: str, report: _Report) -> list[CaseRow]:
    """The rows under ``key``: a list of mappings of column to a single value."""
    items = parent.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        report.add(_malformed(f"{key} must be a list of rows", parent.place(key)))
        return []
    rows = []
    for item in items:
        if not isinstance(item, LocatedMapping):
            report.add(
                _malformed(
                    f"each row of {key} must be a mapping of column to value, e.g. "
                    "{subject: A, amount: 200}",
                    parent.place(key),
                )
            )
            continue
        values = {}
        for column, value in item.items():
            if isinstance(value, (list, dict)):
                report.add(
                    _malformed(
                        f"column {str(column)!r}: a value must be a single number, date or text",
                        item.value_spans.get(str(column), item.span),
                    )
                )
                continue
            values[str(column)] = as_text(value)
        rows.append(CaseRow(values, item.span, dict(item.value_spans), dict(item.key_spans)))
    return rows


def _refuse_unknown_given_columns(
    table: str, declared: Sequence[str], rows: Iterable[CaseRow], report: _Report
) -> None:
    reported = set()
    for row in rows:
        for column in row.values:
            if column not in declared and column not in reported:
                reported.add(column)
                report.add(
                    _unknown_column(
                        f"table {table!r} has no column {column!r}",
                        _key_place(row, column),
                        column,
                        declared,
                    )
                )


def _refuse_unknown_result_columns(rows: Iterable[CaseRow], report: _Report) -> None:
    reported = set()
    for row in rows:
        for column in row.values:
            if column not in results.COLUMNS and column not in reported:
                reported.add(column)
                report.add(
                    _unknown_column(
                        f"results have no column {column!r}",
                        _key_place(row, column),
                        column,
                        results.COLUMNS,
                    )
                )


def _key_place(row: CaseRow, column: str) -> Location:
    """Where a column's name is written in a row."""
    return row.names.get(column) or row.where(column)


def _unknown_column(
    message: str, location: Location, column: str, known: Sequence[str]
) -> Diagnostic:
    return Diagnostic(
        "E502",
        message,
        location,
        " ".join(filter(None, [suggest(column, known), f"the columns are: {', '.join(known)}"])),
    )


def as_text(value: Any, whole_floats_as_integers: bool = False) -> str:
    """A YAML or spreadsheet value as a person would type it in a CSV file: a date as
    2026-01-31, a number without exponent (96.5), an empty value as ''.

    Spreadsheets keep every number as a float, so there 96.0 is written 96.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if whole_floats_as_integers and value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        if whole_floats_as_integers and value.time() == dt.time():
            return value.date().isoformat()  # a spreadsheet date is a datetime at midnight
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# -- table cases -------------------------------------------------------------------------


def _load_table_case(folder: Path, scheme: m.Scheme, report: _Report) -> Case | None:
    settings, text = _table_case_settings(folder, report)
    if settings is None:
        return None
    error = _error_code(settings, report)
    given = _table_given(folder, scheme, report)
    expect_files = [
        folder / f"expect{s}" for s in TABLE_SUFFIXES if (folder / f"expect{s}").is_file()
    ]
    expect: list[CaseRow] = []
    if len(expect_files) > 1:
        report.add(_malformed("both expect.csv and expect.xlsx exist", DataLocation(str(folder))))
    elif expect_files and "error" in settings:
        report.add(
            _malformed("give expect.csv or error in case.yaml, not both", DataLocation(str(folder)))
        )
    elif expect_files:
        header, rows = read_table_file(expect_files[0], report)
        _refuse_unknown_header(expect_files[0], header, results.COLUMNS, "results have", report)
        # a blank cell means "not checked"
        expect = [
            attrs.evolve(r, values={c: v for c, v in r.values.items() if v != ""}) for r in rows
        ]
    elif "error" not in settings:
        report.add(
            _malformed(
                "no expect.csv or expect.xlsx in the case folder",
                DataLocation(str(folder)),
                "put the expected result rows in expect.csv (or expect.xlsx), or name the error "
                "the run must fail with in case.yaml (error: E305)",
            )
        )
    first, last = _case_periods(settings, scheme, report)
    return Case(
        name=folder.name,
        path=folder,
        description=_description(settings),
        first=first,
        last=last,
        overrides=_overrides(settings, report),
        set_location=settings.value_spans.get("set"),
        given=tuple(given),
        expect=tuple(expect),
        error=error,
        texts={} if text is None else {str(folder / "case.yaml"): text},
    )


def _table_case_settings(folder: Path, report: _Report) -> tuple[Any, str | None]:
    """The mapping in case.yaml (empty when there is none) and its text."""
    path = folder / "case.yaml"
    if not path.is_file():
        empty = LocatedMapping()
        empty.span, empty.key_spans, empty.value_spans = DataLocation(str(folder)), {}, {}
        return empty, None
    document, text = _read_yaml(path, report)
    if text is None:
        return None, None
    if document is None:
        document = LocatedMapping()
        document.span, document.key_spans, document.value_spans = DataLocation(str(path)), {}, {}
    if not isinstance(document, LocatedMapping):
        report.add(_malformed("case.yaml must be a mapping of keys", DataLocation(str(path))))
        return None, None
    _refuse_unknown_keys(document, TABLE_CASE_KEYS, report)
    return document, text


def _table_given(folder: Path, scheme: m.Scheme, report: _Report) -> list[GivenTable]:
    given_folder = folder / "given"
    if not given_folder.is_dir():
        report.add(
            _malformed(
                "no given/ folder in the case folder",
                DataLocation(str(folder)),
                "put one <table>.csv or <table>.xlsx per input table in given/",
            )
        )
        return []
    files: dict[str, Path] = {}
    for path in sorted(given_folder.iterdir()):
        if path.name.startswith((".", "~$")):
            continue  # hidden files and Excel's lock files
        if path.suffix not in TABLE_SUFFIXES or not path.is_file():
            report.add(
                _malformed(
                    f"{path.name}: a given table is a .csv or .xlsx file",
                    DataLocation(str(path)),
                )
            )
        elif path.stem in files:
            report.add(
                _malformed(f"two files for table {path.stem!r}", DataLocation(str(given_folder)))
            )
        else:
            files[path.stem] = path
    where = {name: DataLocation(str(path)) for name, path in files.items()}
    tables = _match_tables(where, scheme, DataLocation(str(given_folder)), report)
    loaded = []
    for name, spec in tables.items():
        header, rows = read_table_file(files[name], report)
        declared = [c.name for c in spec.columns]
        _refuse_unknown_header(files[name], header, declared, f"table {name!r} has", report)
        # a declared column the file lacks is left out, so that the run reports it (E302)
        columns = tuple(c for c in declared if c in header)
        loaded.append(GivenTable(name, columns, tuple(rows), DataLocation(str(files[name]), 1)))
    return loaded


def _refuse_unknown_header(
    path: Path, header: Sequence[str], known: Sequence[str], owner_has: str, report: _Report
) -> None:
    for column in header:
        if column not in known:
            report.add(
                _unknown_column(
                    f"{owner_has} no column {column!r}",
                    DataLocation(str(path), 1, column),
                    column,
                    known,
                )
            )


def read_table_file(path: Path, report: _Report) -> tuple[list[str], list[CaseRow]]:
    """The header and rows of a case's CSV or XLSX file; fully empty rows are skipped."""
    lines = _csv_lines(path, report) if path.suffix == ".csv" else _xlsx_lines(path, report)
    if not lines:
        if lines is not None:
            report.add(_malformed(f"{path.name} has no header row", DataLocation(str(path))))
        return [], []
    (_, header), body = lines[0], lines[1:]
    header = [name.strip() for name in header]
    while header and not header[-1]:
        header.pop()  # spreadsheets often carry empty columns at the right
    duplicates = sorted({name for name in header if header.count(name) > 1 or not name})
    if duplicates:
        report.add(
            _malformed(
                f"{path.name}: the header has blank or repeated column names: "
                + ", ".join(repr(name) for name in duplicates),
                DataLocation(str(path), 1),
            )
        )
        return [], []
    rows = []
    for line, cells in body:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            report.add(
                _malformed(
                    f"{path.name}: this row has more values than the header has columns",
                    DataLocation(str(path), line),
                )
            )
            continue
        values = dict(zip(header, [*cells, *[""] * (len(header) - len(cells))], strict=False))
        rows.append(CaseRow(values, DataLocation(str(path), line)))
    return header, rows


def _csv_lines(path: Path, report: _Report) -> list[tuple[int, list[str]]] | None:
    """(line number, cells) of every record of a CSV file, or None after a reported problem."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            records, start = [], 1
            for cells in reader:
                records.append((start, cells))
                start = reader.line_num + 1
            return records
    except UnicodeDecodeError:
        report.add(
            _malformed(
                f"{path.name} is not UTF-8 text",
                DataLocation(str(path)),
                "save the file as CSV UTF-8 (Excel: 另存为 > CSV UTF-8)",
            )
        )
    except csv.Error as error:
        report.add(_malformed(f"{path.name}: {error}", DataLocation(str(path))))
    return None


def _xlsx_lines(path: Path, report: _Report) -> list[tuple[int, list[str]]] | None:
    """(row number, cells as text) of the first sheet of a workbook, or None after a problem."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zip, XML and its own errors for a bad file
        report.add(
            _malformed(
                f"cannot read {path.name} as an Excel workbook: {error}",
                DataLocation(str(path)),
                "save it from Excel as .xlsx (Excel 工作簿), or export it as CSV UTF-8",
            )
        )
        return None
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = [as_text(value) for value in rows[0]] if rows else []
    return [
        (
            number,
            [_spreadsheet_text(v, name) for v, name in zip(values, _names(header), strict=False)],
        )
        for number, values in enumerate(rows, start=1)
    ]


def _names(header: Sequence[str]) -> Iterator[str]:
    """The header's names, then blank names for cells beyond it."""
    yield from header
    while True:
        yield ""


def _spreadsheet_text(value: Any, column: str) -> str:
    # Excel turns a typed 2024-09 into the date 2024-09-01: in a period column that is the
    # month that was meant
    if column.strip() == "period" and isinstance(value, dt.date) and value.day == 1:
        return f"{value.year:04d}-{value.month:02d}"
    return as_text(value, whole_floats_as_integers=True)


# -- running -----------------------------------------------------------------------------


def run_suites(
    suites: Iterable[Suite], language: results.Language = "en", engine: Any = None
) -> Iterator[CaseResult]:
    """Run every case, yielding each verdict as soon as it is known; ``engine`` (an
    ``engine.backends.EngineChoice``) runs the plans, DuckDB when None.
    """
    for suite in suites:
        schemes: dict[tuple[tuple[str, str], ...], session.LoadedScheme | AssessorError] = {
            (): suite.loaded
        }
        for case in suite.cases:
            if case.overrides not in schemes:
                schemes[case.overrides] = _read_with(suite.loaded.path, case.overrides)
            yield run_case(suite, case, schemes[case.overrides], language, engine)


def _read_with(
    path: Path, overrides: tuple[tuple[str, str], ...]
) -> session.LoadedScheme | AssessorError:
    """The scheme read with a case's ``set``; an error is kept to judge each case by."""
    try:
        return session.read_scheme(path, dict(overrides))
    except AssessorError as error:
        return error


def run_case(
    suite: Suite,
    case: Case,
    loaded: session.LoadedScheme | AssessorError,
    language: results.Language = "en",
    engine: Any = None,
) -> CaseResult:
    """Assess the case's given rows and judge the outcome against what it expects."""
    if isinstance(loaded, AssessorError):
        # the scheme refused the case's parameters (its own errors stopped the run earlier)
        where = case.set_location or DataLocation(str(case.path))
        return _judge_error(
            suite,
            case,
            [d if d.location else attrs.evolve(d, location=where) for d in loaded.diagnostics],
        )
    try:
        records = _assess(case, loaded, language, engine)
    except AssessorError as error:
        diagnostics = [_in_case(d, case, None) for d in error.diagnostics]
        return _judge_error(suite, case, diagnostics)
    if case.error is not None:
        return CaseResult(
            suite,
            case,
            False,
            (
                f"expected error {case.error}, but the run succeeded "
                f"with {len(records)} result rows",
            ),
        )
    details = [line for row in case.expect for line in _compare_row(row, records)]
    return CaseResult(suite, case, not details, tuple(details))


def _assess(
    case: Case, loaded: session.LoadedScheme, language: results.Language, engine: Any = None
) -> list[dict[str, str]]:
    """The case's result rows as written to results.csv."""
    first, last = session.assessed_periods(loaded.scheme, case.first, case.last)
    with tempfile.TemporaryDirectory(prefix="assessor-test-") as name:
        folder = Path(name)
        written = {table.name: write_given(table, folder) for table in case.given}
        try:
            assessment = session.assess(loaded, folder, first, last, language, engine=engine)
        except AssessorError as error:
            # point at the case file before the temporary files are gone
            raise AssessorError(
                [_in_case(d, case, _Written(folder, written)) for d in error.diagnostics]
            ) from None
    return [outcome.as_record() for outcome in assessment.outcomes]


@attrs.frozen
class _Written:
    """The temporary data folder and, per table, the first line of each written row."""

    folder: Path
    tables: Mapping[str, list[int]]


def write_given(table: GivenTable, folder: Path) -> list[int]:
    """Write a given table as ``<table>.csv``; return the line each row starts on."""
    lines = [_csv_record(table.columns)]
    starts, written = [], 1
    for row in table.rows:
        # a value with a line break takes several lines: count them to map lines back
        record = _csv_record([row.values.get(column, "") for column in table.columns])
        starts.append(written + 1)
        written += record.count("\n")
        lines.append(record)
    (folder / f"{table.name}.csv").write_text("".join(lines), encoding="utf-8")
    return starts


def _csv_record(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    # a lone carriage return is not quoted by the csv module, yet ends the row for readers
    quoting = csv.QUOTE_ALL if any("\r" in str(c) for c in cells) else csv.QUOTE_MINIMAL
    csv.writer(buffer, lineterminator="\n", quoting=quoting).writerow(cells)
    return buffer.getvalue()


def _in_case(diagnostic: Diagnostic, case: Case, written: _Written | None) -> Diagnostic:
    """A diagnostic about the temporary data folder moved to the case file that gave it."""
    location = diagnostic.location
    if location is None:
        return attrs.evolve(diagnostic, location=DataLocation(str(case.path)))
    if written is None or not isinstance(location, DataLocation):
        return diagnostic
    path = Path(location.file)
    if path == written.folder:
        return attrs.evolve(diagnostic, location=DataLocation(str(case.path)))
    table = next((t for t in case.given if path == written.folder / f"{t.name}.csv"), None)
    if table is None:
        return diagnostic
    starts = written.tables[table.name]
    index = bisect_right(starts, location.row) - 1 if location.row is not None else -1
    if index >= 0:
        place = table.rows[index].where(location.column)
    elif isinstance(table.location, DataLocation):
        place = attrs.evolve(table.location, column=location.column)
    else:
        place = table.location
    message = diagnostic.message.replace(str(path), path.name).replace(
        path.name, f"given table {table.name!r}"
    )
    return attrs.evolve(diagnostic, message=message, location=place)


def _judge_error(suite: Suite, case: Case, found: Sequence[Diagnostic]) -> CaseResult:
    codes = [d.code for d in found]
    if case.error is not None and case.error in codes:
        return CaseResult(suite, case, True)
    heading = (
        f"expected error {case.error}, but the run failed with {', '.join(codes)}:"
        if case.error is not None
        else "the run failed:"
    )
    rendered = [_render(d, suite, case) for d in found]
    lines = [f"    {line}" for text in rendered for line in text.splitlines()]
    return CaseResult(suite, case, False, (f"  {heading}", *lines))


def _render(diagnostic: Diagnostic, suite: Suite, case: Case) -> str:
    texts = {str(suite.loaded.path): suite.loaded.text, **case.texts}
    location = diagnostic.location
    source = texts.get(location.file) if isinstance(location, Span) else None
    return render(diagnostic, source)


# -- comparing ---------------------------------------------------------------------------


def same_value(expected: str, actual: str) -> bool:
    """Numbers compare as decimals (87.50 = 87.5), anything else as exact text."""
    if _NUMBER.fullmatch(expected.strip()) and _NUMBER.fullmatch(actual.strip()):
        return Decimal(expected) == Decimal(actual)
    return expected == actual


def _compare_row(expected: CaseRow, records: Sequence[Mapping[str, str]]) -> list[str]:
    """Nothing when exactly one result row has the expected key and values; else the lines
    that say what differs.
    """
    key = {c: v for c, v in expected.values.items() if c in KEY_COLUMNS}
    checked = {c: v for c, v in expected.values.items() if c not in KEY_COLUMNS}
    matches = [r for r in records if all(r.get(c) == v for c, v in key.items())]
    heading = f"{_describe_place(expected.location)}: {_describe_key(key)}"
    if len(matches) == 1:
        actual = matches[0]
        lines = [
            f"    {column}: expected {_shown(value)}, got {_shown(actual.get(column, ''))}"
            for column, value in checked.items()
            if not same_value(value, actual.get(column, ""))
        ]
        return [f"  {heading}", *lines] if lines else []
    if matches:
        return [
            f"  {heading}: {len(matches)} result rows match; give more of "
            + ", ".join(KEY_COLUMNS),
            *(f"    {_describe_record(r, checked)}" for r in matches[:_CLOSEST_SHOWN]),
        ]
    closest = _closest(key, checked, records)
    return [
        f"  {heading}: no result row matches",
        *(["    closest:"] if closest else ["    no result row shares a key column with it"]),
        *(f"      {_describe_record(r, checked)}" for r in closest),
    ]


def _closest(
    key: Mapping[str, str], checked: Mapping[str, str], records: Sequence[Mapping[str, str]]
) -> list[Mapping[str, str]]:
    """Up to three result rows of the same subject or item, those most alike first; when
    there are none, the rows that share most of the key (a misspelt subject shows its
    correct spelling).
    """
    near = [r for r in records if any(c in key and r.get(c) == key[c] for c in ("subject", "item"))]
    if not near:
        near = [r for r in records if any(r.get(c) == v for c, v in key.items())]

    def likeness(record: Mapping[str, str]) -> tuple[int, float, int]:
        keys = sum(record.get(c) == v for c, v in key.items())
        spelling = sum(
            difflib.SequenceMatcher(None, v, record.get(c, "")).ratio() for c, v in key.items()
        )
        values = sum(same_value(v, record.get(c, "")) for c, v in checked.items())
        return keys, spelling, values

    return sorted(near, key=likeness, reverse=True)[:_CLOSEST_SHOWN]


def _describe_key(key: Mapping[str, str]) -> str:
    return ", ".join(f"{c} {_shown(v)}" for c, v in key.items()) or "(no key columns)"


def _describe_record(record: Mapping[str, str], checked: Mapping[str, str]) -> str:
    """``period role subject item`` followed by the compared columns."""
    key = " ".join(_shown(record[c]) for c in KEY_COLUMNS if c in record)
    values = "  ".join(f"{c}={_shown(record.get(c, ''))}" for c in checked)
    return f"{key}  {values}" if values else key


def _describe_place(location: Location) -> str:
    if isinstance(location, Span):
        return f"{location.file}:{location.line}"
    return location.describe()


def _shown(value: str) -> str:
    return value if value != "" else "(blank)"


# -- report ------------------------------------------------------------------------------


def describe(result: CaseResult) -> str:
    """``PASS scheme.assess › case`` and, for a failure, the lines that say why."""
    verdict = "PASS" if result.passed else "FAIL"
    lines = [f"{verdict} {result.suite.label} › {result.case.name}"]
    if not result.passed:
        if result.case.description:
            lines.append(f"  ({result.case.description.splitlines()[0]})")
        lines.extend(result.details)
    return "\n".join(lines)


def summary(verdicts: Sequence[CaseResult]) -> str:
    """``N passed, M failed``."""
    passed = sum(r.passed for r in verdicts)
    failed = len(verdicts) - passed
    return f"{passed} passed, {failed} failed (通过 {passed}，失败 {failed})"
