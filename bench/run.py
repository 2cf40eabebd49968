"""Benchmark churn-control: assessor against hand-written DuckDB SQL and pandas peers.

``--engines duckdb,spark,postgres`` also runs assessor on Spark and on PostgreSQL (the
server named by ``--postgres URL``), on the same data, and checks their amounts too.

``run.py --rows N [--repeat 3]`` generates the data into ``bench/data/N/`` (cached until the
generator or the seed changes), then runs each contender ``--repeat`` times as a fresh
process, the whole process as a user runs it, and records its wall time and peak RSS. It
checks that all three give the same amount per (period, role, subject), then times
``assessor --help`` (median of 10) and ``assessor check`` on a generated 1,000-line scheme
(median of 5), and prints one table.

By default all the data are one store, as in the churn-control template. ``--stores`` runs
assessor with ``bench/churn-control-stores.assess`` (the template with ``stores by store``)
and the peers with ``--stores``: each of the 200 stores is assessed alone, and the amounts
are compared per (period, store, role, subject).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SCHEME = ROOT / "schemes" / "auto-aftersales" / "churn-control.assess"
# --stores: the same template with `stores by store`, each of the 200 stores assessed alone.
STORES_SCHEME = BENCH / "churn-control-stores.assess"
GENERATOR = BENCH / "generate.py"
# The console script next to this interpreter: the venv that runs the benchmark.
ASSESSOR = Path(sys.executable).parent / "assessor"
HELP_RUNS, CHECK_RUNS = 10, 5
CHECK_SCHEME_LINES = 1000
Key = tuple[str, str, str, str]
"""(period, store, role, subject); the store is '' when all the data are one store."""


@dataclass
class Measure:
    """Wall times (s) and peak RSS (KiB) of the runs of one command."""

    name: str
    seconds: list[float]
    peak_kib: int

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.seconds)


def timed(command: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run ``command`` once; its wall time and the child's peak RSS in KiB.

    ``os.wait4`` returns the rusage of exactly this child. Linux carries the parent's
    high-water RSS over fork and exec into the child's, so this process imports nothing
    heavy and its own peak (`own_peak_kib`) is the floor of every figure.
    A failing command stops the benchmark with its log.
    """
    with log.open("w") as output:
        start = time.perf_counter()
        child = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT, env=env
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it was reaped
    if child.returncode != 0:
        sys.exit(f"FAILED ({child.returncode}): {' '.join(command)}\n{log.read_text()}")
    return seconds, usage.ru_maxrss


def own_peak_kib() -> int:
    """The benchmark process's own peak RSS in KiB: the floor of every measured peak."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(
    name: str, command: list[str], runs: int, log: Path, env: dict[str, str] | None = None
) -> Measure:
    """Run ``command`` ``runs`` times; all wall times and the largest peak RSS."""
    results = [timed(command, log, env) for _ in range(runs)]
    return Measure(name, [s for s, _ in results], max(k for _, k in results))


def measure_start(name: str, command: list[str], runs: int, log: Path) -> Measure:
    """``measure`` a short command as users run it: Python may write and read its bytecode
    (.pyc) files, whatever this shell says, and one run before the timed ones writes them.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    timed(command, log, env)
    return measure(name, command, runs, log, env)


def data_dir(rows: int, seed: int) -> Path:
    """``bench/data/N/``, generated on first use and again whenever the generator or the
    seed differs from the ones its ``made-by.txt`` names.
    """
    folder = BENCH / "data" / str(rows)
    stamp = folder / "made-by.txt"
    # A checksum, not a secure hash: hashlib's OpenSSL would raise this process's RSS floor.
    made_by = f"generate.py crc32 {zlib.crc32(GENERATOR.read_bytes()):08x}\nseed {seed}\n"
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != made_by:
        print(f"generating {rows:,} visits into {folder.relative_to(ROOT)} ...", flush=True)
        start = time.perf_counter()
        stamp.unlink(missing_ok=True)  # a generation cut short leaves no stamp
        # A separate process: the benchmark itself must stay small (see `timed`).
        command = [sys.executable, str(GENERATOR), "--rows", str(rows)]
        subprocess.run([*command, "--out", str(folder), "--seed", str(seed)], check=True)
        stamp.write_text(made_by, encoding="utf-8")
        print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
    return folder


def _peer(script: str, data: Path, out: Path, stores: bool) -> list[str]:
    """The command that runs one peer script on ``data`` into ``out`` (per store with
    ``stores``).
    """
    command = [sys.executable, str(BENCH / "peers" / script), "--data", str(data)]
    return [*command, "--out", str(out), *(["--stores"] if stores else [])]


