"""The command line: parse arguments, call the library, render diagnostics, pick the exit code.

Heavy modules (the query engine, rich) are imported inside the commands that need them, so
``assessor --help`` starts fast.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from assessor import __version__

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


def _month(_ctx: click.Context, _param: click.Parameter, value: str | None):
    from assessor.model.scheme import Month

    if value is None:
        return None
    month = Month.parse(value)
    if month is None:
        raise click.BadParameter(f"{value!r} is not a month; write YYYY-MM, e.g. 2015-08")
    return month


def _assignments(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]):
    pairs = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r}: write NAME=VALUE, e.g. lapse_months=12")
        pairs[name.strip()] = text.strip()
    return pairs


def _reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every user error into rendered diagnostics and exit 1; never show a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        from assessor.errors import AssessorError

        sources: dict[str, str] = {}
        try:
            command(*args, sources=sources, **kwargs)
        except AssessorError as error:
            _print_diagnostics(error.diagnostics, sources)
            sys.exit(EXIT_USER_ERROR)
        except (click.ClickException, click.exceptions.Exit):
            raise  # usage errors: click prints them and exits 2
        except Exception as error:  # a bug: say so plainly instead of a traceback
            if os.environ.get("ASSESSOR_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in assessor or a plugin; run again with ASSESSOR_DEBUG=1 "
                "to see where, and report it.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper


def _print_diagnostics(diagnostics, sources: dict[str, str]) -> None:
    from assessor.errors import Span, render

    for diagnostic in diagnostics:
        location = diagnostic.location
        source = sources.get(location.file) if isinstance(location, Span) else None
        click.echo(render(diagnostic, source) + "\n", err=True)
    errors = sum(d.severity == "error" for d in diagnostics)
    if errors > 1:
        click.echo(f"{errors} errors", err=True)


_set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    callback=_assignments,
    metavar="NAME=VALUE",
    help="Override a parameter, e.g. --set lapse_months=12.",
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
    checked, _text = _load_scheme(scheme, overrides, sources)
    click.echo(
        f"{scheme}: ok — {len(checked.roles)} roles, {len(checked.metrics)} metrics, "
        f"{len(checked.rules)} rules"
    )


@main.command()
@click.argument("scheme", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder with one CSV or Parquet file per input table.",
)
@click.option(
    "--from",
    "first",
    callback=_month,
    metavar="YYYY-MM",
    help="First period to assess (default: the scheme's window).",
)
@click.option(
    "--to",
    "last",
    callback=_month,
    metavar="YYYY-MM",
    help="Last period to assess (default: the scheme's window).",
)
@_set_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for results.csv and manifest.json.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the explanations.",
)
@_reports_errors
def run(
    scheme: Path,
    data: Path,
    first,
    last,
    overrides: dict[str, str],
    out: Path,
    lang: str,
    sources: dict[str, str],
) -> None:
    """Run a scheme on a data folder and write results.csv and manifest.json."""
    from assessor import results
    from assessor.engine.evaluate import evaluate

    checked, text = _load_scheme(scheme, overrides, sources)
    first, last = _periods(checked, first, last)
    evaluation = evaluate(checked, data, first, last)
    outcomes = results.build_outcomes(checked, evaluation.rows, lang)
    manifest = _manifest(scheme, text, checked, evaluation, first, last)
    results.write_atomically(
        out,
        {
            "results.csv": results.results_csv(outcomes),
            "manifest.json": results.manifest_json(manifest),
        },
    )
    _print_summary(outcomes)
    click.echo(f"wrote {len(outcomes)} outcomes to {out / 'results.csv'}")


@main.command()
@_reports_errors
def plugins(sources: dict[str, str]) -> None:
    """List installed plugins with their input tables, metrics and templates."""
    from assessor.plugins.manager import load_registry

    registry, problems = load_registry()
    _print_diagnostics(problems, sources)
    for name, info in sorted(registry.plugins.items()):
        click.echo(f"{name} {info.version} ({info.module})")
        for table in (t for t in registry.tables.values() if t.plugin == name):
            columns = ", ".join(c.name for c in table.columns)
            click.echo(f"  table {table.name}: {table.label_zh} / {table.label_en} ({columns})")
        for specs in registry.metrics.values():
            for spec in (s for s in specs if s.plugin == name):
                params = ", ".join(f"{p.name}: {p.unit.value}" for p in spec.params)
                click.echo(
                    f"  metric {spec.qualified_name}({params}): {spec.label_zh} / "
                    f"{spec.label_en}, per {spec.subject_table} column or store"
                )
        for aggregate in (a for a in registry.aggregates.values() if a.plugin == name):
            click.echo(f"  aggregate {aggregate.name}: {aggregate.description}")
        for template in (t for t in registry.templates.values() if t.plugin == name):
            click.echo(f"  template {template.id}: {template.title_zh} / {template.title_en}")


def _load_scheme(path: Path, overrides: dict[str, str], sources: dict[str, str]):
    from assessor.errors import DataLocation, fail
    from assessor.model.check import check_scheme
    from assessor.plugins.manager import load_registry
    from assessor.syntax.parser import parse

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(
            "E001",
            f"no scheme file {str(path)!r}",
            DataLocation(str(path)),
            "check the path; templates are listed in the schemes/ folder",
        )
    except (UnicodeDecodeError, IsADirectoryError) as error:
        fail(
            "E001",
            f"cannot read {str(path)!r} as UTF-8 text: {error}",
            DataLocation(str(path)),
            "save the scheme as UTF-8",
        )
    sources[str(path)] = text
    registry, problems = load_registry()
    if problems:
        _print_diagnostics(problems, sources)
    tree = parse(text, str(path))
    checked = check_scheme(tree, registry, overrides)
    return checked, text


def _periods(checked, first, last):
    window = checked.window
    first = first or (window[0] if window else None)
    last = last or (window[1] if window else None)
    if first is None or last is None:
        raise click.UsageError("the scheme has no window: give --from and --to")
    if first > last:
        raise click.UsageError(f"--from {first} is after --to {last}")
    return first, last


def _manifest(path: Path, text: str, checked, evaluation, first, last) -> dict[str, Any]:
    from assessor.model.units import describe_quantity

    return {
        "assessor_version": __version__,
        "scheme": {
            "file": path.name,
            "title": checked.title,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
        "inputs": [
            {"table": t.name, "file": t.path.name, "rows": t.rows, "sha256": t.sha256}
            for t in evaluation.inputs
        ],
        "parameters": {p.name: describe_quantity(p.value, p.unit) for p in checked.params},
        "periods": {"from": str(first), "to": str(last)},
        "plugins": list(checked.plugins),
        "engine": "duckdb",
    }


def _print_summary(outcomes) -> None:
    """Per period and role: how many subjects, rewards, penalties and n/a."""
    from decimal import Decimal

    from rich.console import Console
    from rich.table import Table

    from assessor.results import format_amount

    table = Table(title="assessment summary / 考核汇总")
    for heading in ("period", "role", "subjects", "rewards", "penalties", "n/a", "net"):
        table.add_column(heading, justify="right" if heading not in ("period", "role") else "left")
    groups: dict[tuple[str, str], list] = {}
    for outcome in outcomes:
        groups.setdefault((outcome.period, outcome.role), []).append(outcome)
    for (period, role), rows in groups.items():
        rewards = sum((o.amount for o in rows if o.amount > 0), Decimal(0))
        penalties = sum((-o.amount for o in rows if o.amount < 0), Decimal(0))
        table.add_row(
            period,
            role,
            str(len(rows)),
            format_amount(rewards),
            format_amount(penalties),
            str(sum(o.status == "n/a" for o in rows)),
            format_amount(rewards - penalties),
        )
    Console(soft_wrap=True).print(table)
