"""A scheme that extends a template: overrides, drops and amends; the version every result
records; `assessor diff` in words. Expected amounts come from the acceptance data's
independently computed outcomes (lapse 12), scaled by hand where a rule's amounts change.
"""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import duckdb
from conftest import ACCEPTANCE, ROOT, STORE_ROLES, TEMPLATE, invoke, run_scheme

CARD = ROOT / "schemes" / "balanced-scorecard" / "balanced-scorecard.assess"

EAST = """\
# 华东店: the template with a 12-month lapse, 300 yuan for the groups, no follow-up rule
scheme "华东店流失考核" extends "auto-aftersales/churn-control" version "2" effective 2015-08-01

param lapse_months = 12 months

rule advisor_group_churn "业务接待组流失率考核" for advisor_group
  when group_churn < store_churn  reward 300
  when group_churn > store_churn  penalty 300
  otherwise 0

drop followup_churn
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _expected_east() -> dict[tuple[str, str, str], Decimal]:
    """Lapse-12 outcomes with the groups' 200 made 300 and the specialists left out."""
    expected = {}
    with (ACCEPTANCE / "expected-lapse12.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            amount = Decimal(row["amount"])
            if row["role"] == "followup_specialist":
                continue
            if row["role"] == "advisor_group":
                amount = amount / 200 * 300
            roles = STORE_ROLES if row["role"] == "store_manager" else (row["role"],)
            for role in roles:
                expected[(row["period"], role, row["subject"])] = amount
    return expected


def test_an_extending_scheme_pays_what_its_changes_say(tmp_path: Path) -> None:
    scheme = _write(tmp_path, "east.assess", EAST)
    rows = run_scheme(scheme, ACCEPTANCE / "data", tmp_path / "out")
    paid = {
        (r["period"], r["role"], r["subject"]): Decimal(r["amount"])
        for r in rows
        if r["kind"] == "rule"
    }
    assert paid == _expected_east()


def test_every_result_records_the_version_and_the_template(tmp_path: Path) -> None:
    scheme = _write(tmp_path, "east.assess", EAST)
    run_scheme(scheme, ACCEPTANCE / "data", tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))["scheme"]
    assert (manifest["version"], manifest["effective"]) == ("2", "2015-08-01")
    template_sha = hashlib.sha256(TEMPLATE.read_bytes()).hexdigest()
    assert manifest["extends"] == [
        {
            "template": "auto-aftersales/churn-control",
            "title": "售后客户流失率控制考核方案（试行）",
            "version": "1",
            "sha256": template_sha,
        }
    ]


def test_a_template_file_beside_the_scheme_can_be_extended_in_a_chain(tmp_path: Path) -> None:
    """region.assess extends the installed template; east.assess extends region.assess."""
    region = EAST.replace('"auto-aftersales/churn-control"', '"churn-control"')
    _write(tmp_path, "region.assess", region)
    east = _write(
        tmp_path,
        "east.assess",
        'scheme "华东一店" extends "region.assess" version "2.1"\nparam lapse_months = 8 months\n',
    )
    rows = run_scheme(east, ACCEPTANCE / "data", tmp_path / "out")
    groups = {
        (r["period"], r["subject"]): Decimal(r["amount"])
        for r in rows
        if r["kind"] == "rule" and r["role"] == "advisor_group"
    }
    with (ACCEPTANCE / "expected-lapse8.csv").open(encoding="utf-8") as handle:
        expected = {
            (r["period"], r["subject"]): Decimal(r["amount"]) / 200 * 300
            for r in csv.DictReader(handle)
            if r["role"] == "advisor_group"
        }
    assert groups == expected
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))["scheme"]
    assert [(b["template"], b["version"]) for b in manifest["extends"]] == [
        ("region.assess", "2"),
        ("churn-control", "1"),
    ]


