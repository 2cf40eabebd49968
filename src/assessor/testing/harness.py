"""Run one plugin metric, or a whole scheme, on small inline tables through the real engine.

Nothing here imitates the engine: the tables are written as CSV files into a folder, and the
scheme (for a metric, a generated one-rule scheme) is read, checked and assessed by
``session`` exactly as ``assessor run`` does, on DuckDB. What comes back is compared with
``assessor.testing.compare.assert_rows``.
"""

from __future__ import annotations

import csv
import io
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from assessor import session
from assessor.model import scheme as m
from assessor.model.registry import MetricSpec, Registry, TableSpec
from assessor.results import csv_text

# A table as a test gives it: rows as dicts, CSV text, or a CSV file.
Rows = Sequence[Mapping[str, Any]] | str | Path
Plugins = Mapping[str, object] | None

# the names in the generated scheme of ``run_metric``
ROLE, METRIC, RULE = "subject", "value", "value"


@attrs.frozen
class MetricRun:
    """What ``run_metric`` ran: the generated scheme and its result rows.

    ``rows``: one dict per period and subject: ``period`` (``YYYY-MM``), ``subject`` (the
    store's name ``store`` for a store-level run), ``value`` (a ``Fraction``, or None for
    n/a), and ``store`` when the data holds many stores.
    """

    scheme_text: str
    rows: tuple[dict[str, Any], ...]


