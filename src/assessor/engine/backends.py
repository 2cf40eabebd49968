"""Where a plan runs: DuckDB in process (the default), a PostgreSQL server, or Apache Spark.

Input files are always read and checked by DuckDB on this machine (``data.load``). An engine
then receives every checked table under its input's name, defines the exact-integer functions
the plan calls (``series.assessor_gcd``, ``assessor_lcm``, ``assessor_quotient``), keeps each
metric's series the way it computes best, runs the same Ibis plan and returns the rows as
Arrow, which is exact (see docs/engines.md).

- **DuckDB** keeps the tables it loaded; series are temporary tables.
- **PostgreSQL** gets the tables by ``COPY`` into temporary tables of this connection. The
  functions live in the connection's own temporary schema (``pg_temp``), which PostgreSQL never
  searches for functions, so the plan calls them by their qualified name. Closing the
  connection removes everything: nothing is left in the database.
- **Spark** gets the tables as temporary views of Arrow data (or, for tables already in its
  catalog, views of them checked in place: ``data.spark_tables``), the functions as SQL
  functions of the session, and each series is computed once and kept on the executors (a local
  checkpoint) so later steps do not recompute it. Views and kept data are dropped at the end.
  The same calls work on a Spark Connect server (``sc://``), where a run has a session of its
  own, released at the end.

This module imports Ibis, psycopg and pyspark only inside the functions that use them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from assessor.engine import spark_functions
from assessor.errors import fail

DUCKDB, POSTGRES, SPARK = "duckdb", "postgres", "spark"
# what `--engine spark` runs on when no master is named
DEFAULT_SPARK_MASTER = "local[*]"
_POSTGRES_SCHEMES = ("postgres://", "postgresql://")
_SPARK_SCHEMES = ("spark://", "sc://", "k8s://", "mesos://")
_SPARK_LOCAL_MASTER = re.compile(r"local(\[[0-9*]+(,\s*[0-9]+)?\])?", re.IGNORECASE)
# PostgreSQL 13 brought gcd, lcm and div on numeric, which the exact functions are built on
_POSTGRES_MINIMUM = 130000
ENGINE_HELP = (
    "duckdb (in process), postgres://user@host:5432/db, spark (local[*]), or a Spark master "
    "(spark://host:7077, local[2]) or Spark Connect URL (sc://host:15002)"
)


@attrs.frozen
class EngineChoice:
    """Which engine runs the plan, and where: a PostgreSQL URL or a Spark master.

    ``conf`` holds Spark settings (``spark.executor.memory`` …) from ``assessor.yaml``.
    """

    kind: str = DUCKDB
    url: str = ""
    conf: tuple[tuple[str, str], ...] = ()


def parse_engine(
    text: str | None, master: str | None = None, conf: Mapping[str, str] | None = None
) -> EngineChoice:
    """The engine a ``--engine`` value (or ``engine:`` in ``assessor.yaml``) names.

    ``master`` is the Spark master for ``spark`` (default ``local[*]``); ``conf`` Spark
    settings. Raises ValueError with a sentence for the person when the value names none.
    """
    settings = tuple(sorted((conf or {}).items()))
    value = (text or DUCKDB).strip()
    lowered = value.lower()
    if lowered == DUCKDB:
        return EngineChoice()
    if lowered.startswith(_POSTGRES_SCHEMES):
        if value.rstrip("/").lower() in ("postgres:", "postgresql:"):
            raise ValueError(f"{value!r} names no database; write postgres://user@host:5432/db")
        return EngineChoice(POSTGRES, value)
    if lowered == SPARK:
        return EngineChoice(SPARK, master or DEFAULT_SPARK_MASTER, settings)
    if (
        lowered.startswith(_SPARK_SCHEMES)
        or lowered == "yarn"
        or _SPARK_LOCAL_MASTER.fullmatch(value)
    ):
        return EngineChoice(SPARK, value, settings)
    raise ValueError(f"{value!r} is not an engine; write {ENGINE_HELP}")


def engine_for_data(
    data: Any,
    text: str | None,
    master: str | None = None,
    conf: Mapping[str, str] | None = None,
) -> EngineChoice:
    """The engine for input tables already in an engine: for tables in PostgreSQL
    (``data.postgres.DatabaseData``) that database, unless ``text`` (``--engine`` or
    ``engine:``) names it too; for tables in Spark (``data.spark_tables.SparkData``) Spark,
    ``spark`` (on ``master``, with ``conf``) unless ``text`` names a Spark master or Connect
    server. Raises ValueError with a sentence for the person when ``text`` names another
    engine or database: the tables are read where they are, so the plan must run there.
    """
    from assessor.data.spark_tables import SparkData

    if isinstance(data, SparkData):
        return _spark_for_data(data, text, master, conf)
    if text is None:
        return EngineChoice(POSTGRES, data.url)
    choice = parse_engine(text)
    if choice.kind == POSTGRES and data.same_database(choice.url):
        return choice
    named = _engine_named(choice)
    raise ValueError(
        f"the input tables are in PostgreSQL ({data.shown}), so the engine must be that "
        f"database, not {named}; leave out --engine (and engine: in assessor.yaml), or name "
        "the same database"
    )


def _spark_for_data(
    data: Any, text: str | None, master: str | None, conf: Mapping[str, str] | None
) -> EngineChoice:
    choice = parse_engine(text or SPARK, master, conf)
    if choice.kind == SPARK:
        return choice
    raise ValueError(
        f"the input tables are in Spark ({data.shown}), so the engine must be Spark, not "
        f"{_engine_named(choice)}; leave out --engine (and engine: in assessor.yaml), or name "
        "a Spark master or Spark Connect URL"
    )


def check_engine_for_data(data: Any, choice: EngineChoice) -> None:
    """E703 when a run of tables already in an engine (``data``: in PostgreSQL or Spark) is
    given another engine (a library caller's mistake; the command line says it as a usage
    error first).
    """
    from assessor.data.spark_tables import SparkData

    if isinstance(data, SparkData):
        if choice.kind != SPARK:
            fail(
                "E703",
                f"the input tables are in Spark ({data.shown}), but the engine is "
                + _engine_named(choice),
                None,
                "tables are read where they are: run the plan on Spark (leave the engine out "
                "and it is chosen for you)",
            )
        return
    if choice.kind != POSTGRES or not data.same_database(choice.url):
        fail(
            "E703",
            f"the input tables are in PostgreSQL ({data.shown}), but the engine is "
            + _engine_named(choice),
            None,
            "tables are read where they are: run the plan in the same database (leave the "
            "engine out and it is chosen for you)",
        )


def _engine_named(choice: EngineChoice) -> str:
    """An engine for a message: its kind, or a PostgreSQL URL without the password."""
    return _without_password(choice.url) if choice.kind == POSTGRES else choice.kind


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1@", url)


# -- the engine a run uses --------------------------------------------------------------------


class Engine:
    """An engine for one run: it receives the checked inputs, keeps series and returns rows.

    ``backend`` is the Ibis backend the plan and the evidence queries run on.
    """

    kind = DUCKDB

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self._names = itertools.count()

    def receive(self, duck: Any, names: list[str]) -> None:
        """Take the checked input tables ``names`` from the DuckDB backend that loaded them."""

    def stage(self, series: Any) -> Any:
        """A metric's series, computed once (DuckDB would evaluate a shared subquery every
        time it is referenced); later metrics and the outcomes read what this returns.
        """
        import ibis

        name = self._name("series")
        self.backend.con.execute(f"CREATE TEMP TABLE {_quoted(name)} AS {self._typed(series)}")
        return ibis.table(series.schema(), name=name)

    def fetch(self, expression: Any) -> list[dict[str, Any]]:
        """The rows of an expression, in its order, as dicts of exact Python values (int,
        Decimal, date, str).
        """
        names = list(expression.columns)
        rows = self.backend.con.execute(self._typed(expression)).fetchall()
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _typed(self, expression: Any) -> str:
        """DuckDB's SQL of an expression, in the types Ibis has planned (a date plus months
        comes back as a timestamp) and in its order (DuckDB keeps a subquery's order through
        a projection). Straight from DuckDB: Ibis's own conversions and its reading of a new
        table's schema import pandas or Arrow, 0.3 s of every run.
        """
        types = self.backend.compiler.type_mapper
        typed = ", ".join(
            f"CAST({_quoted(name)} AS {types.from_ibis(dtype).sql(DUCKDB)}) AS {_quoted(name)}"
            for name, dtype in expression.schema().items()
        )
        return f"SELECT {typed} FROM ({self.backend.compile(expression)}) AS planned"

    def close(self) -> None:
        """Drop what the run created in the engine."""

    def _name(self, what: str) -> str:
        return f"assessor_{what}_{next(self._names)}"


@contextlib.contextmanager
def open_engine(choice: EngineChoice, duck: Any) -> Iterator[Engine]:
    """The engine of a run; ``duck`` is the DuckDB backend holding the checked inputs (and the
    engine itself when DuckDB is chosen; None for tables read in place in PostgreSQL).
    Whatever the run created is dropped on exit.
    """
    if choice.kind == POSTGRES:
        engine: Engine = PostgresEngine(connect_postgres(choice.url))
    elif choice.kind == SPARK and is_spark_connect(choice.url):
        engine = _connect_engine(choice)
    elif choice.kind == SPARK:
        engine = SparkEngine(spark_session(choice), dict(choice.conf))
    else:
        engine = Engine(duck)
    try:
        yield engine
    finally:
        engine.close()


# -- PostgreSQL -------------------------------------------------------------------------------

# The exact functions, in the connection's temporary schema. gcd, lcm and div on numeric are
# exact at any size; div truncates like DuckDB's integer division.
_POSTGRES_FUNCTIONS = (
    "CREATE FUNCTION pg_temp.assessor_gcd(a numeric, b numeric) RETURNS numeric "
    "LANGUAGE sql IMMUTABLE AS 'SELECT gcd(a, b)'",
    "CREATE FUNCTION pg_temp.assessor_quotient(a numeric, b numeric) RETURNS numeric "
    "LANGUAGE sql IMMUTABLE AS 'SELECT div(a, b)'",
    "CREATE FUNCTION pg_temp.assessor_lcm(v numeric[]) RETURNS numeric LANGUAGE plpgsql "
    "IMMUTABLE AS $$ DECLARE r numeric := 1; x numeric; BEGIN "
    "FOREACH x IN ARRAY v LOOP r := lcm(r, x); END LOOP; RETURN r; END $$",
)
# The session's settings. Ibis truncates months with DATE_TRUNC, which follows the session's
# time zone: a server in Asia/Shanghai would put March 1st on February 29th. And the plan's
# queries are many small joins whose cost PostgreSQL overestimates, so its JIT compiler
# spent 4.6 s compiling a query that runs in 50 ms.
SESSION_SETTINGS = "-c TimeZone=UTC -c jit=off"
# how many rows go to the server per COPY chunk
_COPY_ROWS = 200_000


def connect_postgres(url: str) -> Any:
    """An Ibis backend on a new connection to the server of ``url``, in UTC, with the exact
    functions defined; an unreachable server or a missing driver is a located error.
    """
    import ibis

    connection = connect_psycopg(url)
    with connection.cursor() as cursor:
        for statement in _POSTGRES_FUNCTIONS:
            cursor.execute(statement)
    backend = ibis.postgres.from_connection(connection)
    backend.compiler = _postgres_compiler(type(backend.compiler))()
    return backend


def connect_psycopg(url: str) -> Any:
    """A psycopg connection (autocommit, UTC, no JIT) to the server of ``url``, which must be
    PostgreSQL 13 or later; an unreachable server or a missing driver is a located error.
    """
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        _missing_extra(POSTGRES, "psycopg")
    params = conninfo_to_dict(_conninfo(url))
    params["options"] = " ".join(filter(None, [params.get("options"), SESSION_SETTINGS]))
    params.setdefault("connect_timeout", 10)
    try:
        connection = psycopg.connect(**params, autocommit=True)
    except psycopg.Error as error:
        fail(
            "E701",
            f"cannot connect to PostgreSQL at {_without_password(url)}: {_first_line(error)}",
            None,
            "check that the server runs and accepts connections from this machine, and the "
            "user, password and database in the URL (a password may also come from PGPASSWORD "
            "or ~/.pgpass)",
        )
    if connection.info.server_version < _POSTGRES_MINIMUM:
        version = connection.info.parameter_status("server_version")
        connection.close()
        fail(
            "E701",
            f"PostgreSQL {version} at {_without_password(url)} is too old for assessor",
            None,
            "use PostgreSQL 13 or later (it has the exact gcd, lcm and div on numeric)",
        )
    return connection


def _conninfo(url: str) -> str:
    """The URL without the parameters that are assessor's, not the driver's (``schema``)."""
    return re.sub(r"([?&])schema=[^&]*&?", r"\1", url).rstrip("?&")


def _postgres_compiler(base: type) -> type:
    """Ibis's PostgreSQL compiler with two differences: the exact functions are called by
    their name in ``pg_temp``, and a boolean becomes a number through ``int`` (PostgreSQL
    has no direct cast from boolean to bigint).
    """
    import sqlglot as sg

    names = {"assessor_gcd", "assessor_lcm", "assessor_quotient"}

    class Compiler(base):
        def __sql_name__(self, op: Any) -> str:
            name = super().__sql_name__(op)
            return f"pg_temp.{name}" if name in names else name

        def visit_Cast(self, op: Any, *, arg: Any, to: Any) -> Any:
            if op.arg.dtype.is_boolean() and to.is_integer():
                arg = sg.exp.Cast(this=arg, to=sg.exp.DataType.build("INT"))
            return super().visit_Cast(op, arg=arg, to=to)

    return Compiler


class PostgresEngine(Engine):
    """A run inside PostgreSQL: everything is temporary to its own connection."""

    kind = POSTGRES

    def fetch(self, expression: Any) -> list[dict[str, Any]]:
        """The rows through Ibis's own conversion to Arrow (psycopg gives Python values)."""
        return self.backend.to_pyarrow(expression).to_pylist()

    def receive(self, duck: Any, names: list[str]) -> None:
        """Copy each checked table into a temporary table of the same name."""
        for name in names:
            self._copy(duck, name)

    def _copy(self, duck: Any, name: str) -> None:
        """One table by ``COPY``, then analysed: the planner needs its size, and temporary
        tables are never analysed automatically.
        """
        import pyarrow as pa
        from pyarrow import csv

        table = duck.table(name)
        self._create(name, table.schema())
        columns = ", ".join(_quoted(c) for c in table.columns)
        # quoted values and bare empty fields: an empty text stays text, a null stays null
        options = csv.WriteOptions(include_header=False, quoting_style="all_valid")
        with self.backend.con.cursor() as cursor:
            with cursor.copy(f"COPY {_quoted(name)} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                for batch in duck.con.table(name).to_arrow_reader(_COPY_ROWS):
                    sink = pa.BufferOutputStream()
                    csv.write_csv(batch, sink, options)
                    copy.write(sink.getvalue().to_pybytes())
            cursor.execute(f"ANALYZE {_quoted(name)}")

    def _create(self, name: str, schema: Any) -> None:
        """An empty temporary table. Its texts compare and sort by code point (collation
        "C"), as in DuckDB and Spark, whatever the database's own collation: a Chinese one
        would order subjects by pinyin and break ties in ranks differently.
        """
        self.backend.create_table(name, schema=schema, temp=True)
        texts = [_quoted(column) for column, type_ in schema.items() if type_.is_string()]
        if texts:
            changes = ", ".join(f'ALTER COLUMN {c} TYPE text COLLATE "C"' for c in texts)
            with self.backend.con.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {_quoted(name)} {changes}")

    def stage(self, series: Any) -> Any:
        """A temporary table per series, analysed so later joins are planned on its size."""
        import ibis

        name = self._name("series")
        self._create(name, series.schema())
        self.backend.insert(name, series)
        with self.backend.con.cursor() as cursor:
            cursor.execute(f"ANALYZE {_quoted(name)}")
        return ibis.table(series.schema(), name=name)

    def close(self) -> None:
        """Closing the connection drops its temporary tables and functions."""
        with contextlib.suppress(Exception):
            self.backend.con.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- Spark ------------------------------------------------------------------------------------

# Settings for a Spark that assessor starts on this machine. A setting in assessor.yaml wins.
_SPARK_LOCAL = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    # tasks outside SQL (small in-memory tables) need no spreading over cores
    "spark.default.parallelism": "1",
}
# A short-lived driver: the quick JIT compiler only, and the simplest collector, halve the
# CPU time of a run (measured on the templates; see docs/engines.md)
_SPARK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# Below this many input rows, Spark spends more time compiling and scheduling each query
# than running it: one partition, no code generation and no adaptive re-planning then make
# a run of the templates about twice as fast.
SMALL_RUN_ROWS = 200_000
_SPARK_SMALL_RUN = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}
# Spark's log as assessor starts it: silent (errors are reported as diagnostics)
_LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")
# a Spark Connect server's port when its URL names none, and how long to wait for it
_CONNECT_PORT = 15002
_CONNECT_TIMEOUT = 10
_SPARK_ALWAYS = {
    "spark.sql.session.timeZone": "UTC",
    # overflow raises (E306), as on DuckDB and PostgreSQL, instead of giving null
    "spark.sql.ansi.enabled": "true",
}


