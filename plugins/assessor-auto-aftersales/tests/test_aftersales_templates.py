"""The plugin's templates: declared with their sample data, and faithful to the seed.

Every indicator the seed document names appears in its template by the seed's Chinese name
(in a label of an indicator, metric, rubric, rule or veto), so a reader can find each one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from assessor_auto_aftersales import plugin

from assessor.syntax.parser import words

SCHEMES = Path(__file__).resolve().parents[3] / "schemes" / "auto-aftersales"

# seed 003: 「售后客服绩效考核方案」, 「售后服务部考核指标量化方案」 and
# 「客户服务质量考核办法（试行）」
SERVICE_KPI_NAMES = (
    "服务响应速度",
    "接听率",
    "处理速度",
    "问题解决率",
    "一次响应解决率",
    "客户满意度",
    "客户反馈满意度调查",
    "客户投诉率",
    "团队合作能力",
    "团队成员之间的合作",
    "问题上报",
    "协作处理",
    "24小时内给予回复",
    "48小时内给出解决方案",
    "一类责任投诉",
    "二类责任投诉",
    "三类责任投诉",
    "重大服务质量事故",
    "严重服务质量问题",
    "一般服务质量责任投诉",
)
# seed 003: 「销售人员绩效考核指标客户流失率分析与预防」
SALES_CHURN_NAMES = ("客户流失率", "失去的客户数", "起始客户数", "销售人员")


@pytest.mark.parametrize(
    ("stem", "names"),
    [("service-kpi", SERVICE_KPI_NAMES), ("sales-churn", SALES_CHURN_NAMES)],
)
def test_every_seed_indicator_is_named_in_the_template(stem, names):
    text = words((SCHEMES / f"{stem}.assess").read_text("utf-8"))
    missing = [name for name in names if name not in text]
    assert not missing, f"{stem}.assess does not name {missing}"


def test_the_templates_are_declared_with_their_sample_data():
    templates = {t.id: t for t in plugin.assessor_templates()}
    assert set(templates) == {
        "auto-aftersales/churn-control",
        "auto-aftersales/service-kpi",
        "auto-aftersales/sales-churn",
    }
    for template in templates.values():
        assert template.path.is_file(), template.path
        assert template.sample_data is not None and template.sample_data.is_dir()
    assert templates["auto-aftersales/service-kpi"].sample_data.name == "sample-data-service-kpi"
    assert templates["auto-aftersales/sales-churn"].sample_data.name == "sample-data-sales-churn"


def test_the_sales_template_compares_with_the_pre_transfer_baseline():
    text = (SCHEMES / "sales-churn.assess").read_text("utf-8")
    assert "transfer 2026-01-01" in text
    assert "流失率 - baseline(流失率)" in text
    assert "inherited_retention()" in text
