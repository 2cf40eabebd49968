"""The command line: parse arguments, call the library, render diagnostics, pick the exit code.

Heavy modules (the query engine, rich) are imported inside the commands that need them, so
``assessor --help`` starts fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any, NamedTuple

import click

from assessor import __version__
from assessor.console import (
    EXIT_USAGE,
    EXIT_USER_ERROR,
    allowed_plugins,
    check_scheme,
    cycle_collector_paused,
    print_diagnostics,
    project_of,
    read_scheme_in_project,
    reporting,
)


def _period(_ctx: click.Context, _param: click.Parameter, value: str | None):
    """A period as written (2015-08, 2026-Q1, 2026-H1); checked against the scheme later."""
    from assessor.model.scheme import Period

    if value is None:
        return None
    if Period.parse(value, "year") is None and Period.parse(value, "month") is None:
        raise click.BadParameter(
            f"{value!r} is not a period; write YYYY-MM (e.g. 2015-08), YYYY-Qn or YYYY-Hn"
        )
    return value


def _assignments(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]):
    pairs = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r}: write NAME=VALUE, e.g. lapse_months=12")
        pairs[name.strip()] = text.strip()
    return pairs


def _reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every user error into rendered diagnostics and exit 1; never show a traceback
    (``console.reporting``); click's usage errors go on to click, which exits 2.
    """

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        sources: dict[str, str] = {}
        with reporting(sources, (click.ClickException, click.exceptions.Exit)):
            command(*args, sources=sources, **kwargs)

    return wrapper


_set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    callback=_assignments,
    metavar="NAME=VALUE",
    help="Override a parameter, e.g. --set lapse_months=12.",
)


def _engine(_ctx: click.Context, _param: click.Parameter, value: str | None):
    """An engine as written; a value that names none is a usage error (exit 2)."""
    from assessor.engine.backends import parse_engine

    if value is not None:
        try:
            parse_engine(value)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
    return value


def _data(_ctx: click.Context, _param: click.Parameter, value: str | None):
    """``--data``: a path, or tables already in PostgreSQL (``postgres://…?schema=NAME``) or
    in Spark (``spark:DATABASE``).
    """
    from assessor.data.in_engine import parse_data_in_engine

    if value is None:
        return None
    try:
        found = parse_data_in_engine(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return Path(value) if found is None else found


_engine_option = click.option(
    "--engine",
    callback=_engine,
    metavar="ENGINE",
    help="Where the scheme runs: duckdb (default, in process), postgres://user@host:5432/db, "
    "spark (local[*]), or a Spark master or Connect URL (spark://host:7077, sc://host:15002).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assessor")
def main() -> None:
    """assessor: performance-assessment schemes (考核方案) from text to per-person results."""


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False, path_type=Path))
@_set_option
@_reports_errors
def check(scheme: Path, overrides: dict[str, str], sources: dict[str, str]) -> None:
    """Check a scheme: syntax, names, units and grains, every error at once."""
    check_scheme(scheme, overrides, sources)


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--data",
    callback=_data,
    metavar="PATH|URL",
    help="A folder with one CSV or Parquet file per input table, an .xlsx workbook with a "
    "sheet per table, a .duckdb database, or tables already in PostgreSQL, "
    "postgres://user@host:5432/db?schema=NAME, or in Spark, spark:DATABASE "
    "(default: the project's).",
)
@click.option(
    "--period",
    callback=_period,
    metavar="YYYY-MM",
    help="The one period to assess (instead of --from and --to).",
)
@click.option(
    "--from",
    "first",
    callback=_period,
    metavar="YYYY-MM",
    help="First period to assess (default: the scheme's window).",
)
@click.option(
    "--to",
    "last",
    callback=_period,
    metavar="YYYY-MM",
    help="Last period to assess (default: the scheme's window).",
)
@_set_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for results.csv and manifest.json (default: the project's, per period).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    help="Language of the explanations (default: the project's, else en).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write input rows that break their table's rules to this CSV file and go on without "
    "them (default: stop at bad rows).",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["csv", "html", "md", "xlsx"]),
    multiple=True,
    help="Also write report.html (a page with charts), report.md (a summary) or report.xlsx "
    "(payroll sheet and a sheet per rule); results.csv is always written.",
)
@_engine_option
@_reports_errors
def run(
    scheme: Path | None,
    data: Path | None,
    period: str | None,
    first: str | None,
    last: str | None,
    overrides: dict[str, str],
    out: Path | None,
    lang: str | None,
    rejects: Path | None,
    formats: tuple[str, ...],
    engine: str | None,
    sources: dict[str, str],
) -> None:
    """Run a scheme on its data and write results.csv, totals.csv and manifest.json.

    In a project folder (assessor init), `assessor run --period 2026-10` needs nothing else.
    """
    if period is not None:
        if first or last:
            raise click.UsageError("give --period, or --from and --to, not both")
        first = last = period
    project, settings = _settings(scheme, data, lang, overrides, engine)
    with _collector_paused_on(settings.engine):
        _run(project, settings, first, last, out, rejects, formats, sources)