def spark_session(choice: EngineChoice) -> Any:
    """The Spark session of this process, started for ``choice`` when none runs yet (a test
    or a notebook may have started one; it is used as it is). A Spark Connect URL gives a
    session of that server (``connect_session``).
    """
    if is_spark_connect(choice.url):
        return connect_session(choice)[0]
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _missing_extra(SPARK, "pyspark")
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("assessor").master(choice.url)
    settings = dict(_SPARK_ALWAYS)
    debug = bool(os.environ.get("ASSESSOR_DEBUG"))
    # the driver is a Java process on this machine
    logging = "" if debug else f" -Dlog4j2.configurationFile={_LOG_CONFIG}"
    settings["spark.driver.extraJavaOptions"] = _SPARK_JVM + logging
    if choice.url.startswith("local"):
        settings.update(_SPARK_LOCAL)
        settings["spark.sql.warehouse.dir"] = _scratch_folder()
    settings.update(dict(choice.conf))
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        with contextlib.nullcontext() if debug else _quiet_stderr():
            session = builder.getOrCreate()
    except Exception as error:  # pyspark's errors for a missing Java or master vary
        fail(
            "E701",
            f"cannot start Spark on {choice.url}: {_first_line(error)}",
            None,
            "Spark needs Java 17 (apt-get install openjdk-17-jre-headless) and, for a cluster, "
            "a master this machine can reach; check the master URL in --engine or assessor.yaml",
        )
    if not debug:
        _quiet_pyspark()
    return session


