"""The compliance kit: what every plugin must do, checked the way the engine will use it.

A plugin runs it in its own tests::

    from assessor.testing.compliance import PluginCompliance

    class TestCompliance(PluginCompliance):
        plugin = "property"                       # the entry-point name
        docs = Path(__file__).parents[1] / "README.md"

and ``assessor plugins --check`` runs the same checks on every installed plugin. Checks:

1. the plugin loads, and none of its declarations clashes with another plugin's (E401, E402);
2. its declarations hang together: inputs and subject tables are declared, subject columns
   exist, parameter defaults fit, templates and sample data exist, scoring tables are one
   method each;
3. every metric returns the declared grain and types (E403) without raising (E404), for the
   store and per subject, with one store and with many (``context.scope``), reading only the
   inputs it declares;
4. every metric computes a value on the plugin's sample data, through the real engine;
5. every template checks and runs on its sample data;
6. its docs page names every metric.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import attrs

from assessor.errors import AssessorError, Diagnostic
from assessor.model.registry import (
    ColumnSpec,
    MetricSpec,
    Registry,
    ScoringTable,
    TableSpec,
    TemplateSpec,
)
from assessor.model.units import describe_quantity
from assessor.syntax.ast import TableMethod
from assessor.syntax.parser import parse_method


@attrs.frozen
class Problem:
    """One way a plugin breaks the contract: whose, in what, and what is wrong."""

    plugin: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.plugin}: {self.where}: {self.message}"


def check_plugin(
    name: str,
    plugins: Mapping[str, object] | None = None,
    docs: Path | str | None = None,
    run: bool = True,
) -> list[Problem]:
    """Every problem of one plugin (by entry-point name), all checks in order. ``plugins``
    registers plugins that are not installed; ``docs`` is its docs page (a path, or the text);
    ``run=False`` leaves out the checks that run the engine on sample data (4 and 5).
    """
    from assessor.plugins.manager import load_registry

    registry, diagnostics = load_registry(extra=plugins)
    problems = load_problems(name, registry, diagnostics)
    if name not in registry.plugins:
        return problems
    problems += declaration_problems(registry, name)
    problems += output_problems(registry, name, plugins)
    if run:
        problems += sample_problems(registry, name, plugins)
        problems += template_problems(registry, name, plugins)
    if docs is not None:
        problems += docs_problems(registry, name, docs)
    return problems


# -- 1. loading ---------------------------------------------------------------------------


def load_problems(name: str, registry: Registry, diagnostics: list[Diagnostic]) -> list[Problem]:
    """The plugin is installed and loads; E401/E402 diagnostics that name it."""
    mine = [
        d for d in diagnostics if f"plugin {name!r}" in d.message or f"by {name!r}" in d.message
    ]
    problems = [Problem(name, d.code, d.message) for d in mine]
    if name not in registry.plugins and not mine:
        installed = ", ".join(sorted(registry.plugins))
        problems.append(Problem(name, "entry point", f"not installed (installed: {installed})"))
    return problems


# -- 2. declarations ----------------------------------------------------------------------


def declaration_problems(registry: Registry, name: str) -> list[Problem]:
    """Inputs, subject tables, columns, parameters and template files that do not exist."""
    problems = [
        Problem(name, f"metric {spec.name}", message)
        for spec in plugin_metrics(registry, name)
        for message in _metric_declaration(registry, spec)
    ]
    problems += [
        Problem(name, f"table {table.name}", message)
        for table in registry.tables.values()
        if table.plugin == name
        for message in _table_declaration(table)
    ]
    problems += [
        Problem(name, f"template {template.id}", message)
        for template in plugin_templates(registry, name)
        for message in _template_declaration(template)
    ]
    problems += [
        Problem(name, f"scoring table {table.name}", message)
        for table in registry.scoring_tables.values()
        if table.plugin == name
        for message in _scoring_table_declaration(table)
    ]
    return problems


def plugin_metrics(registry: Registry, name: str) -> list[MetricSpec]:
    """The metrics a plugin declares, by name."""
    specs = [s for found in registry.metrics.values() for s in found if s.plugin == name]
    return sorted(specs, key=lambda s: s.name)


def plugin_templates(registry: Registry, name: str) -> list[TemplateSpec]:
    """The templates a plugin declares, by id."""
    return sorted((t for t in registry.templates.values() if t.plugin == name), key=lambda t: t.id)


def _metric_declaration(registry: Registry, spec: MetricSpec) -> Iterator[str]:
    for table in (*spec.inputs, spec.subject_table):
        if table not in registry.tables:
            yield f"reads table {table!r}, which no installed plugin declares"
    subject = registry.tables.get(spec.subject_table)
    for column in spec.subject_columns or ():
        if subject is not None and subject.column(column) is None:
            yield f"subject column {column!r} is not a column of {spec.subject_table}"
    names = [p.name for p in spec.params]
    if len(set(names)) != len(names):
        yield f"parameters named twice: {', '.join(names)}"
    for param in spec.params:
        if param.default is not None and param.text != isinstance(param.default, str):
            yield f"parameter {param.name!r}: default {param.default!r} is not " + (
                "text" if param.text else "a number"
            )


def _table_declaration(table: TableSpec) -> Iterator[str]:
    names = {c.name for c in table.columns}
    for column in table.key:
        if column not in names:
            yield f"key column {column!r} is not declared"
    time = table.column(table.time_column) if table.time_column else None
    if table.time_column and (time is None or time.type not in ("date", "timestamp", "month")):
        yield f"time_column {table.time_column!r} is not a date, timestamp or month column"


def _template_declaration(template: TemplateSpec) -> Iterator[str]:
    if not template.path.is_file():
        yield f"no scheme file {template.path}"
    if template.sample_data is not None and not template.sample_data.is_dir():
        yield f"no sample data folder {template.sample_data}"


def _scoring_table_declaration(table: ScoringTable) -> Iterator[str]:
    """The method text is one method of the scheme language (how it fits an indicator's value
    is checked where a scheme uses it), under a name a scheme can write after ``table``.
    """
    if not re.fullmatch(r"(?!\d)\w+", table.name):
        yield f"name {table.name!r} cannot be written in a scheme: use letters, digits and _"
    try:
        method = parse_method(table.method)
    except AssessorError as error:
        yield f"method {table.method!r} is not a scoring method: {error.diagnostics[0].message}"
        return
    if isinstance(method, TableMethod):
        yield f"method {table.method!r} names another table instead of a method"


# -- 3. what compute returns --------------------------------------------------------------

# the months the static check asks for, and the transfer day a metric may read
_FIRST, _LAST, _TRANSFER = dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2025, 12, 1)
_STORE_COLUMN = ColumnSpec("store", "text", "门店", "store")


def output_problems(
    registry: Registry, name: str, plugins: Mapping[str, object] | None = None
) -> list[Problem]:
    """Every metric (and its evidence) returns the declared grain and column types for the
    store and for each subject column, with one store and with many, reading only its inputs.
    Nothing runs: Ibis knows the types of the expression a metric builds.
    """
    problems = []
    roles = template_roles(registry, name, plugins)
    for spec in plugin_metrics(registry, name):
        if any(t not in registry.tables for t in spec.inputs):
            continue  # reported by declaration_problems
        seen: set[str] = set()
        for column in (None, *subject_columns(registry, spec, roles)):
            for stores in (False, True):
                for message in _output(registry, spec, column, stores):
                    if message not in seen:
                        seen.add(message)
                        problems.append(Problem(name, f"metric {spec.name}", message))
    return problems


def subject_columns(
    registry: Registry, spec: MetricSpec, roles: list[tuple[str, str]]
) -> list[str]:
    """The subject columns checked: those the metric declares (``subject_columns``); when it
    declares none (any column), those the plugin's templates draw roles from, else the first
    text column of its subject table.
    """
    if spec.by_subject_value:
        return ["subject"]
    if spec.subject_columns is not None:
        return list(spec.subject_columns)
    used = [column for table, column in roles if table == spec.subject_table]
    if used:
        return list(dict.fromkeys(used))
    table = registry.tables[spec.subject_table]
    return [c.name for c in table.columns if c.type == "text" and c.name not in table.key][:1]


def template_roles(
    registry: Registry, name: str, plugins: Mapping[str, object] | None = None
) -> list[tuple[str, str]]:
    """The (table, column) every role of the plugin's templates is drawn from: the subjects
    a company assesses by.
    """
    from assessor import session

    roles = []
    for template in plugin_templates(registry, name):
        try:
            scheme = session.read_scheme(template.path, plugins=plugins).scheme
        except AssessorError:
            continue  # reported by template_problems
        roles += [(r.table, r.column) for r in scheme.roles if not r.store_level and r.table]
    return roles


def _output(
    registry: Registry, spec: MetricSpec, column: str | None, stores: bool
) -> Iterator[str]:
    from assessor.engine import series as s

    context = s.MetricContext(
        {t: _input(registry.tables[t], stores) for t in spec.inputs},
        column,
        _FIRST,
        _LAST,
        _TRANSFER if spec.needs_transfer else None,
        stores=stores,
    )
    arguments = sample_arguments(spec)
    grain = "per subject" if column else "for the store"
    case = f"{grain} ({column}), {'many stores' if stores else 'one store'}"
    try:
        s.plugin_output(spec, context, arguments)
        if spec.evidence is not None:
            yield from _evidence(spec, context, arguments, column)
    except AssessorError as error:
        for diagnostic in error.diagnostics:
            yield f"{diagnostic.code} {diagnostic.message} [{case}]"
    except KeyError as error:  # context.table of an undeclared input
        yield f"reads {error} without declaring it in inputs [{case}]"


def _input(table: TableSpec, stores: bool) -> Any:
    from assessor.engine import series as s

    if not stores:
        return s.input_table(table)
    with_store = attrs.evolve(table, columns=(*table.columns, _STORE_COLUMN))
    return s.input_table(with_store, _STORE_COLUMN.name)


def _evidence(
    spec: MetricSpec, context: Any, arguments: Mapping[str, Any], column: str | None
) -> Iterator[str]:
    try:
        table = spec.evidence(context, **arguments)  # type: ignore[misc]
    except Exception as error:  # a plugin may raise anything
        yield f"evidence raised {type(error).__name__}: {error}"
        return
    wanted = {"period"} | ({"subject"} if column else set())
    missing = wanted - set(getattr(table, "columns", ()))
    if missing:
        yield f"evidence returned no column(s) {', '.join(sorted(missing))}"


def sample_arguments(spec: MetricSpec) -> dict[str, Any]:
    """An argument per parameter: its default, else a value in its range (text: ``"x"``)."""
    return {p.name: _sample_value(p) for p in spec.params}


def _sample_value(param: Any) -> Any:
    if param.default is not None:
        return param.default if param.text else _plain(Fraction(param.default))
    if param.text:
        return "x"
    low = Fraction(param.minimum) if param.minimum is not None else Fraction(1)
    return _plain(max(low, Fraction(1)))


def _plain(value: Fraction) -> int | Fraction:
    return value.numerator if value.denominator == 1 else value


# -- 4. metrics on the sample data --------------------------------------------------------


def sample_problems(
    registry: Registry, name: str, plugins: Mapping[str, object] | None = None
) -> list[Problem]:
    """Every metric runs through the engine on a template's sample data (the months it
    covers) and gives a value, for the store and per subject. One generated scheme
    per sample folder holds every metric whose inputs it has.
    """
    metrics = plugin_metrics(registry, name)
    covered: set[str] = set()
    problems = []
    # its own templates first; a metric on inputs another plugin's sample data has (the
    # built-in kpi on kpi_values) may run on that
    others = sorted(registry.templates.values(), key=lambda t: (t.plugin != name, t.id))
    for template in others:
        folder = template.sample_data
        if folder is None or not folder.is_dir():
            continue
        present = {p.stem for p in folder.iterdir()}
        runnable = [s for s in metrics if s.name not in covered and set(s.inputs) <= present]
        runnable = [s for s in runnable if s.subject_table in present]
        if runnable:
            problems += _run_on_sample(registry, name, runnable, template, plugins)
            covered |= {s.name for s in runnable}
    problems += [
        Problem(name, f"metric {s.name}", "no template's sample data has all its inputs")
        for s in metrics
        if s.name not in covered
    ]
    return problems


def _run_on_sample(
    registry: Registry,
    name: str,
    metrics: list[MetricSpec],
    template: TemplateSpec,
    plugins: Mapping[str, object] | None,
) -> list[Problem]:
    from assessor import session
    from assessor.catalogue import sample_coverage

    roles, transfer = _template_roles(template, plugins)
    folder = template.sample_data
    assert folder is not None
    where = f"sample data of {template.id}"
    try:
        with tempfile.TemporaryDirectory(prefix="assessor-compliance-") as temporary:
            path = Path(temporary) / "compliance.assess"
            path.write_text(_sample_scheme(registry, name, metrics, roles, None, transfer), "utf-8")
            scheme = session.read_scheme(path, plugins=plugins).scheme
            covers = sample_coverage(scheme, folder)
            if covers is None:
                return [Problem(name, where, "has no dated rows to run the metrics on")]
            path.write_text(
                _sample_scheme(registry, name, metrics, roles, covers, transfer), "utf-8"
            )
            loaded = session.read_scheme(path, plugins=plugins)
            start, end = session.assessed_periods(loaded.scheme, None, None)
            rows = session.assess(loaded, folder, start, end).rows
    except AssessorError as error:
        return [Problem(name, where, f"{d.code} {d.message}") for d in error.diagnostics]
    defined = {r["item"] for r in rows if r["kind"] == "rule" and r["value_den"] is not None}
    return [
        Problem(name, f"metric {spec.name}", f"gave no value {grain} on the {where}")
        for i, spec in enumerate(metrics)
        for grain, item in (("for the store", f"m{i}_store"), ("per subject", f"m{i}_subject"))
        if item in _rule_items(i, spec, roles, registry)
        and item not in defined
        # a text argument made up for the run (an indicator "x") rightly finds no rows
        and all(p.default is not None for p in spec.params if p.text)
    ]


def _template_roles(
    template: TemplateSpec, plugins: Mapping[str, object] | None
) -> tuple[dict[str, str], dt.date | None]:
    """The subject column each table's roles use in the template (the column a company
    assesses by), to run the metrics for the same subjects, and its transfer day.
    """
    from assessor import session

    try:
        scheme = session.read_scheme(template.path, plugins=plugins).scheme
    except AssessorError:
        return {}, None  # reported by template_problems
    roles = {r.table: r.column for r in scheme.roles if not r.store_level and r.table}
    return roles, scheme.transfer


def _role_source(
    registry: Registry, spec: MetricSpec, roles: Mapping[str, str]
) -> tuple[str, str] | None:
    """Where the sample run draws the metric's subjects from: for a metric keyed by its own
    ``subject`` values, a role of the template; else a checked column of its subject table.
    """
    if spec.by_subject_value:
        return next(iter(roles.items()), None)
    pairs = [(t, c) for t, c in roles.items()]
    allowed = subject_columns(registry, spec, pairs)
    preferred = roles.get(spec.subject_table)
    column = preferred if preferred in allowed else next(iter(allowed), None)
    return (spec.subject_table, column) if column else None


def _rule_items(
    index: int, spec: MetricSpec, roles: Mapping[str, str], registry: Registry
) -> set[str]:
    items = {f"m{index}_store"}
    if _role_source(registry, spec, roles) is not None:
        items.add(f"m{index}_subject")
    return items


def _sample_scheme(
    registry: Registry,
    name: str,
    metrics: list[MetricSpec],
    roles: Mapping[str, str],
    months: tuple[Any, Any] | None,
    transfer: dt.date | None,
) -> str:
    """A scheme with every metric for the store and per subject, and a rule reading each;
    the transfer day is the template's (else the first month's) for metrics that need one.
    """
    window = f"  window {months[0]} .. {months[1]}" if months else ""
    day = transfer.isoformat() if transfer else f"{months[0]}-01" if months else "2000-01-01"
    needed = any(s.needs_transfer for s in metrics)
    from assessor.testing.harness import plugins_used

    uses = ", ".join(plugins_used(registry, metrics))
    lines = [
        f'scheme "compliance of {name}"' + (f" uses {uses}" if uses else ""),
        f"  period month{window}" + (f"  transfer {day}" if needed else ""),
    ]
    lines.append('role r_store "store" store')
    declared: dict[tuple[str, str], str] = {}
    body = []
    for i, spec in enumerate(metrics):
        call = f"{spec.qualified_name}({_written_arguments(spec)})"
        body += [
            f"metric m{i}_store for r_store = {call}",
            f'rule "m{i}_store" for r_store when m{i}_store = m{i}_store reward 0',
        ]
        source = _role_source(registry, spec, roles)
        if source is None:
            continue
        role = declared.setdefault(source, f"r{len(declared)}")
        body += [
            f"metric m{i}_subject for {role} = {call}",
            f'rule "m{i}_subject" for {role} when m{i}_subject = m{i}_subject reward 0',
        ]
    lines += [f'role {role} "{column}" from {t}.{column}' for (t, column), role in declared.items()]
    return "\n".join([*lines, *body]) + "\n"


def _written_arguments(spec: MetricSpec) -> str:
    values = sample_arguments(spec)
    written = []
    for param in spec.params:
        value = values[param.name]
        text = f'"{value}"' if param.text else describe_quantity(Fraction(value), param.unit)
        written.append(f"{param.name}: {text}")
    return ", ".join(written)


# -- 5. templates -------------------------------------------------------------------------


def template_problems(
    registry: Registry, name: str, plugins: Mapping[str, object] | None = None
) -> list[Problem]:
    """Every template checks, and runs on its sample data over the months it covers."""
    problems = []
    for template in plugin_templates(registry, name):
        if not template.path.is_file():
            continue  # reported by declaration_problems
        problems += [
            Problem(name, f"template {template.id}", message)
            for message in _template_run(template, plugins)
        ]
    return problems


def _template_run(template: TemplateSpec, plugins: Mapping[str, object] | None) -> Iterator[str]:
    from assessor import session
    from assessor.catalogue import sample_coverage
    from assessor.model import scheme as m

    try:
        loaded = session.read_scheme(template.path, plugins=plugins)
        if template.sample_data is None:
            return
        covers = sample_coverage(loaded.scheme, template.sample_data)
        if covers is None:
            yield f"its sample data {template.sample_data} has no dated rows"
            return
        kind = loaded.scheme.period_kind
        first = m.Period.containing(covers[0], kind)
        last = m.Period.containing(covers[1], kind)
        assessment = session.assess(loaded, template.sample_data, first, last)
    except AssessorError as error:
        for diagnostic in error.diagnostics:
            yield f"{diagnostic.code} {diagnostic.message}"
        return
    if not assessment.outcomes:
        yield "ran on its sample data but gave no result rows"


# -- 6. docs ------------------------------------------------------------------------------


def docs_problems(registry: Registry, name: str, docs: Path | str) -> list[Problem]:
    """The docs page names every metric in code: `name` or `name(...)`."""
    text = docs.read_text(encoding="utf-8") if isinstance(docs, Path) else docs
    where = f"docs {docs}" if isinstance(docs, Path) else "docs"
    return [
        Problem(name, where, f"does not list the metric {spec.name}")
        for spec in plugin_metrics(registry, name)
        if not re.search(rf"`(?:{re.escape(name)}\.)?{re.escape(spec.name)}[`(]", text)
    ]


def docs_page(registry: Registry, name: str) -> Path | str | None:
    """Where an installed plugin's docs are: the README of the project it is installed from
    in editable mode, else its distribution's long description; None when it has neither.
    """
    from importlib import import_module
    from importlib.metadata import PackageNotFoundError, distribution, packages_distributions

    info = registry.plugins[name]
    top = info.module.split(".")[0]
    try:
        module = import_module(top)
    except ImportError:
        return None
    source = Path(getattr(module, "__file__", "") or ".").resolve()
    for parent in source.parents[:3]:
        if (parent / "pyproject.toml").is_file() and (parent / "README.md").is_file():
            return parent / "README.md"
    for dist in packages_distributions().get(top, []):
        try:
            description = distribution(dist).metadata.get("Description")
        except PackageNotFoundError:
            continue
        if description:
            return description
    return None


def check_installed(run: bool = True) -> list[Problem]:
    """Every installed plugin against the contract (``assessor plugins --check``); the docs of
    each are found by ``docs_page``. The built-in declarations are documented in
    docs/language.md, so their docs are not looked for.
    """
    from assessor.plugins.manager import load_registry

    registry, diagnostics = load_registry()
    problems = [Problem("?", d.code, d.message) for d in diagnostics if not _names_any(d, registry)]
    for name in sorted(registry.plugins):
        docs = None if name == "builtin" else docs_page(registry, name)
        found = check_plugin(name, docs=docs, run=run)
        if docs is None and name != "builtin" and plugin_metrics(registry, name):
            found.append(Problem(name, "docs", "no README or description lists its metrics"))
        problems += found
    return problems


def _names_any(diagnostic: Diagnostic, registry: Registry) -> bool:
    return any(f"plugin {n!r}" in diagnostic.message for n in registry.plugins)


# -- the test class -----------------------------------------------------------------------


class PluginCompliance:
    """Subclass it as ``TestCompliance`` in a plugin's tests and set ``plugin`` (the
    entry-point name), ``docs`` (its docs page) and, for a plugin that is not installed,
    ``plugins`` (name: module). Each check is one test.
    """

    plugin: ClassVar[str] = ""
    docs: ClassVar[Path | str | None] = None
    plugins: ClassVar[Mapping[str, object] | None] = None
    # known bugs, each a piece of a problem's text: tolerated while they last, and a test
    # fails once one is gone, so the list shrinks as they are fixed
    known_problems: ClassVar[tuple[str, ...]] = ()

    def registry(self) -> Registry:
        """The registry with the plugin under test."""
        from assessor.plugins.manager import load_registry

        return load_registry(extra=self.plugins)[0]

    def assert_none(self, problems: list[Problem]) -> None:
        """Fail with one line per problem that is not a known one (or per known one that
        no longer occurs in a check that should find it).
        """
        lines = [str(p) for p in problems]
        unknown = [line for line in lines if not any(k in line for k in self.known_problems)]
        assert not unknown, "\n".join(unknown)

    def test_known_problems_still_occur(self) -> None:
        """A known problem that is fixed must leave ``known_problems``."""
        if not self.known_problems:
            return
        found = [str(p) for p in output_problems(self.registry(), self.plugin, self.plugins)]
        found += [str(p) for p in declaration_problems(self.registry(), self.plugin)]
        gone = [k for k in self.known_problems if not any(k in line for line in found)]
        assert not gone, f"fixed, remove from known_problems: {gone}"

    def test_it_loads_without_conflicts(self) -> None:
        """Check 1: installed, loads, clashes with no other plugin."""
        from assessor.plugins.manager import load_registry

        registry, diagnostics = load_registry(extra=self.plugins)
        self.assert_none(load_problems(self.plugin, registry, diagnostics))

    def test_its_declarations_hang_together(self) -> None:
        """Check 2: declared inputs, columns, parameters and files exist."""
        self.assert_none(declaration_problems(self.registry(), self.plugin))

    def test_every_metric_returns_its_declared_grain_and_types(self) -> None:
        """Check 3: E403/E404 for every grain, one store and many."""
        self.assert_none(output_problems(self.registry(), self.plugin, self.plugins))

    def test_every_metric_gives_values_on_the_sample_data(self) -> None:
        """Check 4: through the engine, on the templates' sample data."""
        self.assert_none(sample_problems(self.registry(), self.plugin, self.plugins))

    def test_every_template_checks_and_runs_on_its_sample_data(self) -> None:
        """Check 5."""
        self.assert_none(template_problems(self.registry(), self.plugin, self.plugins))

    def test_the_docs_list_every_metric(self) -> None:
        """Check 6 (skipped when ``docs`` is not set)."""
        if self.docs is None:
            import pytest

            pytest.skip("no docs page given")
        self.assert_none(docs_problems(self.registry(), self.plugin, self.docs))
