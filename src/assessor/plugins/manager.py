"""Finding installed plugins and collecting what they declare into a :class:`Registry`.

Each entry point is loaded and each hook called on its own: a plugin that fails to import or
raises is reported by name and version, and the others still load.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from importlib import import_module
from typing import Any

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


def _version(entry: Any) -> str:
    return entry.dist.version if entry.dist is not None else "unknown"


# Finding entry points -----------------------------------------------------------------------
#
# What importlib.metadata's ``entry_points(group=...)`` gives, read straight from the installed
# distributions' ``entry_points.txt``: importing importlib.metadata (and the email parser it
# reads versions with) took a tenth of `assessor check`. The same distributions in the same
# order: each folder on ``sys.path`` in turn, its ``*.dist-info`` and ``*.egg-info`` in
# listing order, the first of each (normalised) name only. Where ``sys.path`` holds what this
# does not read (a zip file, an ``.egg``), importlib.metadata answers instead.


class Distribution:
    """An installed distribution's metadata folder; its version is read when asked for."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def read_text(self, name: str) -> str | None:
        """A file of the metadata folder, None when it has none."""
        try:
            with open(os.path.join(self.folder, name), encoding="utf-8") as file:
                return file.read()
        except OSError:
            return None

    @property
    def version(self) -> str | None:
        """The ``Version:`` header of METADATA (PKG-INFO for an egg-info)."""
        text = self.read_text("METADATA") or self.read_text("PKG-INFO") or ""
        for line in text.splitlines():
            if not line.strip():
                break  # the headers end at the first blank line
            name, colon, value = line.partition(":")
            if colon and name.strip().lower() == "version":
                return value.strip()
        return None


@attrs.frozen
class EntryPoint:
    """An entry point: ``name = module[:attribute]`` in a group, as importlib.metadata's."""

    name: str
    value: str
    group: str
    dist: Distribution | None = attrs.field(default=None, eq=False)

    def load(self) -> Any:
        """Import the module and return it, or the attribute it names."""
        match = _ENTRY_VALUE.match(self.value)
        if match is None:
            raise ValueError(f"not an entry point: {self.value!r}")
        module = import_module(match.group("module"))
        names = filter(None, (match.group("attr") or "").split("."))
        return reduce(getattr, names, module)


_ENTRY_VALUE = re.compile(
    r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$"
)


def entry_points(group: str) -> list[Any]:
    """The installed entry points of ``group``, in importlib.metadata's order."""
    folders = _metadata_folders()
    if folders is None:
        from importlib.metadata import entry_points as importlib_entry_points

        return list(importlib_entry_points(group=group))
    found = []
    for folder in folders:
        dist = Distribution(folder)
        for section, name, value in _entries(dist.read_text("entry_points.txt") or ""):
            if section == group:
                found.append(EntryPoint(name, value, group, dist))
    return found


def _metadata_folders() -> list[str] | None:
    """Every distribution's metadata folder on ``sys.path``, first of each name; None when
    a path entry is something else than a folder (a zip file, an egg).
    """
    folders, seen = [], set()
    for entry in sys.path:
        root = entry or "."
        if root.endswith(".egg"):
            return None
        try:
            children = os.listdir(root)
        except OSError:
            if os.path.isfile(root):
                return None
            continue
        for child in children:
            lower = child.lower()
            if not lower.endswith((".dist-info", ".egg-info")):
                continue
            name = lower.rpartition(".")[0].partition("-")[0]
            normalized = re.sub(r"[-_.]+", "-", name).replace("-", "_")
            if normalized not in seen:
                seen.add(normalized)
                folders.append(os.path.join(entry, child) if entry else child)
    return folders


def _entries(text: str) -> Iterable[tuple[str, str, str]]:
    """``(section, name, value)`` of each ``name = value`` line of an ``entry_points.txt``."""
    section = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section is not None:
            name, value = map(str.strip, line.split("=", 1))
            yield section, name, value
