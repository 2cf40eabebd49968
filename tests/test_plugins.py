"""The plugin system: built-ins register like any plugin; a broken plugin is reported by name
and the others still load."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint

import pytest

from assessor.plugins import manager


def test_installed_plugins_declare_tables_metrics_and_templates():
    registry, problems = manager.load_registry()
    assert problems == []
    assert {"builtin", "auto_aftersales"} <= set(registry.plugins)
    assert {"visits", "followups"} <= set(registry.tables)
    assert registry.metrics["churn_rate"][0].qualified_name == "auto_aftersales.churn_rate"
    assert {"mean", "sum"} <= set(registry.aggregates)
    template = registry.templates["auto-aftersales/churn-control"]
    assert template.path.is_file()
    assert (template.sample_data / "visits.csv").is_file()


@pytest.fixture
def with_extra_plugins(monkeypatch):
    """Install fake entry points beside the real ones."""

    def install(**modules: types.ModuleType | str) -> None:
        real = list(manager.entry_points(group=manager.ENTRY_POINT_GROUP))
        extra = []
        for name, module in modules.items():
            if isinstance(module, types.ModuleType):
                sys.modules[module.__name__] = module
                module = module.__name__
            extra.append(EntryPoint(name, module, manager.ENTRY_POINT_GROUP))
        monkeypatch.setattr(manager, "entry_points", lambda group: real + extra)

    yield install
    for name in [n for n in sys.modules if n.startswith("fake_plugin_")]:
        del sys.modules[name]


def test_a_plugin_that_fails_to_import_is_reported_and_the_others_load(with_extra_plugins):
    with_extra_plugins(broken_domain="fake_plugin_not_installed_anywhere")
    registry, problems = manager.load_registry()
    assert [p.code for p in problems] == ["E401"]
    assert "plugin 'broken_domain'" in problems[0].message
    assert "ModuleNotFoundError" in problems[0].message
    assert problems[0].severity == "warning"
    assert "auto_aftersales" in registry.plugins
    assert "broken_domain" not in registry.plugins


def test_a_plugin_raising_in_a_hook_is_named(with_extra_plugins):
    from assessor.plugins.hookspecs import hookimpl

    faulty = types.ModuleType("fake_plugin_faulty")

    @hookimpl
    def assessor_metrics():
        raise RuntimeError("database not reachable")

    faulty.assessor_metrics = assessor_metrics
    with_extra_plugins(faulty=faulty)
    registry, problems = manager.load_registry()
    assert [p.code for p in problems] == ["E401"]
    assert "plugin 'faulty'" in problems[0].message
    assert "database not reachable" in problems[0].message
    assert "churn_rate" in registry.metrics


def test_a_misspelt_hook_is_refused(with_extra_plugins):
    from assessor.plugins.hookspecs import hookimpl

    typo = types.ModuleType("fake_plugin_typo")

    @hookimpl
    def assessor_metric():
        return []

    typo.assessor_metric = assessor_metric
    with_extra_plugins(typo=typo)
    registry, problems = manager.load_registry()
    assert [p.code for p in problems] == ["E401"]
    assert "typo" not in registry.plugins
    assert "auto_aftersales" in registry.plugins


def test_two_plugins_with_one_metric_name_need_qualified_names(with_extra_plugins, tmp_path):
    from assessor import api
    from assessor.errors import AssessorError
    from assessor.model.check import check_scheme
    from assessor.syntax.parser import parse

    rival = types.ModuleType("fake_plugin_rival")

    @api.hookimpl
    def assessor_metrics():
        return [
            api.MetricSpec(
                "churn_rate",
                "流失率",
                "churn",
                api.Unit.RATIO,
                ("visits",),
                "visits",
                (),
                compute=lambda context: None,
            )
        ]

    rival.assessor_metrics = assessor_metrics
    with_extra_plugins(rival=rival)
    registry, problems = manager.load_registry()
    assert problems == []
    text = (
        'scheme "x" uses auto_aftersales, rival period month\nrole m "店长" store\n'
        "metric a = churn_rate(8 months)\nrule r for m when a > 10% penalty 100\n"
    )
    with pytest.raises(AssessorError) as error:
        check_scheme(parse(text), registry)
    assert error.value.diagnostics[0].code == "E220"
    assert "auto_aftersales.churn_rate, rival.churn_rate" in error.value.diagnostics[0].hint
    qualified = text.replace("= churn_rate", "= auto_aftersales.churn_rate")
    checked, _warnings = check_scheme(parse(qualified), registry)
    assert checked.metrics[0].definition.spec.plugin == "auto_aftersales"


def test_the_plugins_command_lists_what_is_installed(cli):
    outcome = cli("plugins")
    assert outcome.exit_code == 0, outcome.stderr
    assert "metric auto_aftersales.churn_rate(lapse_months: months)" in outcome.stdout
    assert "table visits: 进站记录 / Service visits" in outcome.stdout
    assert "template auto-aftersales/churn-control" in outcome.stdout
    assert "aggregate mean" in outcome.stdout