def test_amend_changes_one_weight_and_one_method_and_diff_says_so(tmp_path: Path) -> None:
    scheme = _write(
        tmp_path,
        "card.assess",
        'scheme "某公司平衡计分卡" extends "balanced-scorecard" version "2"\n'
        "amend 总分.客户.保留得分 bands >= 97% -> 100 | >= 92% -> 80 | else 0\n"
        "amend 总分.财务 weight 40%\n"
        "amend 总分.客户 weight 25%\n"
        'amend 总分."财务 / financial".收入达成 cap 110\n',
    )
    outcome = invoke("diff", CARD, scheme, "--lang", "en")
    assert outcome.exit_code == 0, outcome.stderr
    card = "4. Scoring › balanced scorecard（dept）"
    assert outcome.stdout.splitlines() == [
        "changed: 平衡计分卡绩效考核方案 → 某公司平衡计分卡",
        "removed: Version 1",
        "added: Version 2",
        "added: based on the template “平衡计分卡绩效考核方案” (balanced-scorecard, Version 1)",
        f"changed: {card} › financial: Weight: 35% → 40%",
        f"changed: {card} › revenue attainment: Method: attainment of 收入目标; cap 120 → "
        "attainment of 收入目标; cap 110",
        f"changed: {card} › customer: Weight: 30% → 25%",
        f"changed: {card} › retention: Method: bands >= 95% -> 100 | >= 90% -> 80 | "
        ">= 85% -> 60 | else 0 → bands >= 97% -> 100 | >= 92% -> 80 | else 0",
    ]


def test_diff_of_a_scheme_with_itself_says_nothing_changed() -> None:
    outcome = invoke("diff", TEMPLATE, TEMPLATE)
    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == "两个版本没有区别。"


def test_diff_names_parameter_amount_and_removed_rule_in_chinese(tmp_path: Path) -> None:
    scheme = _write(tmp_path, "east.assess", EAST)
    lines = invoke("diff", TEMPLATE, scheme).stdout.splitlines()
    assert "修改: 六、参数 › 流失判定月数: 取值: 8 个月 → 12 个月" in lines
    rules = "五、考核标准与奖惩"
    assert f"修改: {rules} › 业务接待组流失率考核: 金额: 奖励 200 元 → 奖励 300 元" in lines
    assert (
        "删除: 五、考核标准与奖惩 › 回访专员流失率考核: 当 所回访业待组月流失率平均值 < "
        "售后月流失率; 金额 奖励 100 元"
    ) in lines


def test_a_period_before_the_effective_day_is_run_with_a_warning(tmp_path: Path) -> None:
    scheme = _write(tmp_path, "east.assess", EAST.replace("2015-08-01", "2015-10-01"))
    outcome = invoke("run", scheme, "--data", ACCEPTANCE / "data", "--out", tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    assert "warning[W203] 2015-08 starts before version 2 takes effect (2015-10-01)" in (
        outcome.stderr
    )
    quiet = invoke(
        "run", scheme, "--data", ACCEPTANCE / "data", "--out", tmp_path / "later",
        "--from", "2015-10", "--to", "2015-12",
    )  # fmt: skip
    assert "W203" not in quiet.stderr


def test_template_declarations_left_unused_are_not_warned_about(tmp_path: Path) -> None:
    """Dropping the follow-up rule leaves the template's followed_churn unused: its choice."""
    scheme = _write(tmp_path, "east.assess", EAST)
    outcome = invoke("check", scheme)
    assert outcome.exit_code == 0 and "W202" not in outcome.stderr


def test_a_history_from_before_versions_gains_the_column(tmp_path: Path) -> None:
    """A history written before runs carried a version still records and lists runs."""
    from assessor.history import list_runs, record_run
    from assessor.session import assess, read_scheme

    path = tmp_path / "history.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, started_at TIMESTAMP, "
            "run_by VARCHAR, host VARCHAR, scheme VARCHAR, scheme_sha256 VARCHAR, "
            "period_from VARCHAR, period_to VARCHAR, outcomes INTEGER, net DECIMAL(18, 2), "
            "manifest VARCHAR)"
        ).fetchall()
    loaded = read_scheme(_write(tmp_path, "east.assess", EAST))
    first, last = (loaded.scheme.window[0],) * 2
    record_run(path, assess(loaded, ACCEPTANCE / "data", first, last))
    (run,) = list_runs(path)
    assert (run[0], run[3], run[4], run[5]) == (1, "华东店流失考核", "2", "2015-08")
