"""Where a plugin's templates live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path


def templates_folder(plugin_file: str, folder: str) -> Path:
    """A plugin's template folder: ``<package>/templates/<folder>`` inside an installed wheel
    (copied there by the ``force-include`` of its pyproject), else ``schemes/<folder>`` of the
    source checkout the plugin is installed from in editable mode.

    ``plugin_file`` is the ``__file__`` of a module at the top of the plugin's package,
    which sits in ``plugins/<distribution>/src/<package>/`` in the checkout.
    """
    package = Path(plugin_file).resolve().parent
    packaged = package / "templates" / folder
    if packaged.is_dir():
        return packaged
    return package.parents[3] / "schemes" / folder
