"""Write sample-data/ratings.csv for the electrical-equipment team template (crm-team.assess).

Deterministic (a seeded random generator): running it again writes the same file. The criteria
and scales are read from the scheme itself, so the sample follows any edit to the rubrics.

Four teams, four evaluators, every criterion of the 20 rubrics, rated in the last month of
2026-Q1 and 2026-Q2. Two gaps are left on purpose so that ``missing exclude`` is visible:
one evaluator skipped one criterion, and nobody rated 应急预案 for one team in 2026-Q2.

Run with the project's Python: ``.venv/bin/python schemes/electrical-equipment/make_sample.py``.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from assessor.syntax import ast
from assessor.syntax.parser import parse

HERE = Path(__file__).resolve().parent
SCHEME = HERE / "crm-team.assess"
OUTPUT = HERE / "sample-data" / "ratings.csv"
SEED = 1001

# Each team's level on the 1-5 scale: the mean rating it tends to get.
TEAMS = {"华东大区组": 4.5, "华南大区组": 4.0, "华北大区组": 3.6, "西部大区组": 3.1}
EVALUATORS = ("销售副总", "客服总监", "质量经理", "外部顾问")
# How each evaluator leans: one is lenient, one harsh, so the trimmed mean has work to do.
LEANING = {"销售副总": 0.5, "客服总监": 0.0, "质量经理": -0.2, "外部顾问": -0.6}
MONTHS = ("2026-03", "2026-06")
SKIPPED = {("华南大区组", "2026-03", "外部顾问", "数据安全")}
UNRATED = {("华北大区组", "2026-06", "应急预案")}


def rubrics(path: Path) -> list[ast.Rubric]:
    """The rubrics of the scheme's scorecard, in order."""
    tree = parse(path.read_text(encoding="utf-8"), str(path))
    card = next(d for d in tree.declarations if isinstance(d, ast.ScorecardDecl))
    return [item for item in card.items if isinstance(item, ast.Rubric)]


def rating(rng: random.Random, level: float, rubric: ast.Rubric) -> str:
    """One rating near ``level``: a number 1-5, or the scale's letter for that number."""
    value = min(5, max(1, round(level + rng.gauss(0, 0.7))))
    scale = rubric.scale
    if scale is not None and scale.letters:
        return next(letter for letter, points in scale.letters if points.value == value)
    return str(value)


def sample_rows(seed: int = SEED) -> list[tuple[str, str, str, str, str]]:
    """Every rating row: subject, period, evaluator, criterion, score."""
    rng = random.Random(seed)
    rows = []
    found = rubrics(SCHEME)
    for month in MONTHS:
        for team, level in TEAMS.items():
            # a team's form changes a little from quarter to quarter
            form = level + rng.uniform(-0.3, 0.3)
            for evaluator in EVALUATORS:
                for rubric in found:
                    for criterion in rubric.criteria:
                        name = criterion.text
                        if (team, month, evaluator, name) in SKIPPED:
                            continue
                        if (team, month, name) in UNRATED:
                            continue
                        score = rating(rng, form + LEANING[evaluator], rubric)
                        rows.append((team, month, evaluator, name, score))
    return rows


def main() -> None:
    """Write the sample ratings file."""
    OUTPUT.parent.mkdir(exist_ok=True)
    with OUTPUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("subject", "period", "evaluator", "criterion", "score"))
        writer.writerows(sample_rows())


if __name__ == "__main__":
    main()