def _collector_paused_on(engine) -> contextlib.AbstractContextManager:
    """A run on DuckDB pauses the cycle collector (``console.cycle_collector_paused``). A
    run on Spark keeps it: with it paused, a run that started its own Spark hung at 1M visits
    waiting for the JVM (Py4J releases its Java objects when Python collects them).
    """
    from assessor.engine.backends import DUCKDB

    if engine is None or engine.kind == DUCKDB:
        return cycle_collector_paused()
    return contextlib.nullcontext()


def _run(project, settings, first, last, out, rejects, formats, sources) -> None:
    """`run` once its settings are known: read, check, assess, write and report."""
    from assessor.session import assess, period_warnings, read_scheme, write_outputs

    allow = allowed_plugins(project)
    loaded = read_scheme(settings.scheme, settings.overrides, sources, allow=allow)
    print_diagnostics(loaded.warnings, sources)
    if project is not None:
        project.check_renames(loaded.scheme.tables)
    first, last = _periods(loaded.scheme, first, last)
    print_diagnostics(period_warnings(loaded.scheme, first), sources)
    if out is None:
        if project is None:
            raise click.UsageError("give --out, the folder for the results")
        out = project.out / (str(first) if first == last else f"{first}_{last}")
    with _steps(loaded.scheme) as progress:
        assessment = assess(
            loaded, settings.data, first, last, settings.lang, rejects, settings.renames,
            progress=progress, engine=settings.engine,
            encodings=project.encodings(loaded.scheme.tables) if project else None,
            duckdb=dict(project.duckdb) if project else None,
        )  # fmt: skip
    print_diagnostics(assessment.warnings, sources)
    if project is not None:
        _record(project, assessment)
    write_outputs(assessment, out)
    _write_reports(formats, out, assessment, settings.lang)
    _print_summary(assessment.outcomes)
    _print_row_counts(assessment.manifest["inputs"], rejects)
    click.echo(f"wrote {len(assessment.outcomes)} outcomes to {out / 'results.csv'}")


def _write_reports(formats: tuple[str, ...], out: Path, assessment, lang: str) -> None:
    from assessor.report import render_sections, write_report

    forms = [form for form in dict.fromkeys(formats) if form != "csv"]
    if not forms:
        return
    loaded, outcomes, totals = assessment.loaded, assessment.outcomes, assessment.totals
    sections, problems = render_sections(loaded.report_sections, outcomes, totals, lang)
    print_diagnostics(problems, {})
    for form in forms:
        path = write_report(form, out, loaded.scheme.title, outcomes, totals, lang, sections)
        if path is not None:
            click.echo(f"wrote {path}")


def _record(project, assessment) -> None:
    """Keep the run in the project's history and say what changed against the last one."""
    from assessor.history import describe, record_run

    where = _history(project)
    run_id, changes = record_run(where, assessment)
    click.echo(f"recorded as run {run_id} in {describe(where)}")
    if changes:
        click.echo(f"changed against the last run of the same period ({len(changes)}):")
        for change in changes:
            click.echo(f"  {change.describe()}")


