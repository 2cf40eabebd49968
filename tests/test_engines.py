"""One conformance suite: every template, on its sample data, gives identical results on
DuckDB, PostgreSQL and Spark, and two of them through a Spark Connect server.

The reference is DuckDB. That is not circular: DuckDB's results are themselves held to
hand-computed acceptance data and to independent Python references (test_templates.py,
test_churn_engine.py, test_scorecard_engine.py, test_evidence.py). Here the other engines
run the same Ibis plan and must agree with it exactly: every outcome row (amount, status,
points, grade, value, reference, explanation), the exact values behind them (numerator and
denominator), and the records ``explain`` shows for one subject.

An engine that cannot give a template's results would be declared in ``GAPS``, with the
reason, and in docs/engines.md; nothing may differ silently. There are none.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, invoke, postgres_server

from assessor.engine import spark_functions
from assessor.engine.backends import EngineChoice, parse_engine
from assessor.model import scheme as m
from assessor.session import Assessment, assess, read_scheme

# (engine kind, template id) -> why that engine's results are not compared; kept in step with
# the table in docs/engines.md
GAPS: dict[tuple[str, str], str] = {}
ENGINES_DOC = ROOT / "docs" / "engines.md"


def _catalogue() -> list[dict[str, Any]]:
    outcome = invoke("templates", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    return json.loads(outcome.stdout)


CATALOGUE = _catalogue()
_REFERENCE: dict[str, Assessment] = {}


def _assess(entry: dict[str, Any], engine: EngineChoice | None) -> Assessment:
    """The template over the whole span of its sample data, with the records behind the
    numbers of one subject in the last period (``explain``'s evidence).
    """
    loaded = read_scheme(Path(entry["path"]))
    kind = loaded.scheme.period_kind
    first, last = (m.Period.parse(entry[key], kind) for key in ("from", "to"))
    data = Path(entry["sample_data"])
    evidence_for = (_a_subject(loaded.scheme, data), last)
    return assess(loaded, data, first, last, evidence_for=evidence_for, engine=engine)


def _a_subject(scheme: m.Scheme, data: Path) -> str:
    """The first subject, by name, of the scheme's first role drawn from a table."""
    role = next(r for r in scheme.roles if not r.store_level)
    with (data / f"{role.table}.csv").open(encoding="utf-8", newline="") as handle:
        return min(row[role.column] for row in csv.DictReader(handle) if row[role.column])


def _reference(entry: dict[str, Any]) -> Assessment:
    """DuckDB's results, computed once per template."""
    if entry["id"] not in _REFERENCE:
        _REFERENCE[entry["id"]] = _assess(entry, None)
    return _REFERENCE[entry["id"]]


def assert_same(expected: Assessment, actual: Assessment) -> None:
    """Every outcome, every exact value behind it and every record of evidence agree."""
    records = [o.as_record() for o in expected.outcomes]
    got = [o.as_record() for o in actual.outcomes]
    differ = [(e, g) for e, g in zip(records, got, strict=False) if e != g]
    assert len(got) == len(records), f"{len(got)} outcomes, expected {len(records)}"
    assert not differ, "first difference:\n" + "\n".join(
        f"  {key}: {e[key]!r} != {g[key]!r}" for e, g in differ[:1] for key in e if e[key] != g[key]
    )
    assert list(actual.rows) == list(expected.rows), "exact values differ"
    assert dict(actual.evidence) == dict(expected.evidence), "the records behind differ"


def _conformance(engine: str, entry: dict[str, Any], choice: EngineChoice) -> None:
    gap = GAPS.get((engine, entry["id"]))
    if gap is not None:
        pytest.skip(f"declared gap: {gap}")
    expected = _reference(entry)
    assert expected.outcomes, entry["id"]
    assert_same(expected, _assess(entry, choice))


def _nothing_left_in_postgres(url: str) -> None:
    """The inputs, the series and the functions lived in the connection's temporary schema."""
    import psycopg

    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname NOT IN "
            "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
        ).fetchall()
        functions = connection.execute(
            "SELECT proname FROM pg_proc WHERE proname LIKE 'assessor%'"
        ).fetchall()
    assert (tables, functions) == ([], [])


def _nothing_left_in_spark(url: str) -> None:
    """No view or function of the run in the session, nor a table in the warehouse."""
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    _no_view_nor_function(spark)


