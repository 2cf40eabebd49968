"""Where one run of churn-control spends its time: the stages of a run, in wall time.

``profile.py --rows N`` runs ``assessor run`` once in this process on the benchmark's data
(``bench/data/N/``, written by ``run.py``), with a clock around each stage, and prints how
long each took and its share of the whole. Unlike a profiler, the clock adds nothing
measurable, so the shares are those of a normal run. ``--stores`` profiles the per-store
scheme, ``--repeat K`` prints the median of K runs, each in a fresh process.

The stages, in the order a run meets them:

- importing the command line, then the engine (Ibis, DuckDB, the plan's modules);
- reading and checking the scheme;
- loading and checking the input tables (DuckDB);
- planning: building the Ibis expressions of the metrics and outcomes;
- compiling the expressions to SQL (Ibis and sqlglot);
- the queries themselves: the metrics' series staged as temporary tables, and the outcome
  rows fetched (DuckDB, less the compiling);
- the check of mapping tables for unknown subjects;
- outcomes with their explanations, and the totals;
- writing results.csv, totals.csv and manifest.json, and the printed summary;
- the rest: Python starting and finishing, options, the project file.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SCHEME = BENCH.parent / "schemes" / "auto-aftersales" / "churn-control.assess"
STORES_SCHEME = BENCH / "churn-control-stores.assess"

# (module, attribute, stage, only inside): the clocked functions; a stage may add up
# several, and a function clocked "only inside" a stage counts only while that stage runs
# (the check of mapping tables also runs queries, counted in its own stage)
CLOCKED = (
    ("assessor.session", "read_scheme", "reading the scheme", None),
    ("assessor.engine.evaluate", "find_sources", "loading the inputs", None),
    ("assessor.engine.evaluate", "install_functions", "loading the inputs", None),
    ("assessor.engine.evaluate", "load_tables", "loading the inputs", None),
    ("assessor.engine.evaluate", "_outcome_rows", "planning and queries", None),
    ("assessor.engine.backends", "Engine._typed", "compiling to SQL", "planning and queries"),
    ("assessor.engine.backends", "Engine.stage", "queries", "planning and queries"),
    ("assessor.engine.backends", "Engine.fetch", "queries", "planning and queries"),
    ("assessor.engine.evaluate", "unknown_members", "mapping tables", None),
    ("assessor.results", "build_outcomes", "outcomes and totals", None),
    ("assessor.results", "build_totals", "outcomes and totals", None),
    ("assessor.session", "write_outputs", "writing and summary", None),
    ("assessor.cli", "_print_summary", "writing and summary", None),
)
ORDER = (
    "importing the command line",
    "importing the engine",
    "reading the scheme",
    "loading the inputs",
    "planning",
    "compiling to SQL",
    "queries",
    "mapping tables",
    "outcomes and totals",
    "writing and summary",
    "the rest",
)


def _clock(
    stages: dict[str, float],
    running: dict[str, int],
    stage: str,
    inside: str | None,
    function: Callable[..., Any],
) -> Callable[..., Any]:
    """``function`` adding its wall time to ``stages[stage]`` (only while ``inside`` runs,
    if given); a call inside another call of the same stage is not counted twice.
    """

    @functools.wraps(function)
    def clocked(*args: Any, **kwargs: Any) -> Any:
        if inside is not None and not running.get(inside):
            return function(*args, **kwargs)
        running[stage] = running.get(stage, 0) + 1
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            running[stage] -= 1
            if not running[stage]:
                stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - start

    return clocked


def _install(stages: dict[str, float]) -> None:
    """Put a clock around every function of ``CLOCKED``."""
    import importlib

    running: dict[str, int] = {}
    for module_name, attribute, stage, inside in CLOCKED:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, name, _clock(stages, running, stage, inside, getattr(owner, name)))


def profile_once(scheme: Path, data: Path) -> dict[str, float]:
    """Run ``assessor run`` once in this process; the seconds of each stage."""
    started = time.perf_counter()
    import assessor.cli

    imported = time.perf_counter()
    # what a run imports before its first query: the engine, and Ibis's DuckDB backend
    import ibis.backends.duckdb  # noqa: F401

    import assessor.engine.evaluate

    stages = {
        "importing the command line": imported - started,
        "importing the engine": time.perf_counter() - imported,
    }
    _install(stages)
    with tempfile.TemporaryDirectory() as out:
        arguments = ["run", str(scheme), "--data", str(data), "--out", out]
        try:
            assessor.cli.main(arguments, standalone_mode=False)
        finally:
            total = time.perf_counter() - started
    # planning is what the plan's step took besides compiling and running queries
    stages["planning"] = stages.pop("planning and queries") - stages["queries"]
    stages["queries"] -= stages["compiling to SQL"]
    stages["the rest"] = total - sum(stages.values())
    stages["total"] = total
    return stages


def _median_of_runs(repeat: int, arguments: list[str]) -> dict[str, float]:
    """Each stage's median over ``repeat`` fresh processes."""
    runs = []
    for _ in range(repeat):
        found = subprocess.run(
            [sys.executable, __file__, "--json", *arguments],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(found.stdout.splitlines()[-1]))
    return {stage: statistics.median(run[stage] for run in runs) for stage in runs[0]}


def _print(stages: dict[str, float], title: str) -> None:
    total = stages["total"]
    print(title)
    print()
    print("| stage | s | share |")
    print("|---|---:|---:|")
    for stage in ORDER:
        print(f"| {stage} | {stages[stage]:.3f} | {stages[stage] / total:.0%} |")
    print(f"| **total** | **{total:.3f}** | |")


def main() -> None:
    """Profile one run, or the median of several fresh processes, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stores", action="store_true", help="the per-store scheme")
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes, median")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    data = BENCH / "data" / str(options.rows)
    if not (data / "visits.parquet").exists():
        parser.error(f"no data in {data}: run bench/run.py --rows {options.rows} first")
    scheme = STORES_SCHEME if options.stores else SCHEME
    if options.json:
        with open(os.devnull, "w") as quiet:  # the run's own printout
            stdout, sys.stdout = sys.stdout, quiet
            try:
                stages = profile_once(scheme, data)
            finally:
                sys.stdout = stdout
        print(json.dumps(stages))
        return
    arguments = ["--rows", str(options.rows)] + (["--stores"] if options.stores else [])
    stages = _median_of_runs(options.repeat, arguments)
    mode = "each store alone" if options.stores else "one store"
    _print(stages, f"churn-control, {options.rows:,} visits, {mode}: median of {options.repeat}")


if __name__ == "__main__":
    main()
