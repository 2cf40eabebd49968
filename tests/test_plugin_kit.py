"""The plugin developer kit: the documented contract, metric output validation, parameter
defaults, the scaffold, assessor.testing, the compliance kit, isolation of a broken
plugin, `assessor plugins --check` and the tutorial of docs/plugins.md.

Every expected value is worked out by hand from the rows written here.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import time
import types
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import ROOT

from assessor import api
from assessor.errors import AssessorError
from assessor.plugins import contract, hookspecs, manager
from assessor.testing import RowsDiffer, assert_rows, run_metric
from assessor.testing.compliance import check_plugin, output_problems

PLUGINS_DOC = ROOT / "docs" / "plugins.md"
ERRORS_DOC = ROOT / "docs" / "errors.md"


# -- the contract is the docs page -------------------------------------------------------


def test_the_contract_in_docs_plugins_md_is_generated_from_the_hookspecs():
    page = PLUGINS_DOC.read_text("utf-8")
    assert contract.generated_part(page) == contract.render(), (
        "run `python -m assessor.plugins.contract --write docs/plugins.md`"
    )


@pytest.mark.parametrize("name", contract.hook_names())
def test_every_hook_is_documented_with_what_it_receives_returns_and_when(name):
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    for part in ("Receives:", "Returns:", "Called:", "Example"):
        assert part in doc, f"{name}: no {part!r} in its docstring"
    page = PLUGINS_DOC.read_text("utf-8")
    assert f"`{name}() -> " in page
    assert contract.summary(name) in page.replace("\n", " ")


def test_the_hooks_cover_tables_metrics_functions_scoring_tables_templates_and_report_sections():
    assert contract.hook_names() == [
        "assessor_tables",
        "assessor_metrics",
        "assessor_aggregates",
        "assessor_scoring_tables",
        "assessor_templates",
        "assessor_report_sections",
    ]


def test_every_public_member_of_the_metric_context_is_documented():
    page = PLUGINS_DOC.read_text("utf-8")
    members = [n for n in dir(api.MetricContext) if not n.startswith("_")]
    # read through table(name) and once(rows)
    members = [n for n in members if n not in ("tables", "computed_once")]
    assert [n for n in members if f"context.{n}" not in page] == []


# -- metric output validation (E403, E404) --------------------------------------------------

TICKETS = """
    ticket_id,customer_id,kind,technician,team,opened_at,first_response_at,resolved_at
    T1,C1,维修,张伟,A组,2026-01-05 08:00:00,2026-01-05 20:00:00,2026-01-06 08:00:00
    T2,C2,维修,张伟,A组,2026-01-06 08:00:00,2026-01-08 09:00:00,2026-01-09 08:00:00
    T3,C3,维修,李明,B组,2026-01-07 08:00:00,,