def _no_view_nor_function(spark: Any) -> None:
    # Ibis's own views of the plan's month lists go when Python frees them
    left = [t.name for t in spark.catalog.listTables() if not t.name.startswith("ibis_")]
    functions = [f for f in spark_functions.NAMES if spark.catalog.functionExists(f)]
    assert (left, functions) == ([], [])


def _nothing_left_on_the_connect_server(url: str) -> None:
    """The run released its own session, so the server keeps nothing of it; the server
    itself still runs, and this process's Spark is still classic Spark.
    """
    import os

    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    # the server's register of sessions (a Scala object, reached through py4j)
    service = getattr(spark._jvm.org.apache.spark.sql.connect.service, "SparkConnectService$")
    assert service.__getattr__("MODULE$").sessionManager().listActiveSessions().size() == 0
    assert "SPARK_CONNECT_MODE_ENABLED" not in os.environ
    assert spark.sql("SELECT 1 AS one").collect()[0].one == 1


# Spark Connect runs the Spark engine's own code through the gRPC client, so the two quickest
# templates show it (about 6 s each on a warm server); all six agreed when run once by hand
CONNECT_TEMPLATES = ("auto-aftersales/churn-control", "auto-aftersales/sales-churn")
# engine -> (the fixture giving its --engine value, what must be left after a run, templates)
ENGINES: dict[str, tuple[str, Callable[[str], None], tuple[str, ...] | None]] = {
    "postgres": ("postgres_url", _nothing_left_in_postgres, None),
    "spark": ("spark_engine", _nothing_left_in_spark, None),
    "spark-connect": ("spark_connect_url", _nothing_left_on_the_connect_server, CONNECT_TEMPLATES),
}


def _engine_cases() -> list[Any]:
    return [
        pytest.param(engine, entry, id=f"{engine}:{entry['id']}")
        for engine, (_, _, templates) in ENGINES.items()
        for entry in CATALOGUE
        if templates is None or entry["id"] in templates
    ]


