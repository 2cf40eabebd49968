"""Testing tools for plugin authors (and for assessor's own tests).

- ``run_metric`` / ``run_scheme``: one metric, or a whole scheme, on small inline tables
  (rows as dicts or CSV text), through the real engine on DuckDB;
- ``assert_rows``: expected rows against actual ones, with a readable diff;
- ``compliance``: the checks every plugin passes (``check_plugin``, ``PluginCompliance``).

Installed with assessor as a pytest plugin (entry point ``pytest11``): the fixtures
``run_metric``, ``run_scheme`` and ``assessor_plugins`` are available in every test.
"""

from assessor.testing.compare import RowsDiffer, assert_rows
from assessor.testing.harness import MetricRun, run_metric, run_scheme, write_tables

__all__ = ["MetricRun", "RowsDiffer", "assert_rows", "run_metric", "run_scheme", "write_tables"]
