"""The plugin's template: declared with its sample data, faithful to the seed, and built on
the equity transfer.

Every indicator seed 000 names in its sections X.2 appears in the template by the seed's
Chinese name (in a label of an indicator, metric or rule), so a reader can find each one.
"""

from __future__ import annotations

import csv
from pathlib import Path

from assessor_floor_heating import plugin

from assessor.syntax.parser import words

SCHEME = Path(__file__).resolve().parents[3] / "schemes" / "floor-heating"
TEMPLATE = SCHEME / "customer-relations.assess"

# seed 000「地暖股权转让后客户关系维护绩效考核指标」, 1.2 .. 6.2
SEED_INDICATORS = (
    "服务响应时间",
    "服务质量评分",
    "客户满意度指数",
    "技术人员考核",
    "服务流程优化",
    "服务态度评分",
    "客户流失率",
    "客户挽留成功率",
    "客户留存率目标达成率",
    "市场调研报告数量",
    "竞争对手分析报告数量",
    "客户需求变化响应速度",
    "内部沟通效率",
    "客户沟通效率",
    "沟通渠道满意度",
    "培训参与率",
    "团队协作项目完成率",
    "团队凝聚力指数",
)
# the seed's own examples inside those indicators
SEED_EXAMPLES = ("24小时", "满分10分", "电话接通率", "邮件回复速度", "部门间协作")


def test_every_seed_indicator_is_named_in_the_template():
    text = words(TEMPLATE.read_text("utf-8"))
    missing = [name for name in SEED_INDICATORS + SEED_EXAMPLES if name not in text]
    assert not missing, f"customer-relations.assess does not name {missing}"


def test_the_template_reads_raw_records_only():
    text = words(TEMPLATE.read_text("utf-8"))
    assert "uses floor_heating" in text
    assert "kpi(" not in text and "kpi_percent(" not in text and "rubric" not in text


def test_the_template_uses_the_equity_transfer():
    text = words(TEMPLATE.read_text("utf-8"))
    assert "transfer 2026-01-01" in text
    assert "解决时长 - baseline(解决时长)" in text
    assert "inherited_retention()" in text


def test_the_template_is_declared_with_its_sample_data():
    (template,) = plugin.assessor_templates()
    assert template.id == "floor-heating/customer-relations"
    assert template.domain == plugin.DOMAIN == "floor_heating"
    assert template.path == TEMPLATE
    assert template.sample_data == SCHEME / "sample-data"
    assert not (SCHEME / "sample-data" / "kpi_values.csv").exists()


def test_the_template_runs_on_its_sample_data_and_tells_the_story(tmp_path):
    from click.testing import CliRunner

    from assessor.cli import main

    out = tmp_path / "out"
    args = ["run", str(TEMPLATE), "--data", str(SCHEME / "sample-data"), "--out", str(out)]
    outcome = CliRunner().invoke(main, args, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.stderr
    with (out / "totals.csv").open(encoding="utf-8", newline="") as handle:
        totals = list(csv.DictReader(handle))
    teams = {"城东组", "城西组", "城南组", "开发区组"}
    assert {(r["period"], r["subject"]) for r in totals} == {
        (f"2026-{m:02d}", team) for m in range(1, 7) for team in teams
    }
    points = {(r["period"], r["subject"]): float(r["points"]) for r in totals}
    # worse just after the transfer, better by the end of the half-year, for every team
    assert all(points[("2026-06", team)] > points[("2026-01", team)] for team in teams)
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        vetoes = {
            (r["period"], r["subject"]) for r in csv.DictReader(handle) if r["kind"] == "veto"
        }
    assert vetoes == {("2026-01", "开发区组"), ("2026-04", "城西组")}