def is_spark_connect(url: str) -> bool:
    """Whether a Spark master URL names a Spark Connect server (``sc://host:port``)."""
    return url.lower().startswith("sc://")


def connect_session(choice: EngineChoice) -> tuple[Any, bool]:
    """A session of the Spark Connect server ``choice.url``, and whether it is this run's own.

    A Connect session already open in this process (a notebook's) is used as it is, and
    kept. Otherwise the run opens its own, which the engine releases when the run ends: the
    server then drops everything the run created. The server itself is never stopped.
    Missing client packages are E702, a server that does not answer E701.
    """
    try:
        from pyspark.sql.connect.utils import check_dependencies

        # the client's own check names the missing package (grpcio, grpcio-status, ...)
        check_dependencies("assessor")
        from pyspark.sql.connect.session import SparkSession
    except ImportError as error:
        _missing_extra(SPARK, _missing_package(error), "Spark Connect")
    active = SparkSession.getActiveSession()
    if active is not None and not active.is_stopped:
        return active, False
    _reach(choice.url)
    try:
        session = SparkSession.builder.remote(choice.url).create()
    except Exception as error:  # a URL the client cannot read
        _unreachable_connect(choice.url, _first_line(error))
    with _few_retries(session):
        try:
            session.version  # noqa: B018 (the first request: does the server answer?)
        except Exception as error:  # gRPC's and the server's errors vary
            session.stop()
            _unreachable_connect(choice.url, _first_line(error))
    _configure_connect(session, choice)
    if not os.environ.get("ASSESSOR_DEBUG"):
        _quiet_pyspark()
    return session, True


