"""Finding installed plugins and collecting what they declare into a :class:`Registry`.

Each entry point is loaded and each hook called on its own: a plugin that fails to import or
raises is reported by name and version, and the others still load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points

import attrs
import pluggy

from assessor.errors import Diagnostic
from assessor.model.registry import (
    AggregateSpec,
    MetricSpec,
    PluginInfo,
    Registry,
    ReportSection,
    ScoringTable,
    TableSpec,
    TemplateSpec,
)
from assessor.plugins import hookspecs

ENTRY_POINT_GROUP = "assessor"
BUILTIN = "builtin"


def get_plugin_manager(
    allow: Iterable[str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> tuple[pluggy.PluginManager, dict[str, PluginInfo], list[Diagnostic]]:
    """A fresh plugin manager with every installed plugin (or those in ``allow``) registered,
    and the ``extra`` plugins (name: module or object) given directly: a plugin's own tests
    and the tutorial register one that is not installed.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    # assessor's own plugin (the built-in aggregates and the KPI table) always loads
    allowed = {*allow, BUILTIN} if allow is not None else None
    infos: dict[str, PluginInfo] = {}
    problems: list[Diagnostic] = []
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if allowed is not None and entry.name not in allowed:
            continue
        info = PluginInfo(entry.name, _version(entry), entry.value)
        _register(manager, info, entry.load, infos, problems)
    for name, plugin in (extra or {}).items():
        if name in infos:
            _unregister(manager, name)  # the one given directly replaces the installed one
        info = PluginInfo(name, "not installed", getattr(plugin, "__name__", repr(plugin)))
        _register(manager, info, lambda plugin=plugin: plugin, infos, problems)
    return manager, infos, problems


def _register(
    manager: pluggy.PluginManager,
    info: PluginInfo,
    load: Callable[[], object],
    infos: dict[str, PluginInfo],
    problems: list[Diagnostic],
) -> None:
    """Load and register one plugin; a failure is E401 and leaves the others registered."""
    try:
        manager.register(load(), name=info.name)
        manager.check_pending()
    except Exception as error:  # a third-party plugin may raise anything while importing
        problems.append(_plugin_problem(info, "could not be loaded", error))
        _unregister(manager, info.name)
        return
    infos[info.name] = info


def load_registry(
    allow: Iterable[str] | None = None, extra: Mapping[str, object] | None = None
) -> tuple[Registry, list[Diagnostic]]:
    """Build the registry from installed plugins (and ``extra`` ones, see
    ``get_plugin_manager``); problems come back as warnings and errors.
    """
    manager, infos, problems = get_plugin_manager(allow, extra)
    collected: dict[str, dict] = {kind: {} for _, kind, _ in _HOOKS}
    for hook_name, kind, key in _HOOKS:
        for name, declaration in _call_each(manager, hook_name, infos, problems):
            declaration = attrs.evolve(declaration, plugin=name)
            _add(collected[kind], key(declaration), declaration, kind, problems, infos[name])
    metrics: dict[str, tuple] = {}
    for (short, _plugin), spec in collected["metrics"].items():
        metrics[short] = (*metrics.get(short, ()), spec)
    registry = Registry(
        infos,
        collected["tables"],
        metrics,
        collected["aggregates"],
        collected["templates"],
        collected["report_sections"],
        collected["scoring_tables"],
    )
    return registry, problems


_HOOKS: tuple[tuple[str, str, Callable], ...] = (
    ("assessor_tables", "tables", lambda d: d.name),
    # two plugins may share a metric's short name; schemes then qualify it
    ("assessor_metrics", "metrics", lambda d: (d.name, d.plugin)),
    ("assessor_aggregates", "aggregates", lambda d: d.name),
    ("assessor_templates", "templates", lambda d: d.id),
    ("assessor_report_sections", "report_sections", lambda d: d.name),
    ("assessor_scoring_tables", "scoring_tables", lambda d: d.name),
)
_DECLARED: dict[str, type] = {
    "assessor_tables": TableSpec,
    "assessor_metrics": MetricSpec,
    "assessor_aggregates": AggregateSpec,
    "assessor_templates": TemplateSpec,
    "assessor_report_sections": ReportSection,
    "assessor_scoring_tables": ScoringTable,
}


def _call_each(manager, hook_name, infos, problems):
    """Call one hook plugin by plugin, so a failure is pinned on the plugin that raised it."""
    for impl in getattr(manager.hook, hook_name).get_hookimpls():
        if impl.plugin_name not in infos:
            continue
        try:
            declarations = list(impl.function() or [])
            _check_types(declarations, _DECLARED[hook_name])
        except Exception as error:  # a plugin's hook may raise anything
            problems.append(
                _plugin_problem(infos[impl.plugin_name], f"failed in {hook_name}", error)
            )
            continue
        for declaration in declarations:
            yield impl.plugin_name, declaration


def _check_types(declarations: list, expected: type) -> None:
    """A hook's list holds only its own kind of declaration (a table in the metrics' list is a
    plugin bug, caught here rather than as a traceback later).
    """
    for declaration in declarations:
        if not isinstance(declaration, expected):
            raise TypeError(f"returned {declaration!r:.80}, not a {expected.__name__}")


def _add(
    target: dict, key, declaration, kind: str, problems: list[Diagnostic], info: PluginInfo
) -> None:
    if key in target:
        first = target[key].plugin
        problems.append(
            Diagnostic(
                "E402",
                f"plugin {info.name!r} declares {kind[:-1]} {key!r}, already declared by {first!r}",
                None,
                f"uninstall one of them, or rename it in {info.name}; the first is used",
                severity="warning",
            )
        )
        return
    target[key] = declaration


def _plugin_problem(info: PluginInfo, what: str, error: Exception) -> Diagnostic:
    return Diagnostic(
        "E401",
        f"plugin {info.name!r} ({info.module}, version {info.version}) "
        f"{what}: {type(error).__name__}: {error}",
        None,
        "reinstall or update the plugin, or uninstall it; the other plugins still work",
        severity="warning",
    )


def _unregister(manager: pluggy.PluginManager, name: str) -> None:
    plugin = manager.get_plugin(name)
    if plugin is not None:
        manager.unregister(plugin)


def _version(entry: EntryPoint) -> str:
    return entry.dist.version if entry.dist is not None else "unknown"
