"""assessor's pytest plugin, registered through the ``pytest11`` entry point.

Its fixtures run a plugin metric or a whole scheme on small inline tables through the real
engine (``assessor.testing.harness``)::

    def test_fee_collection_rate(run_metric):
        run = run_metric("fee_collection_rate", {"pm_fees": CSV_TEXT}, by="building")
        assert_rows(run.rows, [{"period": "2026-01", "subject": "1号楼", "value": "3/4"}])

A plugin that is not installed (the tutorial's, a plugin under development) is registered
directly by overriding ``assessor_plugins`` in the tests' ``conftest.py``.
Importing this module is cheap: the engine is loaded only when a fixture runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest


@pytest.fixture
def assessor_plugins() -> Mapping[str, object]:
    """Plugins (name: module) to register beside the installed ones; none by default.

    Override it in a ``conftest.py``: ``return {"property": property_plugin}``.
    """
    return {}


@pytest.fixture
def run_metric(assessor_plugins: Mapping[str, object]) -> Callable[..., Any]:
    """``run_metric(metric, tables, by=None, arguments=None, first=None, last=None)``: the
    metric's value per month and subject, as ``assessor.testing.run_metric`` gives it.
    """
    from assessor.testing import harness

    def run(metric: str, tables: Mapping[str, Any], **options: Any) -> harness.MetricRun:
        options.setdefault("plugins", assessor_plugins)
        return harness.run_metric(metric, tables, **options)

    return run


@pytest.fixture
def run_scheme(assessor_plugins: Mapping[str, object]) -> Callable[..., Any]:
    """``run_scheme(scheme, tables, first=None, last=None, overrides=None)``: the rows of
    results.csv, as ``assessor.testing.run_scheme`` gives them.
    """
    from assessor.testing import harness

    def run(scheme: Any, tables: Mapping[str, Any], **options: Any) -> list[dict[str, str]]:
        options.setdefault("plugins", assessor_plugins)
        return harness.run_scheme(scheme, tables, **options)

    return run
