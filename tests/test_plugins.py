"""The plugin system: built-ins register like any plugin; a broken plugin is reported by name
and the others still load."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import types
import zipfile
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from conftest import ROOT

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


# -- each domain plugin is a package of its own -------------------------------------------

PLUGIN_DIRS = sorted((ROOT / "plugins").glob("assessor-*"))


def _entry_point_name(folder: Path) -> str:
    project = tomllib.loads((folder / "pyproject.toml").read_text("utf-8"))
    (name,) = project["project"]["entry-points"]["assessor"]
    return name


@pytest.mark.parametrize("folder", PLUGIN_DIRS, ids=lambda p: p.name)
def test_a_plugin_wheel_carries_its_templates_and_sample_data(folder: Path, tmp_path: Path):
    """What `pip install plugins/<name>` installs: the wheel holds the entry point, every
    template the plugin declares and the sample data each runs on."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    registry, _ = manager.load_registry(allow={_entry_point_name(folder)})
    assert registry.templates, f"{folder.name} declares no templates"
    for template in registry.templates.values():
        packaged = f"templates/{template.path.parent.name}/{template.path.name}"
        assert any(n.endswith(packaged) for n in names), packaged
        sample = f"templates/{template.path.parent.name}/{template.sample_data.name}/"
        assert any(sample in n and n.endswith(".csv") for n in names), sample


@pytest.mark.parametrize("folder", PLUGIN_DIRS, ids=lambda p: p.name)
def test_alone_a_plugin_shows_only_its_own_templates(folder: Path):
    name = _entry_point_name(folder)
    registry, problems = manager.load_registry(allow={"builtin", name})
    assert problems == []
    assert {t.plugin for t in registry.templates.values()} == {name}
    for template in registry.templates.values():
        assert template.path.is_file() and template.sample_data.is_dir()