def write_tables(tables: Mapping[str, Rows], folder: Path) -> None:
    """Write each table as ``<name>.csv`` into ``folder``: rows (dicts, the columns of the first
    row first), CSV text (dedented, so it may be indented in a test), or a file copied as is.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        target = folder / f"{name}.csv"
        if isinstance(rows, Path):
            target.write_bytes(rows.read_bytes())
        elif isinstance(rows, str):
            target.write_text(textwrap.dedent(rows).strip() + "\n", encoding="utf-8")
        else:
            target.write_text(_csv_text(rows), encoding="utf-8")


def _csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    return csv_text(columns, ({c: _cell(row.get(c)) for c in columns} for row in rows))


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def run_scheme(
    scheme: str | Path,
    tables: Mapping[str, Rows],
    first: str | None = None,
    last: str | None = None,
    overrides: Mapping[str, str] | None = None,
    plugins: Plugins = None,
    language: str = "en",
) -> list[dict[str, str]]:
    """Assess a scheme (a ``.assess`` path, or its text) on inline tables from ``first`` to
    ``last`` (periods as written on the command line; default: the scheme's window).

    Returns the rows of ``results.csv`` as dicts of text. ``plugins`` (name: module) are
    registered beside the installed ones. A scheme or data error raises ``AssessorError``.
    """
    with tempfile.TemporaryDirectory(prefix="assessor-testing-") as name:
        folder = Path(name)
        path = _scheme_file(scheme, folder)
        loaded = session.read_scheme(path, overrides or {}, plugins=plugins)
        write_tables(tables, folder / "data")
        start, end = _periods(loaded.scheme, first, last)
        assessment = session.assess(loaded, folder / "data", start, end, language)  # type: ignore[arg-type]
    return [outcome.as_record() for outcome in assessment.outcomes]


def _scheme_file(scheme: str | Path, folder: Path) -> Path:
    if isinstance(scheme, Path):
        return scheme
    path = folder / "scheme.assess"
    path.write_text(textwrap.dedent(scheme), encoding="utf-8")
    return path


def _periods(scheme: m.Scheme, first: str | None, last: str | None) -> tuple[m.Period, m.Period]:
    kind = scheme.period_kind
    parsed = [m.Period.parse(p, kind) if p else None for p in (first, last)]
    for text, period in zip((first, last), parsed, strict=True):
        if text and period is None:
            raise ValueError(f"{text!r} is not a {kind} (write 2026-03, 2026-Q1, ...)")
    return session.assessed_periods(scheme, parsed[0], parsed[1])


def run_metric(
    metric: str,
    tables: Mapping[str, Rows],
    by: str | None = None,
    arguments: Mapping[str, Any] | None = None,
    first: str | None = None,
    last: str | None = None,
    transfer: str | None = None,
    plugins: Plugins = None,
) -> MetricRun:
    """One plugin metric's value per month (and per subject of the column ``by`` of its
    subject table; without ``by``, for the store as a whole), from ``first`` to ``last``
    (``YYYY-MM``; default: the months the given tables' dates cover).

    ``metric`` is a short or qualified name (``plugin.metric``). ``arguments`` are written
    into the scheme as they are (``{"hours": "24 hours"}``; text parameters are quoted for
    you). ``transfer`` is the transfer day a metric that ``needs_transfer`` reads.
    The metric runs through a generated scheme, ``metric value for subject = ...`` and
    one rule that reads it, on DuckDB like any run.
    """
    from assessor.plugins.manager import load_registry

    registry, _problems = load_registry(extra=plugins)
    spec = find_metric(registry, metric)
    months = _months(registry, tables, first, last)
    uses = plugins_used(registry, [spec])
    text = metric_scheme(spec, by, arguments or {}, months, transfer, uses)
    with tempfile.TemporaryDirectory(prefix="assessor-testing-") as name:
        folder = Path(name)
        path = _scheme_file(text, folder)
        loaded = session.read_scheme(path, plugins=plugins)
        write_tables(tables, folder / "data")
        start, end = _periods(loaded.scheme, *months)
        assessment = session.assess(loaded, folder / "data", start, end)
    return MetricRun(text, tuple(_metric_rows(assessment.rows, loaded.scheme.stores is not None)))


def find_metric(registry: Registry, name: str) -> MetricSpec:
    """The metric of that short or qualified name among the registry's plugins."""
    plugin, _, short = name.rpartition(".")
    found = [s for s in registry.metrics.get(short, ()) if plugin in ("", s.plugin)]
    if len(found) != 1:
        known = sorted(s.qualified_name for specs in registry.metrics.values() for s in specs)
        choices = [s.qualified_name for s in found] or known
        raise LookupError(f"no single metric {name!r}; choose one of: {', '.join(choices)}")
    return found[0]


def metric_scheme(
    spec: MetricSpec,
    by: str | None,
    arguments: Mapping[str, Any],
    months: tuple[str, str],
    transfer: str | None = None,
    uses: Sequence[str] | None = None,
) -> str:
    """The scheme ``run_metric`` assesses: the metric for one role and a rule that reads it;
    ``uses`` names the plugins whose tables it reads (the metric's own plugin by default).
    """
    if uses is None:
        uses = [spec.plugin] if spec.plugin != "builtin" else []
    source = "store" if by is None else f"from {spec.subject_table}.{by}"
    written = ", ".join(f"{k}: {_argument(spec, k, v)}" for k, v in arguments.items())
    header = f"  period month  window {months[0]} .. {months[1]}"
    if transfer or spec.needs_transfer:
        header += f"  transfer {transfer or months[0] + '-01'}"
    return (
        f'scheme "test of {spec.qualified_name}"{_uses(uses)}\n{header}\n'
        f'role {ROLE} "subject" {source}\n'
        f"metric {METRIC} for {ROLE} = {spec.qualified_name}({written})\n"
        f'rule "{RULE}" for {ROLE} when {METRIC} = {METRIC} reward 0\n'
    )


def _uses(names: Sequence[str]) -> str:
    # the built-in declarations need no `uses`
    return f" uses {', '.join(names)}" if names else ""


def plugins_used(registry: Registry, specs: Sequence[MetricSpec]) -> list[str]:
    """The plugins a scheme must ``use`` for these metrics: theirs, and those declaring the
    tables they read (a metric may read another plugin's table).
    """
    names = [s.plugin for s in specs]
    for spec in specs:
        for table in (*spec.inputs, spec.subject_table):
            owner = registry.tables.get(table)
            names += [owner.plugin] if owner is not None else []
    return [n for n in dict.fromkeys(names) if n != "builtin"]


def _argument(spec: MetricSpec, name: str, value: Any) -> str:
    param = next((p for p in spec.params if p.name == name), None)
    if param is not None and param.text:
        return '"' + str(value).replace('"', "") + '"'
    return str(value)


def _months(
    registry: Registry, tables: Mapping[str, Rows], first: str | None, last: str | None
) -> tuple[str, str]:
    """The months to assess: as given, else those the tables' time columns cover."""
    if first and last:
        return first, last
    found = sorted(
        month
        for name, rows in tables.items()
        if name in registry.tables
        for month in _months_in(registry.tables[name], rows)
    )
    if not found:
        raise ValueError("give first and last: no dated rows to take the months from")
    return first or found[0], last or found[-1]


def _months_in(spec: TableSpec, rows: Rows) -> list[str]:
    column = spec.time_column
    if column is None:
        return []
    if isinstance(rows, Path):
        rows = rows.read_text(encoding="utf-8-sig")
    if isinstance(rows, str):
        rows = list(csv.DictReader(io.StringIO(textwrap.dedent(rows).strip())))
    return [str(row[column])[:7] for row in rows if row.get(column) not in (None, "")]


def _metric_rows(raw: Sequence[Mapping[str, Any]], stores: bool) -> list[dict[str, Any]]:
    """The generated rule's rows as period, subject, value (and store)."""
    rows = []
    for row in raw:
        if row["kind"] != "rule" or row["item"] != RULE:
            continue
        record: dict[str, Any] = {"period": f"{row['period']:%Y-%m}", "subject": row["subject"]}
        if stores:
            record["store"] = row["store"]
        record["value"] = _fraction(row["value_num"], row["value_den"])
        rows.append(record)
    return sorted(rows, key=lambda r: (r.get("store", ""), r["period"], r["subject"]))


def _fraction(num: Any, den: Any) -> Fraction | None:
    if num is None or den is None or den == 0:
        return None
    return Fraction(int(num), int(den))
