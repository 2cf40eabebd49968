"""The template names every indicator of its seed, and the sample data follow it."""

from __future__ import annotations

import filecmp

from assessor_electrical import plugin, sample

from assessor.syntax import ast
from assessor.syntax.parser import parse

# Seed 001 (电气设备企业转让后客户关系维护团队考核标准): its 20 aspects (the first heading is
# missing; its lead sentence calls it 团队组织架构) and their 5 criteria each.
SEED_ASPECTS = (
    "团队组织架构",
    "客户信息管理",
    "客户沟通与互动",
    "售后服务",
    "客户关系维护策略",
    "团队绩效评估",
    "培训与发展",
    "风险管理",
    "创新与改进",
    "社会责任",
    "市场竞争力",
    "战略规划",
    "跨部门协作",
    "客户满意度",
    "危机管理",
    "持续改进",
    "团队文化建设",
    "领导力",
    "创新能力",
    "可持续发展",
)
SEED_CRITERIA = (
    ("团队规模与结构", "领导力与团队协作", "职能分工", "培训与发展", "激励机制"),
    ("信息准确性", "数据安全", "信息更新频率", "信息共享机制", "客户反馈收集"),
    ("沟通渠道", "沟通质量", "客户反馈处理", "客户关系活动", "客户满意度调查"),
    ("服务响应速度", "服务态度", "问题解决能力", "售后服务记录", "客户投诉处理"),
    ("客户细分", "客户需求分析", "服务创新", "市场调研", "竞争对手分析"),
    ("目标达成情况", "工作效率", "成本控制", "团队协作", "创新能力"),
    ("培训内容", "培训效果", "职业发展规划", "团队氛围", "团队凝聚力"),
    ("风险评估", "风险应对措施", "应急预案", "风险监控", "风险沟通"),
    ("创新意识", "改进措施", "创新成果", "改进效果", "创新激励机制"),
    ("环保意识", "公益事业", "企业文化建设", "合规经营", "客户满意度"),
    ("产品竞争力", "服务竞争力", "品牌形象", "市场份额", "竞争对手分析"),
    ("战略目标", "战略实施", "战略调整", "战略监控", "战略反馈"),
    ("协作意识", "沟通渠道", "协作流程", "协作效果", "协作激励机制"),
    ("满意度调查", "满意度分析", "满意度提升措施", "客户投诉处理", "客户忠诚度"),
    ("危机预警", "危机应对措施", "危机处理效果", "危机沟通", "危机恢复"),
    ("改进意识", "改进措施", "改进效果", "改进反馈", "改进激励机制"),
    ("团队价值观", "团队精神", "团队氛围", "团队荣誉", "团队凝聚力"),
    ("领导风格", "决策能力", "沟通能力", "激励能力", "团队发展"),
    ("创新意识", "创新机制", "创新成果", "创新应用", "创新激励机制"),
    ("资源利用", "环境保护", "社会责任", "可持续发展战略", "可持续发展效果"),
)
# the seed's criteria that the template measures from records instead of ratings
MEASURED = {
    (1, "信息更新频率"),
    (2, "客户满意度调查"),
    (3, "服务响应速度"),
    (3, "客户投诉处理"),
    (10, "市场份额"),
    (13, "满意度调查"),
    (13, "客户投诉处理"),
    (13, "客户忠诚度"),
}


def template():
    (spec,) = plugin.assessor_templates()
    return spec


def scorecard():
    text = template().path.read_text(encoding="utf-8")
    tree = parse(text, str(template().path))
    return next(d for d in tree.declarations if isinstance(d, ast.ScorecardDecl))


def test_every_seed_indicator_appears_by_its_chinese_name():
    text = template().path.read_text(encoding="utf-8")
    assert "001_a1dbc531814d0a06" in text
    missing = [name for name in SEED_ASPECTS if name not in text]
    missing += [name for criteria in SEED_CRITERIA for name in criteria if name not in text]
    assert missing == []


def test_each_aspect_is_a_dimension_of_five_criteria():
    dimensions = scorecard().dimensions
    assert len(dimensions) == len(SEED_ASPECTS)
    for index, (dimension, aspect) in enumerate(zip(dimensions, SEED_ASPECTS, strict=True)):
        assert aspect in dimension.label
        rated = [
            c for item in dimension.items if isinstance(item, ast.Rubric) for c in item.criteria
        ]
        indicators = [item for item in dimension.items if isinstance(item, ast.Indicator)]
        measured = {name for i, name in MEASURED if i == index}
        assert len(rated) + len(indicators) == 5, aspect
        for name in measured:
            assert any(name in (item.label or "") for item in indicators), name


def test_the_sample_rates_exactly_the_template_criteria():
    rubrics = [
        item
        for dimension in scorecard().dimensions
        for item in dimension.items
        if isinstance(item, ast.Rubric)
    ]
    written = tuple((bool(r.scale.letters), tuple(c.text for c in r.criteria)) for r in rubrics)
    assert written == sample.RUBRICS


def test_the_committed_sample_is_what_the_generator_writes(tmp_path):
    committed = template().sample_data
    written = sample.write_sample(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in committed.glob("*.csv"))
    for path in written:
        assert filecmp.cmp(path, committed / path.name, shallow=False), path.name


def test_the_generator_is_deterministic_and_follows_the_seed():
    assert sample.generate(7) == sample.generate(7)
    assert sample.generate(7) != sample.generate(8)
