"""The generic KPI plugin's declarations: one template and nothing else.

A company that keeps its numbers in Excel needs no domain tables: it fills in the built-in
``kpi_values`` (one number per subject, month and indicator) and ``ratings`` (evaluators'
ratings per criterion), and the balanced-scorecard template (平衡计分卡) reads them with the
built-in ``kpi``/``kpi_percent`` metrics and rubrics.
"""

from __future__ import annotations

from assessor import api

DOMAIN = "generic_kpi"
FOLDER = "balanced-scorecard"


@api.hookimpl
def assessor_tables() -> list[api.TableSpec]:
    """No tables of its own: the built-in ``kpi_values`` and ``ratings`` serve."""
    return []


@api.hookimpl
def assessor_metrics() -> list[api.MetricSpec]:
    """No metrics of its own: the built-in ``kpi`` and ``kpi_percent`` and rubrics serve."""
    return []


@api.hookimpl
def assessor_templates() -> list[api.TemplateSpec]:
    """The balanced scorecard for business units (平衡计分卡绩效考核方案), with sample data."""
    folder = api.templates_folder(__file__, FOLDER)
    return [
        api.TemplateSpec(
            f"{FOLDER}/balanced-scorecard",
            folder / "balanced-scorecard.assess",
            "平衡计分卡绩效考核方案",
            "Balanced scorecard for business units",
            domain=DOMAIN,
            sample_data=folder / "sample-data",
        )
    ]