@main.command()
@click.option("--subject", help="One subject's points, grade and amount per period.")
@_reports_errors
def history(subject: str | None, sources: dict[str, str]) -> None:
    """List the runs recorded in this project, or one subject's trend across periods."""
    from assessor.history import HISTORY_FILE, list_runs, subject_trend

    project = project_of(None)
    path = _history(project) if project is not None else Path.cwd() / HISTORY_FILE
    if isinstance(path, Path) and not path.is_file():
        raise click.UsageError(f"no {HISTORY_FILE} here: run `assessor run` in a project first")
    if subject is None:
        headings = ("run", "when", "by", "scheme", "version", "from", "to", "outcomes", "net")
        rows = list_runs(path)
    else:
        headings = ("period", "role", "points", "grade", "amount", "run")
        rows = subject_trend(path, subject)
    _print_table(f"history / 历史记录{f': {subject}' if subject else ''}", headings, rows)


def _history(project):
    """Where a project keeps its runs: in PostgreSQL when its engine (or data) is there,
    else history.duckdb in its folder.
    """
    from assessor.history import HISTORY_FILE, PostgresHistory

    url = project.history_database()
    if url is None:
        return project.folder / HISTORY_FILE
    return PostgresHistory(url, project.history_schema)


class _Settings(NamedTuple):
    """What a command runs with: its options, else the project's settings. (A named tuple,
    not an attrs class: importing attrs is a fifth of `assessor --help`.)
    """

    scheme: Path
    data: Path
    lang: str
    overrides: dict[str, str]
    renames: Any
    engine: Any = None  # engine.backends.EngineChoice


def _settings(
    scheme: Path | None,
    data: Path | None,
    lang: str | None,
    overrides: dict,
    engine: str | None = None,
):
    """The project (if any) and the settings: options win over the project's."""
    project = project_of(scheme)
    if project is not None:
        scheme, data, lang = scheme or project.scheme, data or project.data, lang or project.lang
        overrides = {**dict(project.overrides), **overrides}
    if scheme is None or data is None:
        raise click.UsageError(
            "give the scheme and --data, or run in a project folder (see assessor init)"
        )
    renames = project.renames if project is not None else None
    if project is None:
        choice = _engine_for(data, engine)
    else:
        try:
            choice = project.engine_choice(engine, data)
        except ValueError as error:  # another engine for tables in PostgreSQL
            raise click.UsageError(str(error)) from None
    return project, _Settings(scheme, data, lang or "en", overrides, renames, choice)


def _engine_for(data, engine: str | None):
    """The engine a run uses: as named, or for tables already in PostgreSQL (``--data
    postgres://…``) that database, for tables in Spark (``--data spark:…``) Spark; another
    engine for them is a usage error (exit 2).
    """
    from assessor.data.postgres import DatabaseData
    from assessor.data.spark_tables import SparkData
    from assessor.engine.backends import engine_for_data, parse_engine

    if not isinstance(data, (DatabaseData, SparkData)):
        return parse_engine(engine)
    try:
        return engine_for_data(data, engine)
    except ValueError as error:
        raise click.UsageError(str(error)) from None


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--template", "template_id", required=True, help="A template id (assessor templates)."
)
@_reports_errors
def init(folder: Path, template_id: str, sources: dict[str, str]) -> None:
    """Create a project folder from a template: the scheme, blank input files, assessor.yaml
    and a short README for the company.
    """
    from assessor.errors import suggest
    from assessor.plugins.manager import load_registry
    from assessor.project import init_project
    from assessor.session import read_scheme

    registry, problems = load_registry()
    print_diagnostics(problems, sources)
    template = registry.templates.get(template_id)
    if template is None:
        hint = suggest(template_id, registry.templates) or "ids: " + ", ".join(
            sorted(registry.templates)
        )
        raise click.UsageError(f"no template {template_id!r}; {hint}")
    if folder.exists() and any(folder.iterdir()):
        raise click.UsageError(f"{folder} is not empty; choose a new folder")
    tables = read_scheme(template.path, None, sources).scheme.tables
    init_project(folder, template, tables)
    click.echo(f"created {folder} from {template.id}: {template.title_zh} / {template.title_en}")
    click.echo(f"next: fill in {folder / 'data'}, then in {folder}: assessor run --period YYYY-MM")