def contenders(
    data: Path, work: Path, engines: dict[str, str] | None = None, stores: bool = False
) -> dict[str, tuple[list[str], Path]]:
    """Each contender's command and the CSV its outcomes land in; ``engines`` (name: the
    ``--engine`` value) adds assessor on other engines than DuckDB, on the same data.
    With ``stores`` every contender assesses each store alone.
    """
    scheme = STORES_SCHEME if stores else SCHEME
    assessor = [str(ASSESSOR), "run", str(scheme), "--data", str(data), "--out", str(work / "a")]
    sql, pandas = work / "sql.csv", work / "pandas.csv"
    found = {
        "assessor": (assessor, work / "a" / "results.csv"),
        "duckdb SQL": (_peer("duckdb_sql.py", data, sql, stores), sql),
        "pandas": (_peer("pandas_churn.py", data, pandas, stores), pandas),
    }
    for name, engine in (engines or {}).items():
        out = work / f"a-{name}"
        command = [*assessor[:-1], str(out), "--engine", engine]
        found[f"assessor on {name}"] = (command, out / "results.csv")
    return found


def engine_values(names: str, postgres: str | None) -> dict[str, str]:
    """``--engines duckdb,spark,postgres``: the engines other than DuckDB, by name, with the
    ``--engine`` value each runs with (PostgreSQL's from ``--postgres``).
    """
    engines = {}
    for name in (n.strip() for n in names.split(",") if n.strip() != "duckdb"):
        if name == "postgres" and not postgres:
            sys.exit("--engines postgres needs --postgres postgres://user@host:port/db")
        if name not in ("spark", "postgres"):
            sys.exit(f"--engines: {name!r} is not duckdb, spark or postgres")
        engines[name] = postgres if name == "postgres" else "spark"
    return engines


def amounts(path: Path) -> dict[Key, int]:
    """Amount per (period, store, role, subject) of an outcomes CSV (assessor's or a peer's);
    a CSV without a ``store`` column is one store, ''.

    The key's texts are interned and no row becomes a dict: the outcomes stay a few MiB, so
    that this process's peak, which every later child inherits (see `timed`), stays low.
    """
    found: dict[Key, int] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        at = {name: index for index, name in enumerate(next(rows))}
        period, role, subject, amount = (at[c] for c in ("period", "role", "subject", "amount"))
        store = at.get("store")
        for row in rows:
            where = sys.intern(row[store]) if store is not None else ""
            key = (sys.intern(row[period]), where, sys.intern(row[role]), row[subject])
            found[key] = int(row[amount])
    return found


def verify(outputs: dict[str, Path]) -> bool:
    """Whether every contender gives the same amounts as assessor; prints what differs."""
    names = list(outputs)
    reference = amounts(outputs[names[0]])
    agreed = True
    for name in names[1:]:
        other = amounts(outputs[name])
        differ = sorted(
            k for k in reference.keys() | other.keys() if reference.get(k) != other.get(k)
        )
        if differ:
            agreed = False
            print(f"MISMATCH: {name} differs from {names[0]} on {len(differ)} rows, e.g.:")
            for key in differ[:10]:
                print(f"  {key}: {names[0]} {reference.get(key)}, {name} {other.get(key)}")
    if agreed:
        print(f"results agree: {len(reference)} outcomes, same amount in all {len(names)}")
    return agreed


def big_scheme(lines: int) -> str:
    """A valid scheme of at least ``lines`` lines over churn-control's plugin: blocks of
    a parameter, two metrics, a group rule and a specialist rule, each with its own lapse.
    """
    head = [
        'scheme "Benchmark: many rules" version "1" effective 2015-08-01',
        "  uses auto_aftersales",
        "  period month  window 2015-08 .. 2015-12",
        "",
        'role advisor_group "advisor group" from visits.advisor_group',
        'role followup_specialist "follow-up specialist" from followups.specialist',
        'role service_manager "service manager" store',
        "",
    ]
    body: list[str] = []
    block = 0
    while len(head) + len(body) + len(_block(block + 1)) <= lines:
        block += 1
        body += _block(block)
    # Comments fill up to the exact line count, as a real scheme's notes would.
    notes = [f"# note {n}: the blocks above differ only in their lapse" for n in range(lines)]
    return "\n".join(head + body + notes[: lines - len(head) - len(body)]) + "\n"


