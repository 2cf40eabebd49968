"""The compliance kit (assessor.testing.compliance) on this plugin: every metric returns its
declared grain and types, gives values on the sample data, every template checks and runs on
its sample data, and the docs page lists every metric.
"""

from __future__ import annotations

from pathlib import Path

from assessor.testing.compliance import PluginCompliance


class TestCompliance(PluginCompliance):
    plugin = "auto_aftersales"
    docs = Path(__file__).parents[3] / "docs" / "plugins" / "auto-aftersales.md"