def _print_row_counts(inputs: list[dict], rejects: Path | None) -> None:
    """Rows read = rows used + rows rejected, per input table (every run: no row is lost
    unseen).
    """
    for table in inputs:
        click.echo(
            f"{table['table']}: {table['rows_read']} rows read = {table['rows']} used + "
            f"{table['rows_rejected']} rejected"
        )
    if rejects is not None:
        total = sum(t["rows_rejected"] for t in inputs)
        click.echo(f"{total} rejected row(s) written to {rejects}")


@main.command()
@click.option(
    "--check",
    "check_contract",
    is_flag=True,
    help="Check every installed plugin against the contract (docs/plugins.md): one line per "
    "problem, exit 1 when there is any.",
)
@_reports_errors
def plugins(check_contract: bool, sources: dict[str, str]) -> None:
    """List installed plugins with their input tables, metrics and templates."""
    from assessor.plugins.manager import load_registry

    if check_contract:
        _check_plugins()
        return
    registry, problems = load_registry()
    print_diagnostics(problems, sources)
    for name, info in sorted(registry.plugins.items()):
        click.echo(f"{name} {info.version} ({info.module})")
        for table in (t for t in registry.tables.values() if t.plugin == name):
            columns = ", ".join(c.name for c in table.columns)
            click.echo(f"  table {table.name}: {table.label_zh} / {table.label_en} ({columns})")
        for specs in registry.metrics.values():
            for spec in (s for s in specs if s.plugin == name):
                params = ", ".join(f"{p.name}: {p.unit.value}" for p in spec.params)
                subjects = (
                    "per subject named in its rows"
                    if spec.by_subject_value
                    else f"per {spec.subject_table} column or store"
                )
                click.echo(
                    f"  metric {spec.qualified_name}({params}): {spec.label_zh} / "
                    f"{spec.label_en}, {subjects}"
                    + (" (needs `transfer`)" if spec.needs_transfer else "")
                )
                if spec.description:
                    click.echo(f"    {spec.description}")
        for aggregate in (a for a in registry.aggregates.values() if a.plugin == name):
            click.echo(f"  aggregate {aggregate.name}: {aggregate.description}")
        for table in (t for t in registry.scoring_tables.values() if t.plugin == name):
            click.echo(
                f"  scoring table {table.name}: {table.label_zh} / {table.label_en} "
                f"({table.unit.value}) {table.method}"
            )
        for template in (t for t in registry.templates.values() if t.plugin == name):
            click.echo(f"  template {template.id}: {template.title_zh} / {template.title_en}")


def _check_plugins() -> None:
    """``assessor plugins --check``: the compliance kit on every installed plugin."""
    from assessor.testing.compliance import check_installed

    problems = check_installed()
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) / 发现 {len(problems)} 个问题", err=True)
        sys.exit(EXIT_USER_ERROR)
    click.echo("every installed plugin keeps the contract / 所有已安装插件均符合约定")


@main.group()
def plugin() -> None:
    """Write a new plugin (assessor plugin new NAME)."""


@plugin.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder to write assessor-NAME/ into.",
)
def plugin_new(name: str, parent: Path) -> None:
    """Write a working plugin package assessor-NAME/: one input table, one metric, one
    template with sample data, tests and a README.
    """
    from assessor.scaffold import ScaffoldError, new_plugin, package_folder

    try:
        written = new_plugin(name, parent)
    except ScaffoldError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    folder = package_folder(name, parent)
    # pip reads a bare name as a package to download: point at the folder
    shown = str(folder) if folder.is_absolute() else f"./{folder}"
    click.echo(f"wrote {len(written)} files to {shown}/ / 已生成插件 {shown}")
    click.echo(f"next: pip install {shown} && pytest {shown}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON, for programs.")
