"""Scorecards, rubrics, grades and bonuses: the engine against an independent reference.

Three parts:

1. REFERENCE SELF-TESTS: the pure-Python reference (`scorecard_reference`) on examples
   worked out by hand. They do not run the engine.
2. HAND-WORKED ENGINE CASES: small schemes run through the command line, compared with
   numbers derived by hand (in the comments).
3. RANDOM CASES: seeded random schemes and data (`scorecard_random`) run through the command
   line and compared, row by row, with the reference.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import invoke
from scorecard_random import (
    KPI_HEADER,
    RATING_HEADER,
    Case,
    random_case,
    write_csv,
    write_dataset,
)
from scorecard_reference import (
    EXCLUDED,
    Attainment,
    Bands,
    Bonus,
    Deduct,
    DeductEach,
    Dimension,
    Direct,
    ExpectedRow,
    Grade,
    Indicator,
    MeanRule,
    Metric,
    NumericScale,
    Policy,
    RankRule,
    Rubric,
    Scheme,
    Scorecard,
    SubjectResult,
    Veto,
    apply_quota,
    apply_rule,
    assign_grades,
    display_amount,
    display_points,
    evaluate,
    linear_score,
    score_by,
    trimmed_mean,
    weighted,
)

F = Fraction
SEEDS = range(15)


# ======================================================================================
# 1. REFERENCE SELF-TESTS (hand-computed; no engine)
# ======================================================================================


def test_reference_bands_take_the_first_band_that_holds() -> None:
    bands = Bands(">=", ((F(95, 100), F(100)), (F(85, 100), F(80)), (F(70, 100), F(50))), F(0))
    assert score_by(bands, F(95, 100)) == 100  # exactly at the threshold
    assert score_by(bands, F(9499, 10000)) == 80
    assert score_by(bands, F(85, 100)) == 80
    assert score_by(bands, F(1, 2)) == 0  # else
    upward = Bands("<=", ((F(0), F(100)), (F(2), F(80))), F(20))
    assert [score_by(upward, F(v)) for v in (0, 2, 3)] == [100, 80, 20]


def test_reference_linear_interpolates_and_clamps() -> None:
    points = ((F(60), F(0)), (F(80), F(60)), (F(100), F(100)))
    assert linear_score(points, F(50)) == 0  # below the first x: the first p
    assert linear_score(points, F(70)) == 30  # halfway from 0 to 60
    assert linear_score(points, F(80)) == 60
    assert linear_score(points, F(90)) == 80  # halfway from 60 to 100
    assert linear_score(points, F(120)) == 100  # above the last x: the last p


def test_reference_attainment_deduct_and_direct() -> None:
    assert score_by(Attainment(F(90, 100)), F(99, 100)) == 110  # 0.99 / 0.9 * 100
    assert score_by(DeductEach(F(5), F(2), F(100)), F(3)) == F(185, 2)  # 100 - 5*3/2 = 92.5
    assert score_by(Direct(), F(877, 10)) == F(877, 10)


def test_reference_trimmed_mean_drops_one_highest_and_one_lowest() -> None:
    assert trimmed_mean([F(5), F(4), F(3), F(1)]) == F(7, 2)  # (4+3)/2
    assert trimmed_mean([F(5), F(5), F(1)]) == 5  # one 5 and the 1 dropped
    assert trimmed_mean([F(5), F(2)]) == F(7, 2)  # fewer than 3: plain mean


def test_reference_exclude_scales_the_other_weights_up() -> None:
    # weights 20/30/50, the 30% one excluded: (0.2*80 + 0.5*60) / 0.7 * 1 = 46/0.7 = 460/7
    entries = [(F(1, 5), F(80)), (F(3, 10), EXCLUDED), (F(1, 2), F(60))]
    assert weighted(entries) == F(460, 7)
    assert weighted([(F(1, 2), F(80)), (F(1, 2), None)]) is None  # n/a spreads
    assert weighted([(F(1, 2), EXCLUDED), (F(1, 2), EXCLUDED)]) == EXCLUDED


def test_reference_quota_moves_all_tied_ones_down() -> None:
    totals = {"a": F(95), "b": F(92), "c": F(92), "d": F(80)}
    grades = {"a": "优秀", "b": "优秀", "c": "优秀", "d": "良好"}
    # at most 50% of 4 = 2 keep 优秀; the 2nd and 3rd tie at 92, so both move down
    apply_quota(grades, totals, F(1, 2), "优秀", "良好")
    assert grades == {"a": "优秀", "b": "良好", "c": "良好", "d": "良好"}
    grades = {"a": "优秀", "b": "优秀", "c": "优秀", "d": "良好"}
    apply_quota(grades, totals, F(3, 4), "优秀", "良好")  # 3 fit: nobody moves
    assert grades["c"] == "优秀"


def two_by_two_scheme(**grade_options) -> Scheme:
    """One dimension 60% (bands 50%, attainment 50% cap 120) and a rubric dimension 40%."""
    response = Metric("响应率", "响应率", "响应率", percent=True)
    output = Metric("产值额", "产值", "产值")
    bands = Bands(">=", ((F(95, 100), F(100)), (F(85, 100), F(80)), (F(70, 100), F(50))), F(0))
    d1 = Dimension(
        "效率",
        "效率",
        F(3, 5),
        (
            Indicator("响应", "响应", F(1, 2), response, bands, missing=Policy("exclude")),
            Indicator(
                "产值指标",
                "产值",
                F(1, 2),
                output,
                Attainment(F(120)),
                cap=F(120),
                missing=Policy("n/a"),
            ),
        ),
    )
    d2 = Dimension(
        "团队",
        "团队",
        F(2, 5),
        (
            Rubric(
                "协作",
                "协作",
                F(1),
                NumericScale(1, 5),
                "trimmed mean",
                ("a", "b"),
                Policy("exclude"),
            ),
        ),
    )
    grade = Grade("等级", "等级", ">=", ((F(90), "优秀"), (F(75), "良好")), "合格", **grade_options)
    bonus = Bonus("奖金", "奖金", (("优秀", Decimal(2000)), ("良好", Decimal(800))), Decimal(0))
    card = Scorecard("总分", "总分", dimensions=(d1, d2))
    return Scheme("t", "month", "2026-03", "2026-03", card, grade, bonus)


def kpi(subject: str, period: str, indicator: str, value: str) -> dict[str, str]:
    """A kpi_values row."""
    return {"subject": subject, "period": period, "indicator": indicator, "value": value}


def rating(
    subject: str, evaluator: str, criterion: str, score: str, period: str = "2026-03"
) -> dict[str, str]:
    """A ratings row."""
    return {
        "subject": subject,
        "period": period,
        "evaluator": evaluator,
        "criterion": criterion,
        "score": score,
    }


TWO_BY_TWO_KPI = [
    kpi("一组", "2026-03", "响应率", "95"),
    kpi("一组", "2026-03", "产值", "132"),
    kpi("二组", "2026-03", "产值", "60"),
    kpi("三组", "2026-03", "响应率", "87"),
    kpi("三组", "2026-03", "产值", "120"),
]
TWO_BY_TWO_RATINGS = [
    rating("一组", "p", "a", "5"),
    rating("一组", "q", "a", "4"),
    rating("一组", "r", "a", "3"),
    rating("一组", "s", "a", "1"),
    rating("一组", "p", "b", "4"),
    rating("二组", "p", "b", "2"),
    rating("二组", "q", "b", "3"),
    rating("三组", "p", "a", "5"),
    rating("三组", "q", "a", "5"),
]


def test_reference_two_dimensions_by_hand() -> None:
    evaluation = evaluate(
        two_by_two_scheme(quotas=((F(34, 100), "优秀"),)), TWO_BY_TWO_KPI, TWO_BY_TWO_RATINGS
    )
    one, two, three = (evaluation.results[("2026-03", t)] for t in ("一组", "二组", "三组"))
    # 一组: 95% -> 100; 132/120*100 = 110 (cap 120 not reached); 效率 = .5*100 + .5*110 = 105
    # a: 5,4,3,1 trimmed -> (4+3)/2 = 3.5; b: 4; (3.5+4)/2 = 3.75 -> 3.75/5*100 = 75
    # total = .6*105 + .4*75 = 63 + 30 = 93
    assert (one.items["响应"], one.items["产值指标"], one.items["协作"]) == (100, 110, 75)
    assert (one.dimensions["效率"], one.total) == (105, 93)
    # 二组: 响应 excluded, 产值 60/120*100 = 50 -> 效率 50; a unrated (excluded),
    # b: (2+3)/2 = 2.5 -> 50; total = .6*50 + .4*50 = 50
    assert two.items["响应"] == EXCLUDED
    assert (two.dimensions["效率"], two.items["协作"], two.total) == (50, 50, 50)
    # 三组: 87% -> 80; 120/120 -> 100; 效率 90; a: 5 -> 100, b excluded; total 54 + 40 = 94
    assert (three.dimensions["效率"], three.total) == (90, 94)
    # bands: 93 and 94 优秀; at most 34% of 3 = floor(1.02) = 1: 三组 keeps it, 一组 moves
    assert (one.grade, two.grade, three.grade) == ("良好", "合格", "优秀")
    assert (one.bonus, two.bonus, three.bonus) == (800, 0, 2000)
    assert evaluation.ambiguities == []


def test_reference_quarter_rollup_and_carry() -> None:
    # Q1: 一组 80, -, 90 -> mean 85; Q2 nothing -> carried 85. 二组 Q2: 70, 71, 72 -> 71.
    metric = Metric("现场分", "现场", "现场", rollup="mean")
    indicator = Indicator("现场指标", "现场", F(1), metric, Direct(), missing=Policy("carry"))
    volume = Metric("台次数", "台次", "台次", rollup="sum")
    counted = Indicator("台次指标", "台次", F(1), volume, Direct(), missing=Policy("n/a"))
    card = Scorecard("总分", "总分", items=(indicator,))
    scheme = Scheme("t", "quarter", "2026-Q2", "2026-Q2", card)
    rows = [
        kpi("一组", "2026-01", "现场", "80"),
        kpi("一组", "2026-03", "现场", "90"),
        kpi("二组", "2026-04", "现场", "70"),
        kpi("二组", "2026-05", "现场", "71"),
        kpi("二组", "2026-06", "现场", "72"),
    ]
    results = evaluate(scheme, rows).results
    assert results[("2026-Q2", "一组")].total == 85
    assert results[("2026-Q2", "二组")].total == 71
    # sum: 3 + 4 = 7 over the months that have a value
    card = Scorecard("总分", "总分", items=(counted,))
    rows = [kpi("一组", "2026-04", "台次", "3"), kpi("一组", "2026-06", "台次", "4")]
    assert (
        evaluate(Scheme("t", "quarter", "2026-Q2", "2026-Q2", card), rows)
        .results[("2026-Q2", "一组")]
        .items["台次指标"]
        == 7
    )


def test_reference_deduct_cap_and_veto() -> None:
    score = Indicator(
        "现场指标", "现场", F(1), Metric("现场分", "现场", "现场"), Direct(), missing=Policy("n/a")
    )
    deduct_metric = Metric("三类投诉数", "三类投诉", "三类投诉", missing=Policy("default", F(0)))
    veto_metric = Metric("一类投诉数", "一类投诉", "一类投诉", missing=Policy("default", F(0)))
    card = Scorecard(
        "总分",
        "总分",
        items=(score,),
        cap=F(100),
        floor=F(0),
        deducts=(Deduct(F(2), deduct_metric, "三类"),),
        veto=Veto("一类", veto_metric, F(0), None, "良好", True),
    )
    grade = Grade("等级", "等级", ">=", ((F(90), "优秀"), (F(75), "良好")), "合格")
    bonus = Bonus("奖金", "奖金", (("优秀", Decimal(2000)), ("良好", Decimal(800))), Decimal(0))
    scheme = Scheme("t", "month", "2026-03", "2026-03", card, grade, bonus)
    rows = [
        kpi("一组", "2026-03", "现场", "100"),
        kpi("一组", "2026-03", "三类投诉", "3"),
        kpi("二组", "2026-03", "现场", "110"),
        kpi("二组", "2026-03", "一类投诉", "1"),
        kpi("三组", "2026-03", "现场", "5"),
        kpi("三组", "2026-03", "三类投诉", "4"),
    ]
    results = evaluate(scheme, rows).results
    one, two, three = (results[("2026-03", t)] for t in ("一组", "二组", "三组"))
    # 一组: 100 - 2 * 3 complaints = 94
    assert (one.total, one.grade, one.bonus) == (94, "优秀", 2000)
    # 二组: 110 capped at 100 -> 优秀 by band, capped to 良好 by the veto, no bonus
    assert (two.total, two.grade, two.bonus) == (100, "良好", 0)
    # 三组: 5 - 8 = -3, floored at 0
    assert (three.total, three.grade) == (0, "合格")


def test_reference_peer_rules() -> None:
    results = {
        s: SubjectResult(total=t)
        for s, t in {"a": F(90), "b": F(80), "c": F(80), "d": None}.items()
    }
    card = Scorecard("总分", "总分")
    scheme = Scheme("t", "month", "2026-03", "2026-03", card)
    rank = RankRule("排名", "排名", "总分", 2, Decimal(300))
    above = MeanRule("均值", "均值", "总分", Decimal(100), Decimal(50))
    apply_rule(scheme, rank, results)
    apply_rule(scheme, above, results)
    # ranks 1, 2, 2 (competition ranking), d n/a; mean 250/3 = 83.33
    assert [results[s].rules["排名"] for s in "abcd"] == [300, 300, 300, None]
    assert [results[s].rules["均值"] for s in "abcd"] == [100, -50, -50, None]


def test_reference_quotas_cascade_from_the_best_grade_down() -> None:
    # bands: 95, 92 -> 优秀; 91 -> 优秀; 80, 79 -> 良好. at most 20% 优秀 of 5 = 1: 95 keeps;
    # 92, 91 move to 良好, which now holds 92, 91, 80, 79; at most 40% 良好 = 2: 92, 91 keep.
    grade = Grade(
        "等级",
        "等级",
        ">=",
        ((F(90), "优秀"), (F(75), "良好")),
        "合格",
        ((F(1, 5), "优秀"), (F(2, 5), "良好")),
    )
    scheme = Scheme("t", "month", "2026-03", "2026-03", Scorecard("总分", "总分"), grade)
    results = {
        s: SubjectResult(total=F(t)) for s, t in zip("abcde", (95, 92, 91, 80, 79), strict=True)
    }
    assign_grades(scheme, results)
    assert [results[s].grade for s in "abcde"] == ["优秀", "良好", "良好", "合格", "合格"]


def test_reference_display_rounding() -> None:
    assert display_points(F(175, 2)) == "87.5"
    assert display_points(F(100)) == "100"
    assert display_points(F(200, 3)) == "66.6667"
    assert display_points(F(123445, 100000)) == "1.2345"  # half-up
    assert display_points(F(-123445, 100000)) == "-1.2345"
    assert display_points(F(-4, 100000)) == "0"
    assert display_amount(Decimal("1200.50")) == "1200.5"
    assert display_amount(Decimal(-200)) == "-200"


def test_generator_is_deterministic_and_free_of_open_questions() -> None:
    for seed in SEEDS:
        case = random_case(seed)
        again = random_case(seed)
        assert (case.text, case.data) == (again.text, again.data)
        evaluation = evaluate(case.scheme, case.data.kpi_rows(), case.data.rating_rows())
        assert evaluation.ambiguities == []


# ======================================================================================
# Running the engine and comparing
# ======================================================================================

KINDS = ("indicator", "rubric", "dimension", "scorecard", "grade", "bonus", "rule")


def run_engine(
    folder: Path, text: str, kpi_rows: list[dict], rating_rows: list[dict] | None
) -> list[dict[str, str]]:
    """Write the scheme and data into ``folder``, run them, return results.csv's rows."""
    scheme = folder / "scheme.assess"
    scheme.write_text(text, encoding="utf-8")
    data = folder / "data"
    data.mkdir()
    write_csv(data / "kpi_values.csv", kpi_rows, KPI_HEADER)
    if rating_rows is not None:
        write_csv(data / "ratings.csv", rating_rows, RATING_HEADER)
    outcome = invoke("run", scheme, "--data", data, "--out", folder / "out")
    assert outcome.exit_code == 0, f"{outcome.stderr}\n{outcome.stdout}\n--- scheme ---\n{text}"
    with (folder / "out" / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def row_problem(expected: ExpectedRow, got: dict[str, str]) -> str | None:
    """What is wrong with one result row, or None when it matches."""
    if got["kind"] != expected.kind:
        return f"kind {got['kind']!r}, expected {expected.kind!r}"
    if expected.kind in ("indicator", "rubric", "dimension", "scorecard"):
        if expected.points is None:
            na = got["points"] == "" and got["status"] != "ok"
            what = "excluded" if expected.excluded else "n/a"
            return (
                None
                if na
                else f"expected {what}, got points={got['points']!r} status={got['status']!r}"
            )
        want = display_points(expected.points)
        return (
            None
            if got["points"] == want
            else f"expected points {want} "
            f"({expected.points}), got {got['points']!r} (status {got['status']!r})"
        )
    if expected.kind == "grade":
        want = expected.grade or ""
        ok = got["grade"] == want and (want or got["status"] == "n/a")
        return (
            None
            if ok
            else f"expected grade {want or 'n/a'!r}, got {got['grade']!r} "
            f"(status {got['status']!r})"
        )
    if expected.amount is None:
        ok = got["status"] == "n/a" and got["amount"] in ("", "0")
        return (
            None if ok else f"expected n/a, got amount={got['amount']!r} status={got['status']!r}"
        )
    want = display_amount(expected.amount)
    return (
        None
        if got["amount"] == want
        else f"expected amount {want}, got {got['amount']!r} (status {got['status']!r})"
    )


def mismatches(expected: list[ExpectedRow], results: list[dict[str, str]]) -> list[str]:
    """Every difference between the expected rows and the engine's rows of our kinds."""
    index: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for row in results:
        if row["kind"] in KINDS:
            index.setdefault((row["period"], row["subject"], row["item"]), []).append(row)
    problems = []
    for want in expected:
        key = (want.period, want.subject, want.item)
        found = index.pop(key, [])
        where = f"period={want.period} subject={want.subject} item={want.item}"
        if len(found) != 1:
            problems.append(f"{where}: {len(found)} result rows, expected one {want.kind} row")
            continue
        problem = row_problem(want, found[0])
        if problem:
            problems.append(f"{where}: {problem}; explanation: {found[0]['explanation']!r}")
    problems.extend(
        f"period={p} subject={s} item={i}: unexpected row(s) {[r['kind'] for r in rows]}"
        for (p, s, i), rows in sorted(index.items())
    )
    return problems


def assert_agrees(
    label: str, text: str, expected: list[ExpectedRow], results: list[dict[str, str]]
) -> None:
    """Fail with every mismatch, the case's label and the scheme text."""
    problems = mismatches(expected, results)
    shown = "\n".join(problems[:30]) + (
        f"\n... {len(problems) - 30} more" if len(problems) > 30 else ""
    )
    assert not problems, f"{label}: {len(problems)} mismatches\n{shown}\n--- scheme ---\n{text}"


# ======================================================================================
# 2. HAND-WORKED ENGINE CASES
# ======================================================================================

TWO_BY_TWO_TEXT = """\
scheme "两维度手算"
  period month  window 2026-03 .. 2026-03
role team "小组" from kpi_values.subject
scorecard 总分 "总分" for team
  dimension 效率 "效率" weight 60%
    indicator 响应 "响应率" weight 50%
      value kpi_percent("响应率")
      bands >= 95% -> 100 | >= 85% -> 80 | >= 70% -> 50 | else 0
      missing exclude
    indicator 产值指标 "产值" weight 50%
      value kpi("产值")
      attainment of 120  cap 120  missing n/a
  dimension 团队 "团队" weight 40%
    rubric 协作 "协作" weight 100%
      scale 1..5  aggregate trimmed mean  criteria a, b  missing exclude
grade 等级 "等级" for team on 总分
  >= 90 -> "优秀" | >= 75 -> "良好" | else "合格"
  at most 34% "优秀"
bonus 奖金 "奖金" for team by 等级 "优秀" -> 2000 元 | "良好" -> 800 元 | else 0
"""


def points_of(
    results: list[dict[str, str]], subject: str, item: str, column: str = "points"
) -> str:
    """One cell of the only row of a subject and item."""
    [row] = [r for r in results if r["subject"] == subject and r["item"] == item]
    return row[column]


def test_engine_two_dimensions_by_hand(tmp_path: Path) -> None:
    results = run_engine(tmp_path, TWO_BY_TWO_TEXT, TWO_BY_TWO_KPI, TWO_BY_TWO_RATINGS)
    # 一组: 95% -> 100, 132/120 -> 110, 效率 105; ratings a 5,4,3,1 -> trimmed 3.5, b 4 ->
    # 3.75/5 -> 75; total .6*105 + .4*75 = 93 -> band 优秀, quota floor(.34*3) = 1 -> 良好
    assert [
        points_of(results, "一组", i) for i in ("响应", "产值指标", "效率", "协作", "团队", "总分")
    ] == ["100", "110", "105", "75", "75", "93"]
    assert points_of(results, "一组", "等级", "grade") == "良好"
    assert points_of(results, "一组", "奖金", "amount") == "800"
    # 二组: 响应 excluded, 效率 = 50 alone; b (2+3)/2 = 2.5 -> 50; total 50 -> 合格, 0
    assert points_of(results, "二组", "响应") == ""
    assert [points_of(results, "二组", i) for i in ("效率", "协作", "总分")] == ["50"] * 3
    assert points_of(results, "二组", "奖金", "amount") == "0"
    # 三组: 87% -> 80, 120/120 -> 100, 效率 90; a 5,5 -> 100 (b excluded); 54 + 40 = 94
    assert [points_of(results, "三组", i) for i in ("效率", "协作", "总分")] == ["90", "100", "94"]
    assert points_of(results, "三组", "等级", "grade") == "优秀"
    assert points_of(results, "三组", "奖金", "amount") == "2000"


QUARTER_TEXT = """\
scheme "季度手算"
  period quarter  window 2026-Q2 .. 2026-Q2
role team "小组" from kpi_values.subject
metric 现场分 "现场评分" for team = kpi("现场") rollup mean
metric 台次数 "台次" for team = kpi("台次") rollup sum
metric 满意率 "满意度" for team = kpi_percent("满意度") rollup last
scorecard 总分 "总分" for team  missing carry
  indicator 现场指标 "现场" weight 50%
    value 现场分
    score
  indicator 台次指标 "台次" weight 20%
    value 台次数
    linear 0 -> 0, 10 -> 100
  indicator 满意 "满意度" weight 30%
    value 满意率
    linear 50% -> 0, 100% -> 100
"""

QUARTER_KPI = [
    kpi("一组", "2026-01", "现场", "80"),
    kpi("一组", "2026-03", "现场", "90"),
    kpi("一组", "2026-04", "台次", "3"),
    kpi("一组", "2026-06", "台次", "4"),
    kpi("一组", "2026-04", "满意度", "90"),
    kpi("一组", "2026-05", "满意度", "70"),
    kpi("二组", "2026-04", "现场", "70"),
    kpi("二组", "2026-05", "现场", "71"),
    kpi("二组", "2026-06", "现场", "72.5"),
    kpi("二组", "2026-02", "台次", "12"),
    kpi("二组", "2026-01", "满意度", "80"),
]


def test_engine_quarter_rollups_and_carry_by_hand(tmp_path: Path) -> None:
    results = run_engine(tmp_path, QUARTER_TEXT, QUARTER_KPI, None)
    q2 = [r for r in results if r["period"] == "2026-Q2"]
    # 一组: 现场 Q2 has no month -> carried from Q1: mean(80, 90) = 85;
    # 台次 sum 3 + 4 = 7 -> 70; 满意度 last month with a value (May) 70% -> 40
    # total .5*85 + .2*70 + .3*40 = 42.5 + 14 + 12 = 68.5
    assert [points_of(q2, "一组", i) for i in ("现场指标", "台次指标", "满意", "总分")] == [
        "85",
        "70",
        "40",
        "68.5",
    ]
    # 二组: 现场 mean(70, 71, 72.5) = 71.1667; 台次 carried from Q1: 12 -> 100 (clamped);
    # 满意 carried from Q1: last = 80% -> 60; total 35.58333 + 20 + 18 = 73.5833
    assert [points_of(q2, "二组", i) for i in ("现场指标", "台次指标", "满意", "总分")] == [
        "71.1667",
        "100",
        "60",
        "73.5833",
    ]


VETO_TEXT = """\
scheme "否决与扣分手算"
  period month  window 2026-03 .. 2026-03
role team "小组" from kpi_values.subject
metric 三类投诉数 "三类投诉" for team = kpi("三类投诉") missing 0
metric 一类投诉数 "一类投诉" for team = kpi("一类投诉") missing 0
scorecard 总分 "总分" for team  cap 100  floor 0
  indicator 现场指标 "现场" weight 100%
    value kpi("现场")
    score
    missing 60
  deduct 2 * 三类投诉数 "三类投诉每件扣2分"
  veto "一类投诉" when 一类投诉数 > 0 score 0 cap grade "良好" no bonus
grade 等级 "等级" for team on 总分
  >= 90 -> "优秀" | >= 75 -> "良好" | else "合格"
  at most 50% "优秀"
bonus 奖金 "奖金" for team by 等级 "优秀" -> 2000 元 | "良好" -> 800 元 | else 100 元
rule 排名 "排名奖" for team
  when rank(总分 over all) <= 2 reward 300
  otherwise 0
"""

VETO_KPI = [
    kpi("一组", "2026-03", "现场", "100"),
    kpi("一组", "2026-03", "三类投诉", "3"),
    kpi("二组", "2026-03", "现场", "110"),
    kpi("二组", "2026-03", "一类投诉", "1"),
    kpi("三组", "2026-03", "现场", "94"),
    kpi("四组", "2026-03", "三类投诉", "1"),
]


def test_engine_deduct_veto_quota_and_rank_by_hand(tmp_path: Path) -> None:
    results = run_engine(tmp_path, VETO_TEXT, VETO_KPI, None)
    # 一组 100 - 2*3 = 94; 二组 110 -> vetoed: score 0; 三组 94; 四组 no 现场 -> 60, -2 = 58
    assert [points_of(results, s, "总分") for s in ("一组", "二组", "三组", "四组")] == [
        "94",
        "0",
        "94",
        "58",
    ]
    # bands: 一组 and 三组 优秀 (94 tie), at most 50% of 4 = 2 -> both keep it;
    # 二组 0 -> 合格 (the veto's cap 良好 changes nothing); 四组 58 -> 合格
    assert [points_of(results, s, "等级", "grade") for s in ("一组", "二组", "三组", "四组")] == [
        "优秀",
        "合格",
        "优秀",
        "合格",
    ]
    # 二组's veto says no bonus: 0 instead of 合格's 100
    assert [points_of(results, s, "奖金", "amount") for s in ("一组", "二组", "三组", "四组")] == [
        "2000",
        "0",
        "2000",
        "100",
    ]
    # ranks: 一组 1, 三组 1 (tie), 四组 3, 二组 4 -> the two tied firsts get 300
    assert [points_of(results, s, "排名", "amount") for s in ("一组", "二组", "三组", "四组")] == [
        "300",
        "0",
        "300",
        "0",
    ]


# ======================================================================================
# 3. RANDOM CASES AGAINST THE REFERENCE
# ======================================================================================


def run_random_case(case: Case, folder: Path) -> list[dict[str, str]]:
    """Write a random case and run it through the command line."""
    scheme = folder / "scheme.assess"
    scheme.write_text(case.text, encoding="utf-8")
    write_dataset(case.data, folder / "data", case.has_rubrics)
    outcome = invoke("run", scheme, "--data", folder / "data", "--out", folder / "out")
    assert outcome.exit_code == 0, (
        f"seed {case.seed}: the run failed\n{outcome.stderr}{outcome.stdout}\n"
        f"--- scheme ---\n{case.text}"
    )
    with (folder / "out" / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("seed", SEEDS)
def test_engine_agrees_with_reference_on_random_schemes(seed: int, tmp_path: Path) -> None:
    case = random_case(seed)
    results = run_random_case(case, tmp_path)
    evaluation = evaluate(case.scheme, case.data.kpi_rows(), case.data.rating_rows())
    assert_agrees(f"seed {seed}", case.text, evaluation.rows(case.scheme), results)
