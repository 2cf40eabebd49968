"""Shared fixtures: the repository's paths, an in-process command-line runner, and the
engines of the conformance suite (a PostgreSQL server on loopback, a local Spark session that
also serves Spark Connect).
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from assessor.cli import main

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "schemes" / "auto-aftersales" / "churn-control.assess"
SAMPLE_DATA = ROOT / "schemes" / "auto-aftersales" / "sample-data"
ACCEPTANCE = ROOT / "tests" / "acceptance" / "churn-control"
STORE_ROLES = ("workshop_supervisor", "service_manager", "golden_bowtie")


@attrs.frozen
class Outcome:
    """What a command did: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str


def invoke(*args: str) -> Outcome:
    """Run the command line in process, as a user would from a shell."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_scheme(scheme: Path, data: Path, out: Path, *options: str) -> list[dict[str, str]]:
    """Run a scheme, insist that it succeeds, and return the rows of its results.csv."""
    outcome = invoke("run", scheme, "--data", data, "--out", out, *options)
    assert outcome.exit_code == 0, outcome.stderr
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def cli():
    """The command line as a function: cli("check", path) -> Outcome."""
    return invoke


# -- engines ----------------------------------------------------------------------------------
# `make test` installs PostgreSQL and Java and sets ASSESSOR_REQUIRE_ENGINES, so a missing
# engine fails there; a plain `pytest` on a machine without them skips those tests instead.
_REQUIRED = bool(os.environ.get("ASSESSOR_REQUIRE_ENGINES"))


def _unavailable(reason: str) -> None:
    if _REQUIRED:
        pytest.fail(f"{reason} (make test installs it)")
    pytest.skip(reason)


def _postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL binaries (/usr/lib/postgresql/<version>/bin)."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    return max(found, key=lambda p: int(p.parent.name), default=None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def postgres_server(timezone: str = "UTC", collation: str | None = None) -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 whose default time zone is ``timezone``
    and, with ``collation`` (an ICU locale such as ``zh-Hans-CN``), whose texts sort by it;
    yields its URL. initdb refuses to run as root, so as root the server runs as ``postgres``.
    """
    binaries = _postgres_bin()
    if binaries is None:
        _unavailable("PostgreSQL is not installed")
    if not _REQUIRED:
        pytest.importorskip("psycopg")
    folder = Path(tempfile.mkdtemp(prefix="assessor-pg-"))
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if owner:
        shutil.chown(folder, "postgres")
    data, port = str(folder / "data"), _free_port()
    server = f"-h 127.0.0.1 -p {port} -k {folder} -c timezone={timezone} -c fsync=off"

    def run(program: str, *arguments: str) -> None:
        command = [*owner, str(binaries / program), *arguments]
        subprocess.run(command, check=True, capture_output=True)

    try:
        locale = ["--locale-provider=icu", f"--icu-locale={collation}"] if collation else []
        run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "-N", *locale)
        run("pg_ctl", "-D", data, "-l", str(folder / "log"), "-o", server, "-w", "start")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the whole session (UTC), as an ``--engine`` URL."""
    with postgres_server() as url:
        yield url


# Spark's own plugin that serves Spark Connect from a driver (what start-connect-server.sh
# runs), bound to loopback only
_CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"


@pytest.fixture(scope="session")
def spark_server() -> Iterator[int]:
    """A local Spark session on two cores, started as ``--engine spark`` starts one, which
    also serves Spark Connect on a free loopback port (Spark's plugin; its jar comes with
    pyspark). One Java process serves both kinds of test. Yields the port.
    """
    if shutil.which("java") is None:
        _unavailable("Java is not installed (Spark needs it)")
    if not _REQUIRED:
        pytest.importorskip("pyspark")
    from assessor.engine.backends import parse_engine, spark_session

    port = _free_port()
    server = {
        "spark.plugins": _CONNECT_PLUGIN,
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
    }
    session = spark_session(parse_engine("local[2]", conf=server))
    yield port
    session.stop()


@pytest.fixture(scope="session")
def spark_engine(spark_server: int):
    """The local Spark session on two cores; runs with the Spark engine use it. Yields the
    engine choice.
    """
    from assessor.engine.backends import parse_engine

    return parse_engine("local[2]")


@pytest.fixture(scope="session")
def connect_client() -> None:
    """The Spark Connect client's packages (pyspark and grpcio, ...: the spark extra)."""
    try:
        from pyspark.sql.connect.utils import check_dependencies

        check_dependencies("tests")
    except ImportError as error:
        _unavailable(f"the Spark Connect client is not installed ({error})")


@pytest.fixture(scope="session")
def spark_connect_url(connect_client: None, spark_server: int) -> str:
    """``--engine`` for the Spark Connect server of the local session: each run opens its
    own Connect session there, through gRPC on loopback, as with a remote server.
    """
    return f"sc://127.0.0.1:{spark_server}"