@_reports_errors
def templates(as_json: bool, sources: dict[str, str]) -> None:
    """List every installed template: id, title, domain, roles, inputs and sample data."""
    import json

    from assessor.catalogue import list_templates
    from assessor.plugins.manager import load_registry

    registry, problems = load_registry()
    print_diagnostics(problems, sources)
    entries = list_templates(registry)
    if as_json:
        listed = [e.as_json() for e in entries]
        click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
    for entry in entries if not as_json else ():
        spec = entry.spec
        click.echo(f"{spec.id}  {spec.title_zh} / {spec.title_en}")
        click.echo(f"  domain {spec.domain} (plugin {spec.plugin}), file {spec.path}")
        if entry.scheme is not None:
            roles = ", ".join(f"{r.name} ({r.label or r.name})" for r in entry.scheme.roles)
            tables = ", ".join(t.name for t in entry.scheme.tables)
            click.echo(f"  period {entry.scheme.period_kind}; roles: {roles}")
            click.echo(f"  inputs: {tables}")
        if spec.sample_data is not None:
            span = f" ({entry.covers[0]} .. {entry.covers[1]})" if entry.covers else ""
            click.echo(f"  sample data {spec.sample_data}{span}")
    broken = [d for e in entries for d in e.problems]
    if broken:
        print_diagnostics(broken, sources)
        sys.exit(EXIT_USER_ERROR)


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the blank files (created if needed).",
)
@_reports_errors
def inputs(scheme: Path, out: Path, sources: dict[str, str]) -> None:
    """Write blank input files for exactly the tables a scheme reads: a CSV file per table and
    inputs.xlsx with a sheet per table and a note on every column.
    """
    from assessor.catalogue import write_blank_inputs

    loaded = read_scheme_in_project(scheme, None, sources)
    print_diagnostics(loaded.warnings, sources)
    for path in write_blank_inputs(loaded.scheme.tables, out):
        click.echo(f"wrote {path}")


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "form", type=click.Choice(["md", "html"]), default="md", show_default=True
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: print)."
)
@_set_option
@_reports_errors
def doc(
    scheme: Path,
    form: str,
    lang: str,
    out: Path | None,
    overrides: dict[str, str],
    sources: dict[str, str],
) -> None:
    """Write a scheme as the readable assessment document: who is assessed, periods,
    definitions, scoring, standards and money, parameters.
    """
    from assessor.document import scheme_document, to_html, to_markdown

    loaded = read_scheme_in_project(scheme, overrides, sources)
    blocks = scheme_document(loaded.scheme, lang)
    text = to_markdown(blocks) if form == "md" else to_html(blocks, lang)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