def _block(i: int) -> list[str]:
    """One block of the generated scheme (17 lines)."""
    return [
        f'param lapse_{i} "lapse {i}" = {1 + i % 12} months',
        f'metric store_{i} "store churn {i}" = churn_rate(lapse_{i})',
        f'metric group_{i} "group churn {i}" for advisor_group = churn_rate(lapse_{i})',
        f'metric followed_{i} "followed {i}" for followup_specialist',
        f"  = mean(group_{i} of followups.advisor_group)",
        f'metric previous_{i} "previous {i}" = mean(store_{i} over previous 3 months)',
        f'rule group_rule_{i} "group rule {i}" for advisor_group',
        f"  when group_{i} < store_{i}  reward 200",
        f"  when group_{i} > store_{i}  penalty 200",
        "  otherwise 0",
        f'rule followup_rule_{i} "follow-up rule {i}" for followup_specialist',
        f"  when followed_{i} < store_{i}  reward 100",
        "  otherwise penalty 100",
        f'rule trend_rule_{i} "trend rule {i}" for service_manager',
        f"  when store_{i} <= previous_{i}  reward 200",
        "  otherwise penalty 200",
        "",
    ]


def mode(stores: bool) -> str:
    """The benchmark's mode, for its header: one store, or each store alone."""
    if stores:
        return f"per store, each store assessed alone ({STORES_SCHEME.relative_to(ROOT)})"
    return f"one store, all the data together ({SCHEME.relative_to(ROOT)})"


def machine() -> list[str]:
    """Facts about the machine and the versions the figures were measured with."""
    memory = "?"
    cpu = platform.processor() or "?"
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("duckdb", "ibis-framework", "pandas", "numpy", "pyarrow")
    )
    return [
        f"machine: {os.cpu_count()} cores ({cpu}), {memory} RAM, {platform.platform()}",
        f"python {platform.python_version()}, {versions}",
    ]


def table(rows: list[Measure], reference: Measure, compared: int) -> list[str]:
    """The results as a Markdown table; the first ``compared`` rows get their time ratio to
    the SQL peer.
    """
    lines = [
        "| contender | median s | runs (s) | peak MiB | ratio to SQL |",
        "|---|---:|---|---:|---:|",
    ]
    for index, row in enumerate(rows):
        runs = " ".join(f"{s:.2f}" for s in row.seconds)
        ratio = f"{row.median / reference.median:.2f}x" if index < compared else "-"
        lines.append(
            f"| {row.name} | {row.median:.3f} | {runs} | {row.peak_kib / 1024:.0f} | {ratio} |"
        )
    return lines


def main() -> None:
    """Command line: ``run.py --rows N [--repeat 3] [--seed S] [--stores]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True, help="number of visits")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender")
    parser.add_argument("--seed", type=int, default=20151231, help="generator seed")
    parser.add_argument(
        "--engines", default="duckdb", help="engines assessor runs on: duckdb,spark,postgres"
    )
    parser.add_argument("--postgres", help="the server for --engines postgres, as a URL")
    parser.add_argument(
        "--stores",
        action="store_true",
        help="assess each store alone (stores by store), the peers too; default: one store",
    )
    args = parser.parse_args()
    engines = engine_values(args.engines, args.postgres)
    data = data_dir(args.rows, args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        results, outputs = [], {}
        for name, (command, output) in contenders(data, work, engines, args.stores).items():
            print(f"running {name} x{args.repeat} ...", flush=True)
            results.append(measure(name, command, args.repeat, work / "log.txt"))
            outputs[name] = output
        agreed = verify(outputs)
        scheme = work / "many-rules.assess"
        scheme.write_text(big_scheme(CHECK_SCHEME_LINES), encoding="utf-8")
        lines = len(scheme.read_text(encoding="utf-8").splitlines())
        results.append(
            measure_start("assessor --help", [str(ASSESSOR), "--help"], HELP_RUNS, work / "log.txt")
        )
        results.append(
            measure_start(
                f"assessor check ({lines}-line scheme)",
                [str(ASSESSOR), "check", str(scheme)],
                CHECK_RUNS,
                work / "log.txt",
            )
        )
    print()
    print(f"churn-control on {args.rows:,} visits, {args.repeat} runs each (seed {args.seed})")
    print(f"mode: {mode(args.stores)}")
    print("assessor --help and check: bytecode (.pyc) allowed, timed after one warm-up run")
    for line in machine():
        print(line)
    print(
        f"peak RSS floor (this benchmark process, inherited by each child): "
        f"{own_peak_kib() / 1024:.0f} MiB"
    )
    print()
    for line in table(results, results[1], 3 + len(engines)):
        print(line)
    for engine in results[3 : 3 + len(engines)]:
        print(f"{engine.name}: {engine.median / results[0].median:.2f}x assessor on duckdb")
    if not agreed:
        sys.exit("FAILED: the contenders' results differ (see MISMATCH above)")


if __name__ == "__main__":
    main()