@pytest.mark.parametrize(("engine", "entry"), _engine_cases())
def test_the_engine_gives_duckdbs_results(
    engine: str, entry: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    """...and leaves nothing behind in it."""
    fixture, nothing_left, _ = ENGINES[engine]
    value = request.getfixturevalue(fixture)
    choice = value if isinstance(value, EngineChoice) else parse_engine(value)
    _conformance(engine, entry, choice)
    nothing_left(choice.url)


def test_connect_templates_are_catalogued() -> None:
    assert set(CONNECT_TEMPLATES) <= {entry["id"] for entry in CATALOGUE}


def test_every_template_is_compared() -> None:
    assert len(CATALOGUE) >= 6
    assert all(entry["sample_data"] for entry in CATALOGUE)


# -- a server in Beijing time with Chinese order; Spark's exact functions ---------------------


def test_a_server_in_shanghai_time_and_chinese_order_gives_the_same_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A company's server may keep Beijing time and sort Chinese text by pinyin.

    Ibis truncates months with DATE_TRUNC, which gives a time stamp in the session's zone
    (March 1st in Asia/Shanghai is February 29th, 16:00 in UTC), and churn-control truncates
    visit dates by month; the engine's connection keeps UTC. Its tables also sort texts by
    code point, as DuckDB and Spark do. Left to the server's pinyin order, the subjects come
    out in another order: the last run shows that this test catches it.
    """
    import psycopg

    from assessor.engine import backends

    entry = next(e for e in CATALOGUE if e["id"] == "auto-aftersales/churn-control")
    expected = _reference(entry)
    with postgres_server("Asia/Shanghai", collation="zh-Hans-CN") as url:
        with psycopg.connect(url) as connection:
            assert connection.execute("SHOW TimeZone").fetchone() == ("Asia/Shanghai",)
            ordered = connection.execute(
                "SELECT x FROM (VALUES ('售后'), ('接待')) AS t(x) ORDER BY x"
            ).fetchall()
        assert ordered == [("接待",), ("售后",)]  # jiē before shòu, unlike code points
        assert_same(expected, _assess(entry, parse_engine(url)))
        # the same run, with tables in the server's own collation
        monkeypatch.setattr(
            backends.PostgresEngine,
            "_create",
            lambda self, name, schema: self.backend.create_table(name, schema=schema, temp=True),
        )
        pinyin = _assess(entry, parse_engine(url))
    assert [o.as_record() for o in pinyin.outcomes] != [o.as_record() for o in expected.outcomes]


def test_spark_functions_are_exact_at_every_size(
    spark_engine: EngineChoice, request: pytest.FixtureRequest
) -> None:
    """gcd, lcm and the integer quotient on Spark against Python's integers, from one digit
    to 38, negative dividends included (Spark's own decimal division keeps 32 digits).
    """
    from math import gcd, lcm

    from pyspark.sql import SparkSession

    from assessor.engine.backends import install_spark_functions

    spark = SparkSession.getActiveSession()
    install_spark_functions(spark)
    request.addfinalizer(lambda: _drop_spark_functions(spark))
    rng = random.Random(20151231)

    def number(digits: int) -> int:
        return rng.randrange(1, 10**digits)

    pairs = [
        (rng.choice((-1, 1)) * number(rng.randint(1, 38)), number(rng.randint(1, 38)))
        for _ in range(300)
    ]
    pairs += [(10**38 - 1, 7), (-(10**38) + 1, 3), (0, 5), (123, 999_999), (10**37, 10**6)]
    # lists whose lcm has at most 38 digits, with common factors
    lists = [[number(12) * f for f in (1, 2, 6)] for _ in range(100)] + [[4, 6, 10], [1], [7, 7]]
    rows = spark.sql(
        "SELECT a, b, assessor_quotient(a, b) AS q, assessor_gcd(a, b) AS g FROM VALUES "
        + ", ".join(f"({_decimal(a)}, {_decimal(b)})" for a, b in pairs)
        + " AS t(a, b)"
    ).collect()
    for row in rows:
        a, b = int(row.a), int(row.b)
        assert int(row.q) == (abs(a) // b) * (1 if a >= 0 else -1), (a, b)
        assert int(row.g) == gcd(a, b), (a, b)
    arrays = ", ".join(f"array({', '.join(_decimal(x) for x in xs)})" for xs in lists)
    found = spark.sql(f"SELECT assessor_lcm(l) AS l FROM VALUES {arrays} AS t(l)").collect()
    assert [int(row.l) for row in found] == [lcm(*xs) for xs in lists]


def _decimal(value: int) -> str:
    return f"CAST({value}BD AS DECIMAL(38, 0))"


def _drop_spark_functions(spark: Any) -> None:
    for name in spark_functions.NAMES:
        spark.sql(f"DROP TEMPORARY FUNCTION IF EXISTS {name}")


# -- Spark Connect: the person's own session, an unreachable server, a missing client --------


def test_a_connect_session_of_the_persons_own_is_used_and_left_clean(
    spark_connect_url: str,
) -> None:
    """A notebook's Connect session is used as it is: the run's views and functions go,
    and the session stays open for the person.
    """
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    entry = next(e for e in CATALOGUE if e["id"] == CONNECT_TEMPLATES[0])
    own = ConnectSession.builder.remote(spark_connect_url).create()
    try:
        own.sql("CREATE TEMPORARY VIEW persons_own AS SELECT 1 AS x")
        assert_same(_reference(entry), _assess(entry, parse_engine(spark_connect_url)))
        assert not own.is_stopped
        own.catalog.dropTempView("persons_own")
        _no_view_nor_function(own)
    finally:
        own.stop()
    _nothing_left_on_the_connect_server(spark_connect_url)


def test_a_setting_only_the_connect_servers_start_takes_is_named(spark_connect_url: str) -> None:
    from assessor.engine.backends import connect_session
    from assessor.errors import AssessorError

    with pytest.raises(AssessorError) as raised:
        connect_session(parse_engine(spark_connect_url, conf={"spark.driver.memory": "4g"}))
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "E701"
    assert "refused the setting spark.driver.memory" in diagnostic.message
    _nothing_left_on_the_connect_server(spark_connect_url)


def test_an_unreachable_connect_server_is_an_error_without_the_token(
    tmp_path: Path, connect_client: None
) -> None:
    from conftest import _free_port

    url = f"sc://127.0.0.1:{_free_port()}/;token=secret;user_id=shop"
    outcome = _run_first_template(tmp_path, url)
    assert outcome.exit_code == 1, outcome.stderr
    shown = url.replace(";token=secret", "")
    assert f"error[E701] cannot connect to Spark Connect at {shown}: " in outcome.stderr
    assert "secret" not in outcome.stderr
    assert "hint:" in outcome.stderr and "Traceback" not in outcome.stderr


def test_a_missing_connect_client_names_the_package_and_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connect_client: None
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "grpc", None)  # as if grpcio were not installed
    outcome = _run_first_template(tmp_path, "sc://127.0.0.1:15002")
    assert outcome.exit_code == 1, outcome.stderr
    assert "error[E702] Spark Connect needs the Python package grpcio" in outcome.stderr
    assert "assessor[spark]" in outcome.stderr


# -- the command line and the project file ---------------------------------------------------


def _run_first_template(out: Path, engine: str):
    """``assessor run`` of the first catalogued template on its sample data with ``engine``."""
    entry = CATALOGUE[0]
    return invoke(
        "run", entry["path"], "--data", entry["sample_data"], "--out", out, "--engine", engine
    )


def test_an_unknown_engine_is_a_usage_error(tmp_path: Path) -> None:
    outcome = _run_first_template(tmp_path, "oracle://db")
    assert outcome.exit_code == 2
    assert "'oracle://db' is not an engine" in outcome.stderr


def test_an_unreachable_server_is_an_error_with_a_hint(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    outcome = _run_first_template(tmp_path, "postgres://nobody:secret@127.0.0.1:1/shop")
    assert outcome.exit_code == 1, outcome.stderr
    assert "error[E701] cannot connect to PostgreSQL at postgres://nobody@127.0.0.1:1/shop" in (
        outcome.stderr
    )
    assert "secret" not in outcome.stderr
    assert "hint:" in outcome.stderr and "Traceback" not in outcome.stderr


def test_a_missing_driver_names_the_extra(tmp_path: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    outcome = _run_first_template(tmp_path, "postgres://u@127.0.0.1:5432/db")
    assert outcome.exit_code == 1
    assert "error[E702]" in outcome.stderr and "assessor[postgres]" in outcome.stderr


def test_explain_on_postgres_tells_the_same(postgres_url: str) -> None:
    args = [
        "explain", "业务接待一组", "--period", "2015-08",
        "--scheme", ROOT / "schemes" / "auto-aftersales" / "churn-control.assess",
        "--data", ROOT / "schemes" / "auto-aftersales" / "sample-data",
    ]  # fmt: skip
    duck, pg = invoke(*args), invoke(*args, "--engine", postgres_url)
    assert duck.exit_code == 0, duck.stderr
    assert (pg.exit_code, pg.stdout) == (0, duck.stdout)


def test_scheme_tests_pass_on_postgres(postgres_url: str) -> None:
    scheme = ROOT / "schemes" / "auto-aftersales" / "sales-churn.assess"
    outcome = invoke("test", scheme, "--engine", postgres_url)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert "FAIL" not in outcome.stdout


def test_the_project_file_names_the_engine(tmp_path: Path, postgres_url: str, monkeypatch) -> None:
    project = tmp_path / "shop"
    assert invoke("init", project, "--template", "auto-aftersales/churn-control").exit_code == 0
    data = ROOT / "schemes" / "auto-aftersales" / "sample-data"
    text = (project / "assessor.yaml").read_text("utf-8")
    text = text.replace("data: data\n", f"data: {data}\n") + f"engine: {postgres_url}\n"
    (project / "assessor.yaml").write_text(text, "utf-8")
    monkeypatch.chdir(project)
    ran = invoke("run", "--period", "2015-08")
    assert ran.exit_code == 0, ran.stderr
    manifest = json.loads((project / "results" / "2015-08" / "manifest.json").read_text("utf-8"))
    assert manifest["engine"] == "postgres"
    chosen = invoke("run", "--period", "2015-08", "--engine", "duckdb", "--out", tmp_path / "d")
    assert chosen.exit_code == 0, chosen.stderr
    assert json.loads((tmp_path / "d" / "manifest.json").read_text("utf-8"))["engine"] == "duckdb"


def test_a_bad_engine_in_the_project_file_is_located(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "shop"
    assert invoke("init", project, "--template", "auto-aftersales/churn-control").exit_code == 0
    with (project / "assessor.yaml").open("a", encoding="utf-8") as handle:
        handle.write("engine: mysql://db\n")
    monkeypatch.chdir(project)
    outcome = invoke("run", "--period", "2015-08")
    assert outcome.exit_code == 1
    assert re.search(
        r"assessor\.yaml:\d+:\d+: error\[E601\] 'mysql://db' is not an engine", outcome.stderr
    )


# -- the declared gaps are the documented ones ------------------------------------------------


def test_gaps_are_documented() -> None:
    text = ENGINES_DOC.read_text("utf-8")
    section = text.split("## Declared gaps", 1)[1].split("\n## ", 1)[0]
    for (engine, template), reason in GAPS.items():
        assert f"| {engine} | {template} | {reason} |" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) - 1 == len(GAPS) or (not GAPS and "none" in section.lower())
