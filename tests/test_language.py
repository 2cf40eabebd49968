"""The language says the same thing in different words: variants of the churn-control template
(Chinese identifiers, an inline aggregate, qualified names, reordered declarations) must give
exactly the template's outcomes on the acceptance data."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ACCEPTANCE, TEMPLATE, run_scheme

CHINESE_NAMES = {
    "lapse_months": "流失月数",
    "advisor_group": "业务接待组",
    "followup_specialist": "回访专员",
    "workshop_supervisor": "车间主管",
    "service_manager": "服务经理",
    "golden_bowtie": "金领结",
    "store_churn": "售后月流失率",
    "group_churn": "组月流失率",
    "followed_churn": "所回访组平均流失率",
    "previous_churn": "前三月平均流失率",
}


def chinese(text: str) -> str:
    """Rename every declared name to Chinese, keeping table and column names."""
    for english, name in CHINESE_NAMES.items():
        text = text.replace(f" {english} ", f" {name} ").replace(f" {english}\n", f" {name}\n")
        text = text.replace(f"({english})", f"({name})").replace(f"({english} ", f"({name} ")
        text = text.replace(f"{english},", f"{name},")
    return text


def inline_baseline(text: str) -> str:
    """Write the three-month mean inside the rule, as the design document does."""
    return text.replace(
        "when store_churn <= previous_churn",
        "when store_churn <= mean(store_churn over previous 3 months)",
    )


def qualified(text: str) -> str:
    return text.replace("= churn_rate(", "= auto_aftersales.churn_rate(")


def one_line(text: str) -> str:
    """Layout carries no meaning: the whole scheme on as few lines as comments allow."""
    body = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return " ".join(part for part in body if part) + "\n"


def outcomes(scheme_text: str, folder: Path) -> list[tuple[str, str, str, str]]:
    scheme = folder / "scheme.assess"
    scheme.write_text(scheme_text, "utf-8")
    rows = run_scheme(scheme, ACCEPTANCE / "data", folder / "out")
    reverse = {v: k for k, v in CHINESE_NAMES.items()}
    return sorted(
        (
            r["period"],
            reverse.get(r["role"], r["role"]),
            r["subject"],
            f"{r['value']} {r['amount']} {r['status']}",
        )
        for r in rows
    )


@pytest.mark.parametrize("variant", [chinese, inline_baseline, qualified, one_line])
def test_variant_means_the_same(variant, tmp_path: Path) -> None:
    text = TEMPLATE.read_text("utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert outcomes(variant(text), tmp_path / "a") == outcomes(text, tmp_path / "b")


def test_chinese_names_reach_the_results(tmp_path: Path) -> None:
    scheme = tmp_path / "s.assess"
    scheme.write_text(chinese(TEMPLATE.read_text("utf-8")), "utf-8")
    rows = run_scheme(
        scheme,
        ACCEPTANCE / "data",
        tmp_path,
        "--from",
        "2015-08",
        "--to",
        "2015-08",
        "--set",
        "流失月数=12",
    )
    roles = {row["role"] for row in rows}
    assert roles == {"业务接待组", "回访专员", "车间主管", "服务经理", "金领结"}


def test_a_division_by_zero_in_a_condition_makes_the_rule_na(tmp_path: Path) -> None:
    # Lapse 1, assessed February: both January customers return in February, so the store
    # rate is 0/2 and group 甲 is 0/1; 甲 / store divides by zero.
    data = tmp_path / "data"
    data.mkdir()
    (data / "visits.csv").write_text(
        "visit_id,customer_id,visit_date,advisor_group\n1,c1,2015-01-05,甲\n2,c2,2015-01-06,乙\n"
        "3,c1,2015-02-03,甲\n4,c2,2015-02-04,乙\n",
        "utf-8",
    )
    (data / "followups.csv").write_text("specialist,advisor_group\n李娜,甲\n", "utf-8")
    scheme = tmp_path / "s.assess"
    scheme.write_text(
        'scheme "比值" uses auto_aftersales period month\n'
        "role 组 from visits.advisor_group\n"
        "metric 店 = churn_rate(1 months)\n"
        "metric 组率 for 组 = churn_rate(1 months)\n"
        "rule 比 for 组 when 组率 / 店 > 1 penalty 100 otherwise 50\n",
        "utf-8",
    )
    rows = run_scheme(scheme, data, tmp_path / "out", "--from", "2015-02", "--to", "2015-02")
    assert [(r["subject"], r["amount"], r["status"]) for r in rows] == [
        ("乙", "0", "n/a"),
        ("甲", "0", "n/a"),
    ]
    assert rows[0]["explanation"] == (
        "value is n/a (a value it is computed from is n/a): no reward or penalty"
    )


BASELINE_SCHEME = """
scheme "基线" period month window 2026-01 .. 2026-03
  transfer 2026-01-15
role team from kpi_values.subject
metric v for team = kpi("x")
rule 改善 for team when v - baseline(v, 2) > 1 reward 100 元
"""
# By hand: the transfer month is 2026-01, so the baseline is the mean of 2025-11 and 2025-12.
# A: (4 + 6) / 2 = 5; changes 5-5=0 (Jan), 7-5=2 (Feb), n/a (no March value).
# B: only 2025-12 = 3 counts (2025-10 is outside the window); changes n/a, n/a, 9-3=6.
BASELINE_DATA = """subject,period,indicator,value
A,2025-11,x,4
A,2025-12,x,6
A,2026-01,x,5
A,2026-02,x,7
B,2025-10,x,100
B,2025-12,x,3
B,2026-03,x,9
"""


def test_baseline_is_the_mean_before_the_transfer(tmp_path: Path) -> None:
    scheme = tmp_path / "baseline.assess"
    scheme.write_text(BASELINE_SCHEME, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "kpi_values.csv").write_text(BASELINE_DATA, encoding="utf-8")
    (data / "ratings.csv").write_text(
        "subject,period,evaluator,criterion,score\nA,2026-01,e,c,1\n", encoding="utf-8"
    )
    rows = run_scheme(scheme, data, tmp_path / "out")
    found = {(r["period"], r["subject"]): (r["value"], r["amount"]) for r in rows}
    assert found == {
        ("2026-01", "A"): ("0", "0"),
        ("2026-02", "A"): ("2", "100"),
        ("2026-03", "A"): ("", "0"),
        ("2026-01", "B"): ("", "0"),
        ("2026-02", "B"): ("", "0"),
        ("2026-03", "B"): ("6", "100"),
    }


def test_words_drop_comments_but_keep_labels_with_hashes() -> None:
    from assessor.syntax.parser import words

    text = 'scheme "一#组" # 注释\nparam x "阈值 / limit" = 2026-01 # not a date\n'
    assert words(text) == 'scheme "一#组" \nparam x "阈值 / limit" = 2026-01 \n'