"""


def _faulty_plugin(compute) -> types.ModuleType:
    """A plugin 'faulty' with one metric over the floor-heating tickets."""
    module = types.ModuleType("fake_plugin_faulty_metric")

    @api.hookimpl
    def assessor_metrics():
        return [
            api.MetricSpec(
                "broken", "坏指标", "broken", api.Unit.RATIO, ("heating_tickets",),
                "heating_tickets", (), compute=compute,
            )
        ]  # fmt: skip

    module.assessor_metrics = assessor_metrics
    return module


def _grouped(context, **columns):
    rows = context.monthly("heating_tickets", "opened_at")
    return rows.group_by(context.keys).aggregate(**{k: f(rows) for k, f in columns.items()})


WRONG_OUTPUTS = {
    "not a table": (lambda context: 42, "returned int, not an Ibis table"),
    "no den": (
        lambda context: _grouped(context, num=lambda r: r.count()),
        "returned no column(s) den",
    ),
    "a float": (
        lambda context: _grouped(
            context, num=lambda r: r.ticket_id.length().mean(), den=lambda r: r.count()
        ),
        "returned wrong types: num is float64, not an integer or a decimal",
    ),
    "no subject": (
        lambda context: (
            context.monthly("heating_tickets", "opened_at")
            .group_by("period")
            .aggregate(num=ibis_count(), den=ibis_count())
        ),
        "returned no column(s) subject",
    ),
    "text period": (
        lambda context: _grouped(context, num=lambda r: r.count(), den=lambda r: r.count()).mutate(
            period=lambda t: t.period.cast("string")
        ),
        "period is string, not a date",
    ),
}


def ibis_count():
    import ibis

    return ibis._.count()


@pytest.mark.parametrize("case", sorted(WRONG_OUTPUTS))
def test_a_metric_returning_what_does_not_fit_is_E403_naming_plugin_and_metric(case):
    compute, message = WRONG_OUTPUTS[case]
    with pytest.raises(AssessorError) as error:
        run_metric(
            "faulty.broken", {"heating_tickets": TICKETS}, by="team",
            plugins={"faulty": _faulty_plugin(compute)},
        )  # fmt: skip
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code == "E403"
    assert diagnostic.message.startswith("metric faulty.broken ")
    assert message in diagnostic.message
    assert "plugin 'faulty'" in diagnostic.hint


def test_a_metric_that_raises_is_E404_naming_plugin_and_metric():
    def compute(context):
        raise RuntimeError("division by the moon")

    with pytest.raises(AssessorError) as error:
        run_metric(
            "faulty.broken", {"heating_tickets": TICKETS},
            plugins={"faulty": _faulty_plugin(compute)},
        )  # fmt: skip
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code == "E404"
    assert diagnostic.message == "metric faulty.broken raised RuntimeError: division by the moon"


def test_a_metric_that_forgets_the_store_is_caught_with_many_stores():
    """Grouping by period and subject (not context.keys) loses the store: with one store
    that is fine, with many it is E403 (the compliance kit tries both)."""

    def compute(context):
        rows = context.monthly("heating_tickets", "opened_at")
        keys = ["period", "subject"] if context.subject_column else ["period"]
        return rows.group_by(keys).aggregate(num=rows.count(), den=rows.count())

    registry, _ = manager.load_registry(extra={"faulty": _faulty_plugin(compute)})
    problems = [str(p) for p in output_problems(registry, "faulty")]
    assert problems and all("returned no column(s) store" in p for p in problems)
    assert all("many stores" in p for p in problems)


def test_the_shipped_metrics_return_their_declared_types():
    registry, _ = manager.load_registry()
    for name in ("auto_aftersales", "electrical", "kpi", "builtin"):
        assert [str(p) for p in output_problems(registry, name)] == []


def test_errors_md_documents_the_new_code():
    text = ERRORS_DOC.read_text("utf-8")
    assert "## E404 — a plugin metric raised an error" in text


# -- parameter defaults -------------------------------------------------------------------


def _defaults_plugin() -> types.ModuleType:
    module = types.ModuleType("fake_plugin_defaults")

    def answered_within(context, hours):
        rows = context.monthly("heating_tickets", "opened_at")
        elapsed = rows.first_response_at.epoch_seconds() - rows.opened_at.epoch_seconds()
        limit = Fraction(hours) * 3600
        hit = rows.first_response_at.notnull() & (elapsed * limit.denominator <= limit.numerator)
        return context.share(rows, hit)

    @api.hookimpl
    def assessor_metrics():
        hours = api.MetricParam("hours", api.Unit.HOURS, default=Decimal(12))
        return [
            api.MetricSpec(
                "answered", "响应", "answered", api.Unit.RATIO, ("heating_tickets",),
                "heating_tickets", (hours,), compute=answered_within,
            )
        ]  # fmt: skip

    module.assessor_metrics = assessor_metrics
    return module


def test_a_parameter_default_is_used_when_the_scheme_leaves_the_argument_out():
    plugins = {"defaults": _defaults_plugin()}
    tables = {"heating_tickets": TICKETS}
    # T1 answered after 12 h, T2 after 49 h, T3 never: 12 h -> 1/3, 49 h -> 2/3
    default = run_metric("defaults.answered", tables, plugins=plugins)
    assert "defaults.answered()" in default.scheme_text
    assert_rows(default.rows, [{"period": "2026-01", "subject": "store", "value": "1/3"}])
    given = run_metric(
        "defaults.answered", tables, arguments={"hours": "49 hours"}, plugins=plugins
    )
    assert_rows(given.rows, [{"period": "2026-01", "subject": "store", "value": "2/3"}])


# -- assessor.testing -----------------------------------------------------------------------


def test_assert_rows_passes_on_equal_values_written_differently():
    actual = [{"period": "2026-01", "subject": "A", "value": Fraction(3, 4)}]
    for written in ("3/4", "0.75", "75%", Decimal("0.750"), Fraction(6, 8)):
        assert_rows(actual, [{"period": "2026-01", "subject": "A", "value": written}])


def test_assert_rows_shows_a_readable_diff():
    actual = [
        {"period": "2026-01", "subject": "一组", "value": Fraction(1, 2)},
        {"period": "2026-02", "subject": "一组", "value": None},
        {"period": "2026-02", "subject": "二组", "value": Fraction(0)},
    ]
    expected = [
        {"period": "2026-01", "subject": "一组", "value": "1/2"},
        {"period": "2026-02", "subject": "二组", "value": "1"},
    ]
    with pytest.raises(RowsDiffer) as error:
        assert_rows(actual, expected)
    assert str(error.value).splitlines() == [
        "rows differ (2 expected, 3 actual; - expected, + actual / 预期与实际不符)",
        "  period   subject  value",
        "  2026-01  一组     1/2",
        "+ 2026-02  一组     n/a",
        "- 2026-02  二组     1",
        "+ 2026-02  二组     0",
    ]
    # without complete, rows nobody expected are not a difference
    with pytest.raises(RowsDiffer):
        assert_rows(actual, expected, complete=False)
    assert_rows(actual, expected[:1], complete=False)


def test_the_fixtures_come_from_the_pytest11_entry_point(pytester_like_run):
    outcome = pytester_like_run(
        "def test_it(run_metric, run_scheme, assessor_plugins):\n"
        "    assert callable(run_metric) and callable(run_scheme)\n"
        "    assert assessor_plugins == {}\n"
    )
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


def test_run_metric_per_subject_on_inline_rows():
    run = run_metric(
        "floor_heating.response_within", {"heating_tickets": TICKETS}, by="team",
        arguments={"hours": "24 hours"},
    )  # fmt: skip
    # A组: T1 answered in 12 h, T2 in 49 h -> 1/2; B组: T3 never -> 0
    assert_rows(
        run.rows,
        [
            {"period": "2026-01", "subject": "A组", "value": "1/2"},
            {"period": "2026-01", "subject": "B组", "value": "0"},
        ],
    )


@pytest.fixture
def pytester_like_run(tmp_path):
    """Run pytest in a subprocess on one test file, as a plugin author would."""

    def run(text: str, extra_path: Path | None = None) -> subprocess.CompletedProcess:
        (tmp_path / "test_it.py").write_text(text, "utf-8")
        env = dict(os.environ)
        if extra_path is not None:
            env["PYTHONPATH"] = str(extra_path)
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
            capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
        )  # fmt: skip

    return run


# -- the scaffold ---------------------------------------------------------------------------


def test_plugin_new_refuses_a_bad_name_and_an_existing_folder(cli, tmp_path):
    for name in ("9lives", "my-plugin", "Demo", "class", "builtin"):
        outcome = cli("plugin", "new", name, "--dir", tmp_path)
        assert outcome.exit_code == 2, (name, outcome.stdout, outcome.stderr)
        assert "error:" in outcome.stderr and "Traceback" not in outcome.stderr
    (tmp_path / "assessor-demo").mkdir()
    outcome = cli("plugin", "new", "demo", "--dir", tmp_path)
    assert outcome.exit_code == 2
    assert "already exists" in outcome.stderr


def _install(package: Path, target: Path) -> None:
    """pip install the package into ``target`` (no dependencies, no network): its entry
    point is then found by a Python run with ``target`` on its path.
    """
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(package)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr


def _pytest(folder: Path, path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        capture_output=True, text=True, env=env, cwd=folder.parent, check=False,
    )  # fmt: skip


def test_a_new_plugin_installs_and_passes_its_own_tests(cli, tmp_path):
    started = time.monotonic()
    outcome = cli("plugin", "new", "demo", "--dir", tmp_path)
    assert outcome.exit_code == 0, outcome.stderr
    package = tmp_path / "assessor-demo"
    assert (package / "pyproject.toml").is_file()
    assert 'demo = "assessor_demo.plugin"' in (package / "pyproject.toml").read_text("utf-8")
    _install(package, tmp_path / "site")
    tested = _pytest(package, tmp_path / "site")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "11 passed" in tested.stdout, tested.stdout
    assert time.monotonic() - started < 30


# -- isolation: a broken plugin installed beside the good ones ------------------------------


def _fake_distribution(folder: Path, name: str, module: str, code: str) -> None:
    """A plugin 'installed' in ``folder``: its module and a dist-info with its entry point."""
    (folder / f"{module}.py").write_text(code, "utf-8")
    info = folder / f"assessor_{name}-0.3.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: assessor-{name}\nVersion: 0.3.0\n", "utf-8"
    )
    (info / "entry_points.txt").write_text(f"[assessor]\n{name} = {module}\n", "utf-8")


def _assessor(*args: str, path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(
        [str(Path(sys.executable).parent / "assessor"), *args], capture_output=True, text=True,
        env=env,
        check=False,
    )  # fmt: skip


def test_a_broken_plugin_gives_one_clear_message_and_the_others_work(tmp_path):
    failing = "raise ImportError('no module named cx_Oracle')\n"
    _fake_distribution(tmp_path, "broken", "assessor_broken_plugin", failing)
    template = ROOT / "schemes" / "auto-aftersales" / "churn-control.assess"
    listed = _assessor("plugins", path=tmp_path)
    checked = _assessor("check", str(template), path=tmp_path)
    for outcome in (listed, checked):
        assert outcome.returncode == 0, outcome.stderr
        warnings = [line for line in outcome.stderr.splitlines() if "[E401]" in line]
        assert warnings == [
            "warning[E401] plugin 'broken' (assessor_broken_plugin, version 0.3.0) could not "
            "be loaded: ImportError: no module named cx_Oracle"
        ]
        assert "Traceback" not in outcome.stderr
    assert "auto_aftersales 0.1.0" in listed.stdout
    assert "ok" in checked.stdout


# -- assessor plugins --check -----------------------------------------------------------------

BAD_CONTRACT = """
from assessor import api