@main.command("diff")
@click.argument("before", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("after", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@_reports_errors
def diff_command(before: Path, after: Path, lang: str, sources: dict[str, str]) -> None:
    """What the second scheme (or version) changes against the first, in words: header,
    roles, definitions, weights and methods, standards and money, parameters.
    """
    from assessor.diff import scheme_changes

    old, new = (read_scheme_in_project(path, None, sources).scheme for path in (before, after))
    for line in scheme_changes(old, new, lang):
        click.echo(line)


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--data", callback=_data, metavar="PATH|URL", required=True, help="The past data.")
@click.option("--from", "first", callback=_period, metavar="YYYY-MM", help="First period.")
@click.option("--to", "last", callback=_period, metavar="YYYY-MM", help="Last period.")
@click.option("--vary", metavar="NAME=V1,V2,...", help="Run once per value of a parameter.")
@click.option(
    "--against",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A candidate scheme to compare over the same periods.",
)
@_set_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the comparison: .csv, or .html with a chart.",
)
@_engine_option
@_reports_errors
def simulate(
    scheme: Path,
    data: Path,
    first: str | None,
    last: str | None,
    vary: str | None,
    against: Path | None,
    overrides: dict[str, str],
    out: Path | None,
    engine: str | None,
    sources: dict[str, str],
) -> None:
    """Compare payouts side by side: one run per value of a parameter (--vary), or this
    scheme against a candidate (--against), on the same past data.
    """
    from assessor import simulate as sim
    from assessor.session import assess

    if (vary is None) == (against is None):
        raise click.UsageError("give one of --vary NAME=V1,V2,... and --against OTHER_SCHEME")
    if vary is not None:
        name, sep, values = vary.partition("=")
        if not sep or not values.strip(","):
            raise click.UsageError(f"--vary {vary!r}: write NAME=V1,V2,..., e.g. lapse_months=6,8")
        variants = sim.vary(scheme, name.strip(), [v.strip() for v in values.split(",")], overrides)
    else:
        fixed = tuple(overrides.items())
        variants = [sim.Variant(p.stem, p, fixed) for p in (scheme, against)]
    summaries: list = []
    reference = None
    for variant in _progress(variants, "simulating"):
        loaded = read_scheme_in_project(variant.scheme, dict(variant.overrides), sources)
        periods = _periods(loaded.scheme, first, last)
        if first is None and last is None:
            first, last = str(periods[0]), str(periods[1])  # every variant over the same span
        outcomes = assess(loaded, data, *periods, engine=_engine_for(data, engine)).outcomes
        summaries += sim.summarise(variant.label, outcomes, reference)
        reference = reference or sim.by_period(outcomes)
    _print_table("simulation / 模拟", sim.COLUMNS, [s.as_record().values() for s in summaries])
    if out is not None:
        text = sim.to_html(summaries, f"simulation / 模拟：{scheme.name}")
        out.write_text(sim.to_csv(summaries) if out.suffix == ".csv" else text, encoding="utf-8")
        click.echo(f"wrote {out}")


def _progress(items: list, description: str):
    """Items with a progress bar on a terminal; silent in pipes and CI."""
    from rich.progress import track

    return track(items, description=description, disable=not _interactive(), transient=True)


def _interactive() -> bool:
    """A person watches: stderr is a terminal and no CI system runs us."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextlib.contextmanager
def _steps(scheme) -> Iterator[Callable[[str], None]]:
    """A progress bar over one run's steps (reading each table, computing each metric, the
    outcomes) on a terminal, gone when the run ends; silent in pipes and CI.
    """
    if not _interactive():  # nothing to show: not even the bar's imports
        yield lambda _words: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    # about one step per table and per metric, and one for the outcomes
    task = bar.add_task("starting", total=len(scheme.tables) + len(scheme.metrics) + 1)
    with bar:
        yield lambda words: bar.update(task, description=words, advance=1)


def _print_table(title: str, headings, rows) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for heading in headings:
        table.add_column(heading)
    for row in rows:
        table.add_row(*(str(value) for value in row))
    Console(soft_wrap=True).print(table)


@main.command()
@click.argument("subject")
@click.option("--period", callback=_period, metavar="YYYY-MM", required=True)
@click.option("--scheme", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--data", callback=_data, metavar="PATH|URL")
@click.option("--lang", type=click.Choice(["en", "zh"]))
@_set_option
@_engine_option
@_reports_errors
def explain(
    subject: str,
    period: str,
    scheme: Path | None,
    data: Path | None,
    lang: str | None,
    overrides: dict[str, str],
    engine: str | None,
    sources: dict[str, str],
) -> None:
    """One subject's period as a tree of reasons: scorecard items with their values and
    points, grades, money, how far a rule was from paying differently, and the records
    behind a plugin metric's count (the lost customers behind a churn rate).
    """
    from assessor.errors import suggest
    from assessor.explain import explain_subject
    from assessor.session import assess, read_scheme

    project, settings = _settings(scheme, data, lang, overrides, engine)
    loaded = read_scheme(
        settings.scheme, settings.overrides, sources, allow=allowed_plugins(project)
    )
    first, last = _periods(loaded.scheme, period, period)
    assessment = assess(
        loaded,
        settings.data,
        first,
        last,
        settings.lang,
        None,
        settings.renames,
        evidence_for=(subject, first),
        engine=settings.engine,
    )
    outcomes = [
        o for o in assessment.outcomes if subject in (o.who, o.subject) and o.period == str(first)
    ]
    if len({o.store for o in outcomes}) > 1:
        raise click.UsageError(
            f"{subject!r} is a subject of several stores; name one: "
            + ", ".join(sorted({o.who for o in outcomes}))
        )
    if not outcomes:
        known = sorted({o.who for o in assessment.outcomes})
        raise click.UsageError(
            f"no results for {subject!r} in {first}; "
            + (suggest(subject, known) or "subjects: " + ", ".join(known))
        )
    own = outcomes[0]
    rows = [r for r in assessment.rows if (r["store"], r["subject"]) == (own.store, own.subject)]
    click.echo(f"{subject} {first}")
    lines = explain_subject(loaded.scheme, outcomes, rows, assessment.evidence, settings.lang)
    for line in lines:
        click.echo(f"  {line}")


@main.command("test")
@click.argument("target", metavar="SCHEME_OR_DIR", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the explanations the cases expect.",
)
@_engine_option
@_reports_errors
def scheme_test(target: Path, lang: str, engine: str | None, sources: dict[str, str]) -> None:
    """Run the cases written beside a scheme (foo.tests/ beside foo.assess), or beside every
    scheme under a folder; exit 1 when any case fails.
    """
    from assessor import scheme_tests
    from assessor.engine.backends import parse_engine

    verdicts = []
    suites = scheme_tests.load_suites(target, sources)
    for verdict in scheme_tests.run_suites(suites, lang, parse_engine(engine)):
        verdicts.append(verdict)
        click.echo(scheme_tests.describe(verdict))
    click.echo(scheme_tests.summary(verdicts))
    if not all(v.passed for v in verdicts):
        sys.exit(EXIT_USER_ERROR)


@main.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Change nothing; list the files that would change and exit 1 if any would.",
)
@click.option(
    "--diff", "show_diff", is_flag=True, help="Print a unified diff instead of rewriting files."
)
@_reports_errors
def fmt(
    files: tuple[Path, ...], check_only: bool, show_diff: bool, sources: dict[str, str]
) -> None:
    """Rewrite scheme files (or folders of *.assess files) in the canonical layout."""
    from assessor.errors import AssessorError
    from assessor.session import read_text
    from assessor.syntax.fmt import format_scheme, replace_file, scheme_diff, scheme_files

    changed, unchanged, problems = 0, 0, []
    for path in scheme_files(files):
        try:
            sources[str(path)] = text = read_text(path)
            formatted = format_scheme(text, str(path))
        except AssessorError as error:  # report every broken file, then exit 1
            problems.extend(error.diagnostics)
            continue
        if formatted == text:
            unchanged += 1
            continue
        changed += 1
        if show_diff:
            click.echo(scheme_diff(str(path), text, formatted), nl=False)
        if check_only:
            click.echo(f"would reformat {path}")
        elif not show_diff:
            replace_file(path, formatted)
    if check_only:
        click.echo(f"{changed} file(s) would be reformatted, {unchanged} unchanged")
    elif not show_diff:
        click.echo(f"formatted {changed} file(s), {unchanged} unchanged")
    if problems:
        raise AssessorError(problems)
    if check_only and changed:
        sys.exit(EXIT_USER_ERROR)


def _periods(scheme, first: str | None, last: str | None):
    """The periods to assess, from --from/--to or the scheme's window; usage errors exit 2."""
    from assessor.model.scheme import Period
    from assessor.session import assessed_periods

    given = []
    for option, text in (("--from", first), ("--to", last)):
        period = Period.parse(text, scheme.period_kind) if text else None
        if text and period is None:
            raise click.UsageError(
                f"{option} {text}: this scheme is assessed per {scheme.period_kind}; "
                "write a period inside one, e.g. 2026-01 or (for quarters) 2026-Q1"
            )
        given.append(period)
    try:
        return assessed_periods(scheme, *given)
    except ValueError as error:
        raise click.UsageError(str(error)) from None


def _print_summary(outcomes) -> None:
    """Per period and role: how many subjects, rewards, penalties and n/a."""
    from rich.console import Console
    from rich.table import Table

    from assessor.results import format_amount, summarise_money

    table = Table(title="assessment summary / 考核汇总")
    for heading in ("period", "role", "subjects", "rewards", "penalties", "n/a", "net"):
        table.add_column(heading, justify="right" if heading not in ("period", "role") else "left")
    for (period, role), money in summarise_money(outcomes).items():
        table.add_row(
            period,
            role,
            str(money.subjects),
            *map(format_amount, (money.rewards, money.penalties)),
            str(money.not_available),
            format_amount(money.net),
        )
    Console(soft_wrap=True).print(table)