def _connect_engine(choice: EngineChoice) -> SparkEngine:
    """The Spark engine on a Spark Connect session; the run's own session is released again
    when the engine cannot be set up on it.
    """
    session, ours = connect_session(choice)
    try:
        return SparkEngine(session, dict(choice.conf), release=ours)
    except BaseException:
        if ours:
            session.stop()
        raise


def _reach(url: str) -> None:
    """E701 at once when nothing listens at the server's address: the client would retry
    for ten minutes before giving up.
    """
    import socket
    from urllib.parse import urlsplit

    try:
        address = urlsplit(url)
        host, port = address.hostname or "localhost", address.port or _CONNECT_PORT
        socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT).close()
    except (OSError, ValueError) as error:
        _unreachable_connect(url, str(error) or type(error).__name__)


@contextlib.contextmanager
def _few_retries(session: Any) -> Iterator[None]:
    """The session's first requests give up after a few seconds instead of ten minutes (a
    port that accepts connections but does not speak Spark Connect).
    """
    from pyspark.sql.connect.client.retries import DefaultPolicy

    policies = session.client.get_retry_policies()
    session.client.set_retry_policies([DefaultPolicy(max_retries=3)])
    try:
        yield
    finally:
        session.client.set_retry_policies(policies)


def _configure_connect(session: Any, choice: EngineChoice) -> None:
    """The run's settings on its Connect session; E701 for one the server refuses (a
    setting of the server's start, such as the driver's memory).
    """
    for key, value in {**_SPARK_ALWAYS, **dict(choice.conf)}.items():
        try:
            session.conf.set(key, value)
        except Exception as error:  # pyspark's error classes vary
            session.stop()
            fail(
                "E701",
                f"Spark Connect at {_without_secrets(choice.url)} refused the setting "
                f"{key}: {_first_line(error)}",
                None,
                "on Spark Connect, spark: conf: in assessor.yaml may hold only session "
                "settings (spark.sql.…); the server's own are set where it starts",
            )