def mean_length(context):
    rows = context.monthly("heating_tickets", "opened_at")
    mean = rows.ticket_id.length().mean()
    return rows.group_by(context.keys).aggregate(num=mean, den=rows.count())


@api.hookimpl
def assessor_metrics():
    return [
        api.MetricSpec("mean_length", "平均长度", "mean length", api.Unit.NUMBER,
                       ("heating_tickets",), "heating_tickets", (), compute=mean_length,
                       subject_columns=("team",))
    ]
"""


def test_plugins_check_reports_one_line_per_problem_and_exits_1(cli, monkeypatch):
    from assessor.testing import compliance

    sys.modules["fake_plugin_bad_contract"] = module = types.ModuleType("fake_plugin_bad_contract")
    exec(compile(BAD_CONTRACT, "bad_contract.py", "exec"), module.__dict__)
    real = list(manager.entry_points(group=manager.ENTRY_POINT_GROUP))
    kept = [e for e in real if e.name in ("builtin", "floor_heating", "kpi")]
    fake = manager.EntryPoint("sloppy", "fake_plugin_bad_contract", manager.ENTRY_POINT_GROUP)
    monkeypatch.setattr(manager, "entry_points", lambda group: [*kept, fake])
    real_docs = compliance.docs_page
    monkeypatch.setattr(
        compliance,
        "docs_page",
        lambda registry, name: "" if name == "sloppy" else real_docs(registry, name),
    )
    try:
        outcome = cli("plugins", "--check")
    finally:
        del sys.modules["fake_plugin_bad_contract"]
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    sloppy = [line for line in lines if line.startswith("sloppy: ")]
    # four static cases (store/team x one/many stores), the sample run, and the docs
    assert len([line for line in sloppy if "E403" in line]) == 5, sloppy
    assert all("num is float64" in line for line in sloppy if "E403" in line)
    assert "sloppy: docs: does not list the metric mean_length" in lines
    # the good plugins keep the contract: every problem is the bad one's
    assert [line for line in lines if not line.startswith("sloppy: ")] == []


def test_check_plugin_on_a_plugin_that_is_not_installed():
    problems = check_plugin("nowhere")
    assert [p.where for p in problems] == ["entry point"]
    assert "not installed" in problems[0].message


# -- the tutorial --------------------------------------------------------------------------

_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.S)
_FILE = re.compile(r"# file: (\S+)( \(continued\))?")


def tutorial_files() -> dict[str, str]:
    """The files of docs/plugins.md: fenced blocks whose first line is ``# file: PATH``
    (``(continued)`` appends to the file), without that line.
    """
    files: dict[str, str] = {}
    for block in _BLOCK.findall(PLUGINS_DOC.read_text("utf-8")):
        first, _, body = block.partition("\n")
        found = _FILE.fullmatch(first.strip())
        if found:
            before = files.get(found.group(1), "")
            files[found.group(1)] = before + ("\n\n" if found.group(2) else "") + body
    return files


def test_the_tutorial_builds_installs_tests_and_runs(tmp_path):
    files = tutorial_files()
    assert "assessor-property/src/assessor_property/plugin.py" in files
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, "utf-8")
    package = tmp_path / "assessor-property"
    _install(package, tmp_path / "site")
    tested = _pytest(package, tmp_path / "site")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "11 passed" in tested.stdout, tested.stdout
    templates = package / "src" / "assessor_property" / "templates" / "property"
    ran = _assessor(
        "run", str(templates / "monthly.assess"), "--data", str(templates / "sample-data"),
        "--out", str(tmp_path / "out"), path=tmp_path / "site",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    results = (tmp_path / "out" / "results.csv").read_text("utf-8").splitlines()
    assert len(results) == 1 + 4 * 3  # a row per month, building and rule


def test_the_tutorial_mentions_the_store_scope():
    page = PLUGINS_DOC.read_text("utf-8")
    assert "*context.scope" in page
    assert "E403" in page and "E220" in page
