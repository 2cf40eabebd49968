"""`assessor explain`: one subject's period as a tree of reasons, and how far a rule was from
paying differently. Expectations derived by hand from the acceptance data's expected rates.
"""

from __future__ import annotations

from conftest import ACCEPTANCE, ROOT, TEMPLATE, invoke

FLOOR = ROOT / "schemes" / "floor-heating"


def test_a_penalised_group_learns_how_far_it_was_from_a_reward() -> None:
    # Alpha, 2015-08: 22.4138% = 13/58 lost against the store's 17.9825% = 41/228. With the
    # store rate as it was, the largest count below it is 10 (10/58 = 17.24% < 17.98% and
    # 11/58 = 18.97% is not), so 3 fewer lost customers turn -200 into +200.
    outcome = invoke(
        "explain", "Alpha", "--period", "2015-08", "--scheme", TEMPLATE,
        "--data", ACCEPTANCE / "data",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "rule advisor_group_churn: 22.4138, -200" in outcome.stdout
    assert "13/58 → 10/58 would have turned -200 into 200" in outcome.stdout


def test_the_distance_reads_in_chinese_too() -> None:
    outcome = invoke(
        "explain", "Alpha", "--period", "2015-08", "--scheme", TEMPLATE,
        "--data", ACCEPTANCE / "data", "--lang", "zh",
    )  # fmt: skip
    assert "13/58 → 10/58：金额将由 -200 变为 200（对比值不变）" in outcome.stdout


def test_the_store_in_three_roles_is_told_each_payment_and_the_records_once() -> None:
    outcome = invoke(
        "explain", "store", "--period", "2015-08", "--scheme", TEMPLATE,
        "--data", ACCEPTANCE / "data",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    for role in ("workshop_supervisor", "service_manager", "golden_bowtie"):
        assert f"rule store_churn_trend ({role}):" in outcome.stdout
    assert outcome.stdout.count("lost customers (41, store)") == 1


def test_a_scorecard_unfolds_dimension_before_its_indicators() -> None:
    outcome = invoke(
        "explain", "城东组", "--period", "2026-03",
        "--scheme", FLOOR / "customer-relations.assess", "--data", FLOOR / "sample-data",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    dimension = next(i for i, x in enumerate(lines) if "dimension 客户满意度 (25%)" in x)
    indicator = next(i for i, x in enumerate(lines) if "indicator 响应 (40%)" in x)
    assert dimension < indicator
    assert lines[indicator].startswith(" " * 6)


def test_an_unknown_subject_is_named_with_the_nearest() -> None:
    outcome = invoke(
        "explain", "Alfa", "--period", "2015-08", "--scheme", TEMPLATE,
        "--data", ACCEPTANCE / "data",
    )  # fmt: skip
    assert outcome.exit_code == 2
    assert "did you mean 'Alpha'" in outcome.stderr
