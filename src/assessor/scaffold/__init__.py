"""``assessor plugin new NAME``: a working plugin package to start a domain from.

The files are package data (``scaffold/files/*.tmpl``); ``{{name}}`` in them becomes the
plugin's name and ``{{dist}}`` its distribution name. The package installs, passes its own
tests (assessor.testing and the compliance kit) and runs its template unchanged.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

FILES = Path(__file__).parent / "files"
# where each template file goes in the new package ({{name}} is replaced in paths too)
LAYOUT = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "__init__.py.tmpl": "src/assessor_{{name}}/__init__.py",
    "plugin.py.tmpl": "src/assessor_{{name}}/plugin.py",
    "monthly.assess.tmpl": "src/assessor_{{name}}/templates/{{name}}/monthly.assess",
    "tasks.csv.tmpl": "src/assessor_{{name}}/templates/{{name}}/sample-data/{{name}}_tasks.csv",
    "test_plugin.py.tmpl": "tests/test_{{name}}.py",
}
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class ScaffoldError(ValueError):
    """A name or folder the scaffold refuses; the message says why (a usage error)."""


def package_folder(name: str, parent: Path) -> Path:
    """Where ``assessor plugin new NAME`` writes: ``<parent>/assessor-NAME``."""
    return parent / f"assessor-{name}"


def check_name(name: str, parent: Path) -> None:
    """Refuse a name that cannot be a scheme's ``uses`` and a Python package, or a folder
    that already exists.
    """
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"{name!r} is not a plugin name: use lower-case letters, digits and _, starting "
            "with a letter (it becomes `uses NAME` and the package assessor_NAME)"
        )
    if name == "builtin":
        raise ScaffoldError("'builtin' is taken by assessor's own declarations")
    target = package_folder(name, parent)
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another name or --dir")


def new_plugin(name: str, parent: Path) -> list[Path]:
    """Write the plugin package ``assessor-NAME`` into ``parent``; return the files written."""
    check_name(name, parent)
    target = package_folder(name, parent)
    written = []
    for template, relative in LAYOUT.items():
        path = target / _filled(relative, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (FILES / template).read_text(encoding="utf-8")
        path.write_text(_filled(text, name), encoding="utf-8")
        written.append(path)
    return written


def _filled(text: str, name: str) -> str:
    return text.replace("{{name}}", name).replace("{{dist}}", name.replace("_", "-"))