def _unreachable_connect(url: str, reason: str) -> None:
    fail(
        "E701",
        f"cannot connect to Spark Connect at {_without_secrets(url)}: {reason}",
        None,
        "check that a Spark Connect server of Spark 4.0 runs there (Spark's "
        "sbin/start-connect-server.sh) and that this machine can reach its port (15002 by "
        "default)",
    )


def _without_secrets(url: str) -> str:
    """A Spark Connect URL as it may be shown: without its token or password."""
    return re.sub(r";token=[^;]*", "", _without_password(url), flags=re.IGNORECASE)


def _missing_package(error: ImportError) -> str:
    """The name to install for a failed import of the Spark Connect client."""
    parameters = getattr(error, "getMessageParameters", dict)() or {}
    return parameters.get("package_name") or error.name or "pyspark"


def _quiet_pyspark() -> None:
    """Silence pyspark, which writes every failed query to standard error as JSON before
    raising it; assessor reports the error itself (or, past 38 digits, as E306).
    """
    with contextlib.suppress(ImportError):
        from pyspark.logger import PySparkLogger

        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            PySparkLogger.getLogger(name).disabled = True


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Standard error as /dev/null for what starts meanwhile: the Java process Spark starts
    inherits it and writes notes a person has no use for (``WARNING: Using incubator
    modules``) straight to it. Ours is restored at once.
    """
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _scratch_folder() -> str:
    """A temporary folder for Spark's warehouse, so no permanent table lands in the current
    folder; removed when the process ends.
    """
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="assessor-spark-")
    atexit.register(shutil.rmtree, folder, True)
    return folder


class SparkEngine(Engine):
    """A run on Spark: inputs and series are temporary views of this session, named for the
    run, and dropped with the data they keep when it ends.

    The session is a classic one (a driver in this process) or a Spark Connect one; the
    same calls work on both. With ``release``, the session is the run's own Spark Connect
    session, released when the run ends.
    """

    kind = SPARK

    def __init__(self, session: Any, conf: Mapping[str, str], release: bool = False) -> None:
        import ibis

        super().__init__(ibis.pyspark.connect(session))
        self.session = session
        self._conf = conf
        self._release = release
        self._run = uuid.uuid4().hex[:8]
        self._views: list[str] = []
        self._kept: list[Any] = []
        self._restore: dict[str, str | None] = {}
        install_spark_functions(session)

    def receive(self, duck: Any, names: list[str]) -> None:
        """Each checked table as a view of its Arrow data, under the input's name; then the
        session is tuned to the data's size.
        """
        rows = 0
        for name in names:
            arrow = duck.to_pyarrow(duck.table(name))
            rows += arrow.num_rows
            self.hold(name, self.session.createDataFrame(arrow))
        self.size_for(rows)

    def hold(self, name: str, frame: Any) -> None:
        """Make a DataFrame readable as a temporary view of the run under ``name`` (an input:
        received, or a table checked in place in the session's catalog), dropped at the end.
        """
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def size_for(self, rows: int) -> None:
        """Tune the session to the inputs' size (``rows`` in all): below ``SMALL_RUN_ROWS``,
        settings that make a small run's many quick queries faster.
        """
        if rows < SMALL_RUN_ROWS:
            self._tune(_SPARK_SMALL_RUN)

    def _tune(self, settings: Mapping[str, str]) -> None:
        """Set session settings for this run (not those the person set), to be restored."""
        for key, value in settings.items():
            if key not in self._conf:
                self._restore[key] = self.session.conf.get(key, None)
                self.session.conf.set(key, value)

    def stage(self, series: Any) -> Any:
        """Compute the series once and keep it on the executors (a local checkpoint): a view
        would be recomputed at every reference, and the plans of later metrics would grow
        with every series they read.
        """
        import ibis

        name = self._name(f"{self._run}_series")
        kept = self._frame(series).localCheckpoint()
        kept.createOrReplaceTempView(name)
        self._views.append(name)
        self._kept.append(kept)
        return ibis.table(series.schema(), name=name)

    def fetch(self, expression: Any) -> list[dict[str, Any]]:
        """The rows through Arrow, cast to the plan's types (exact decimals, dates)."""
        table = self._frame(expression).toArrow()
        return table.cast(expression.schema().to_pyarrow()).to_pylist()

    def _frame(self, expression: Any) -> Any:
        """The Spark DataFrame of an Ibis expression. Ibis registers the plan's in-memory
        tables (lists of months) before compiling, as its own ``execute`` does.
        """
        self.backend._run_pre_execute_hooks(expression)
        return self.session.sql(self.backend.compile(expression))

    def close(self) -> None:
        """Drop the run's views, functions and the series it kept, and restore the settings;
        or release the run's own Spark Connect session, which drops them all on the server.
        """
        if self._release:
            self.session.stop()  # releases this session only; the server runs on
            self._kept.clear()  # after: a frame that goes sends no request to a closed session
            return
        for name in self._views:
            with contextlib.suppress(Exception):
                self.session.catalog.dropTempView(name)
        for frame in self._kept:
            with contextlib.suppress(Exception):
                frame.unpersist()
        # a Spark Connect client releases a kept series on the server when its frame goes
        self._kept.clear()
        for name in spark_functions.NAMES:
            with contextlib.suppress(Exception):
                self.session.sql(f"DROP TEMPORARY FUNCTION IF EXISTS {name}")
        for key, value in self._restore.items():
            with contextlib.suppress(Exception):
                if value is None:
                    self.session.conf.unset(key)
                else:
                    self.session.conf.set(key, value)


def install_spark_functions(session: Any) -> None:
    """Define the exact functions as temporary functions of the session."""
    for statement in spark_functions.STATEMENTS:
        session.sql(statement)


# -- messages ---------------------------------------------------------------------------------


def _missing_extra(kind: str, module: str, needing: str = "") -> None:
    """E702: ``needing`` (the engine ``kind``, or a part of it) lacks the package ``module``,
    which the extra ``kind`` brings.
    """
    needing = needing or f"the {kind} engine"
    fail(
        "E702",
        f"{needing} needs the Python package {module}, which is not installed",
        None,
        f"install assessor with it: pip install 'assessor[{kind}]'",
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
