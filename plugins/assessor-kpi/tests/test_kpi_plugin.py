"""The plugin declares only its template, and the template names every indicator of its seed.

Every indicator the seed document names appears in the template by the seed's Chinese name,
in a label, a name or a criterion (comments do not count), so a reader can find each one.
"""

from __future__ import annotations

import re
from importlib.metadata import entry_points

from assessor_kpi import plugin, sample

from assessor.syntax import ast
from assessor.syntax.parser import parse, words

SEED = "002_84c87f513bbc57cb"
# Seed 002 「制定绩效评估体系以完善客户关系」: the indicators it names (客户满意度、客户忠诚度、
# 客户留存率 as 绩效评估指标, 客户保留率 in its first part), the balanced-scorecard perspectives
# of its case study (内部流程优化, 学习成长), and what its measures ask to improve: 投诉,
# 服务响应速度 (缩短客户等待时间), 培训与提升员工素质 (服务技能, 沟通能力), 团队协作, and
# 加强客户沟通与互动 (主动与客户互动, 多渠道沟通, 客户情感体验).
SEED_INDICATORS = (
    "平衡计分卡",
    "客户满意度",
    "客户忠诚度",
    "客户保留率",
    "客户留存率",
    "内部流程优化",
    "学习成长",
    "投诉",
    "服务响应速度",
    "客户等待时间",
    "培训",
    "服务技能",
    "沟通能力",
    "团队协作",
    "主动与客户互动",
    "多渠道沟通",
    "客户情感体验",
)
# the measurable ones are scored by an indicator whose label names them
MEASURED = ("客户满意度", "客户忠诚度", "客户保留率", "客户留存率", "服务响应速度", "客户等待时间")
# the qualities people judge are rated in the quarterly review
RATED = ("服务技能", "沟通能力", "团队协作", "主动与客户互动", "多渠道沟通", "客户情感体验")


def template():
    (spec,) = plugin.assessor_templates()
    return spec


def text() -> str:
    return template().path.read_text(encoding="utf-8")


def items() -> list[ast.Indicator | ast.Rubric]:
    tree = parse(text(), str(template().path))
    (card,) = [d for d in tree.declarations if isinstance(d, ast.ScorecardDecl)]
    return [item for dimension in card.dimensions for item in dimension.items]


def test_the_plugin_declares_no_tables_and_no_metrics():
    assert plugin.assessor_tables() == []
    assert plugin.assessor_metrics() == []


def test_the_entry_point_is_kpi():
    (entry,) = [e for e in entry_points(group="assessor") if e.name == "kpi"]
    assert entry.value == "assessor_kpi.plugin"


def test_the_template_is_declared_with_its_sample_data():
    spec = template()
    assert spec.id == "balanced-scorecard/balanced-scorecard"
    assert spec.domain == plugin.DOMAIN == "generic_kpi"
    assert spec.path.is_file()
    assert spec.sample_data is not None
    assert sorted(p.name for p in spec.sample_data.iterdir()) == ["kpi_values.csv", "ratings.csv"]


def test_the_template_cites_its_seed():
    assert SEED in text()


def test_every_seed_indicator_is_named_in_the_template():
    scheme = words(text())
    missing = [name for name in SEED_INDICATORS if name not in scheme]
    assert missing == []


def test_measurable_seed_indicators_are_scored_and_the_rest_are_rated():
    labels = [item.label or "" for item in items() if isinstance(item, ast.Indicator)]
    criteria = [c.text for item in items() if isinstance(item, ast.Rubric) for c in item.criteria]
    assert [name for name in MEASURED if not any(name in label for label in labels)] == []
    assert sorted(criteria) == sorted(RATED)


def test_the_sample_data_has_every_indicator_and_criterion_the_template_reads():
    read = set(re.findall(r'kpi(?:_percent)?\("([^"]+)"\)', words(text())))
    assert read == set(sample.INDICATORS)
    criteria = {c.text for item in items() if isinstance(item, ast.Rubric) for c in item.criteria}
    assert criteria == set(sample.CRITERIA)
