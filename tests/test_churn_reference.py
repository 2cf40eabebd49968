"""The reference implementation of churn-control, checked against data worked out elsewhere.

- The public acceptance set (two independent implementations agree on it).
- The hand-worked cases in ``cases/churn``: each ``case.yaml`` derives every number of its
  ``expected.csv`` by hand.
- The random dataset generator: deterministic, and within the bounds it promises.
"""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from churn_random import UNKNOWN_GROUP, random_dataset
from churn_reference import (
    COLUMNS,
    format_period,
    format_rate,
    parse_period,
    reference_outcomes,
)

HERE = Path(__file__).parent
ACCEPTANCE = HERE / "acceptance" / "churn-control"
CASES = HERE / "cases" / "churn"
CASE_DIRS = sorted(path for path in CASES.iterdir() if path.is_dir())
DEFAULT_LAPSE_MONTHS = 8


def read_expected(path: Path) -> list[dict]:
    """An expected-outcome CSV as a list of dicts, all values strings."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def as_lines(rows: list[dict]) -> list[str]:
    """Rows as CSV-like lines, so that a failing comparison shows a readable diff."""
    return [",".join(row[column] for column in COLUMNS) for row in rows]


@pytest.mark.parametrize("lapse_months", [8, 12])
def test_reference_reproduces_acceptance_set(lapse_months: int) -> None:
    expected = read_expected(ACCEPTANCE / f"expected-lapse{lapse_months}.csv")
    actual = reference_outcomes(
        ACCEPTANCE / "data" / "visits.csv",
        ACCEPTANCE / "data" / "followups.csv",
        "2015-08",
        "2015-12",
        lapse_months,
    )
    assert as_lines(actual) == as_lines(expected)


def test_there_are_hand_worked_cases() -> None:
    assert len(CASE_DIRS) >= 5


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[path.name for path in CASE_DIRS])
def test_case_folder_is_complete(case_dir: Path) -> None:
    case = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    assert set(case) == {"description", "from", "to", "set", "derivation"}
    assert "\n" not in case["description"].strip()
    assert isinstance(case["set"], dict)
    assert parse_period(case["from"]) <= parse_period(case["to"])
    visits = (case_dir / "visits.csv").read_text(encoding="utf-8").splitlines()
    assert 5 <= len(visits) - 1 <= 25
    assert (case_dir / "followups.csv").is_file()
    expected = read_expected(case_dir / "expected.csv")
    assert expected == sorted(
        expected, key=lambda row: (row["period"], row["role"], row["subject"])
    )


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[path.name for path in CASE_DIRS])
def test_hand_cases_agree_with_reference(case_dir: Path) -> None:
    case = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    lapse_months = case["set"].get("lapse_months", DEFAULT_LAPSE_MONTHS)
    actual = reference_outcomes(
        case_dir / "visits.csv", case_dir / "followups.csv", case["from"], case["to"], lapse_months
    )
    assert as_lines(actual) == as_lines(read_expected(case_dir / "expected.csv"))


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (None, ""),
        (Fraction(0), "0.0000"),
        (Fraction(1), "100.0000"),
        (Fraction(1, 8), "12.5000"),
        (Fraction(2, 3), "66.6667"),
        (Fraction(1, 80_000), "0.0013"),  # 0.00125 % exactly: half-up, not half-even
        (Fraction(3, 80_000), "0.0038"),  # 0.00375 %
        (Fraction(1, 3) - Fraction(1, 10**9), "33.3333"),
    ],
)
def test_rates_are_shown_in_percent_rounded_half_up(rate: Fraction | None, shown: str) -> None:
    assert format_rate(rate) == shown


@pytest.mark.parametrize("seed", range(30))
def test_random_dataset_keeps_its_promises(seed: int, tmp_path: Path) -> None:
    window = random_dataset(seed, tmp_path)
    with (tmp_path / "visits.csv").open(newline="") as handle:
        visits = list(csv.DictReader(handle))
    with (tmp_path / "followups.csv").open(newline="") as handle:
        followed = list(csv.DictReader(handle))

    assert 50 <= len(visits) <= 400
    assert len({row["visit_id"] for row in visits}) == len(visits)
    groups = {row["advisor_group"] for row in visits}
    assert 3 <= len(groups) <= 6
    assert UNKNOWN_GROUP in {row["advisor_group"] for row in followed}
    assert UNKNOWN_GROUP not in groups
    same_day = {(row["customer_id"], row["visit_date"]) for row in visits}
    assert len(same_day) < len(visits)

    months = sorted({parse_period(row["visit_date"][:7]) for row in visits})
    first_seen = {
        group: min(
            parse_period(row["visit_date"][:7]) for row in visits if row["advisor_group"] == group
        )
        for group in groups
    }
    assert max(first_seen.values()) > months[0]

    lapse = window["lapse_months"]
    start, end = parse_period(window["from"]), parse_period(window["to"])
    assert 1 <= lapse <= 4
    assert 2 <= end - start + 1 <= 4
    assert months[0] <= start - lapse and end <= months[-1]

    again = tmp_path / "again"
    assert random_dataset(seed, again) == window
    assert (again / "visits.csv").read_bytes() == (tmp_path / "visits.csv").read_bytes()
    rows = reference_outcomes(
        tmp_path / "visits.csv", tmp_path / "followups.csv", window["from"], window["to"], lapse
    )
    store_periods = [row["period"] for row in rows if row["role"] == "store_manager"]
    assert store_periods == [format_period(month) for month in range(start, end + 1)]
