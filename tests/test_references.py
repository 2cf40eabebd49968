"""A mapping table naming a member that is no subject is reported (W301, a warning): the
follow-up assignments name a group the visits never name, so the specialist's mean leaves it
out. The results are those without the unknown group.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from conftest import invoke

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "schemes" / "auto-aftersales" / "churn-control.assess"
ACCEPTANCE = ROOT / "tests" / "acceptance" / "churn-control" / "data"


def _with_followups(folder: Path, *extra: tuple[str, str]) -> Path:
    shutil.copytree(ACCEPTANCE, folder)
    with (folder / "followups.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(extra)
    return folder


def _results(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_an_unknown_group_in_the_followups_is_named_and_left_out(tmp_path: Path) -> None:
    data = _with_followups(tmp_path / "data", ("Li Na", "Alpah"), ("Zhao Lei", "Delta '1'"))
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    warnings = [line for line in outcome.stderr.splitlines() if "W301" in line]
    assert len(warnings) == 1, outcome.stderr
    assert "followups.advisor_group names 'Alpah', \"Delta '1'\"" in warnings[0]
    assert "visits.advisor_group never names" in warnings[0]
    assert "followups.csv" in outcome.stderr
    # Li Na's mean is over the groups that have rates, as without the typo; the new specialist
    # follows only the unknown group: no rate, so n/a
    clean = invoke("run", TEMPLATE, "--data", ACCEPTANCE, "--out", tmp_path / "clean")
    assert clean.exit_code == 0, clean.stderr
    with_typo = [r for r in _results(tmp_path / "out") if r["subject"] != "Zhao Lei"]
    assert with_typo == _results(tmp_path / "clean")
    zhao = [r for r in _results(tmp_path / "out") if r["subject"] == "Zhao Lei"]
    assert zhao and {r["status"] for r in zhao} == {"n/a"}


def test_known_groups_give_no_warning(tmp_path: Path) -> None:
    outcome = invoke("run", TEMPLATE, "--data", ACCEPTANCE, "--out", tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    assert "W301" not in outcome.stderr
