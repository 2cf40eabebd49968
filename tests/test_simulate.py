"""`assessor simulate`: the same scheme under two parameter values, and a scheme against a
candidate, side by side. Expected figures come from the acceptance data's independently
computed outcomes for lapses of 8 and 12 months, not from the program.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from conftest import ACCEPTANCE, TEMPLATE, invoke

# the acceptance files give one store_manager row for the template's three store-level roles
STORE_ROLES = ("workshop_supervisor", "service_manager", "golden_bowtie")


def _expected(lapse: int) -> dict[str, dict[tuple[str, str], Decimal]]:
    by_period: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    with (ACCEPTANCE / f"expected-lapse{lapse}.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            roles = STORE_ROLES if row["role"] == "store_manager" else (row["role"],)
            for role in roles:
                by_period[row["period"]][(role, row["subject"])] = Decimal(row["amount"])
    return by_period


def _figures(amounts: dict[tuple[str, str], Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    rewards = sum((a for a in amounts.values() if a > 0), Decimal(0))
    penalties = sum((-a for a in amounts.values() if a < 0), Decimal(0))
    return rewards - penalties, rewards, penalties


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_varying_the_lapse_matches_the_independent_outcomes(tmp_path: Path) -> None:
    out = tmp_path / "simulation.csv"
    outcome = invoke(
        "simulate", TEMPLATE, "--data", ACCEPTANCE / "data", "--vary", "lapse_months=8,12",
        "--out", out,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    eight, twelve = _expected(8), _expected(12)
    rows = _rows(out)
    assert [r["variant"] for r in rows] == ["lapse_months=8"] * 5 + ["lapse_months=12"] * 5
    for row in rows:
        expected = (eight if row["variant"].endswith("=8") else twelve)[row["period"]]
        payout, rewards, penalties = _figures(expected)
        assert Decimal(row["payout"]) == payout, row
        assert Decimal(row["rewards"]) == rewards, row
        assert Decimal(row["penalties"]) == penalties, row
        changed = 0
        if row["variant"].endswith("=12"):
            before, after = eight[row["period"]], twelve[row["period"]]
            changed = sum(before.get(k) != after.get(k) for k in before.keys() | after.keys())
        assert int(row["changed"]) == changed, row


def test_a_candidate_scheme_against_the_current_one(tmp_path: Path) -> None:
    candidate = tmp_path / "candidate.assess"
    # the candidate pays the advisor groups 300 instead of 200 either way
    candidate.write_text(
        TEMPLATE.read_text("utf-8")
        .replace("reward 200", "reward 300")
        .replace("penalty 200", "penalty 300"),
        "utf-8",
    )
    page = tmp_path / "simulation.html"
    outcome = invoke(
        "simulate", TEMPLATE, "--data", ACCEPTANCE / "data", "--against", candidate,
        "--out", page,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    assert "<svg" in page.read_text("utf-8") and "<script" not in page.read_text("utf-8")


def test_simulate_needs_exactly_one_way_to_vary() -> None:
    outcome = invoke("simulate", TEMPLATE, "--data", ACCEPTANCE / "data")
    assert outcome.exit_code == 2
    assert "give one of --vary" in outcome.stderr
