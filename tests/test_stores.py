"""Schemes assessed per store (`stores by`): a dealer group's data in one run gives each store
the outcomes it would get alone. The expected outcomes of each store come from the independent
reference implementation (churn_reference) run on that store's own rows.

The three stores share advisor group names and customer ids on purpose: a store's customers
and groups must never meet another store's.
"""

from __future__ import annotations

import csv
import re
from fractions import Fraction
from pathlib import Path

import pytest
from churn_reference import format_period, load_visits, parse_period, reference_outcomes, store_rate
from conftest import ACCEPTANCE, invoke, run_scheme
from test_churn_engine import as_expected_rows, read_expected, read_expected_rows
from test_templates import CATALOGUE

GROUP_SCHEME = """\
scheme "集团流失率考核 / group churn" extends "auto-aftersales/churn-control"
  stores by store
"""
RENAMED = {"Alpha": "Bravo", "Bravo": "Charlie", "Charlie": "Alpha"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _stores() -> dict[str, tuple[list[dict], list[dict]]]:
    """Three stores made from the acceptance data: as it is, every visit but each third one,
    and with three groups' names rotated; each store's visits and follow-ups.
    """
    visits = _read(ACCEPTANCE / "data" / "visits.csv")
    followups = _read(ACCEPTANCE / "data" / "followups.csv")

    def renamed(row: dict, column: str) -> dict:
        return {**row, column: RENAMED.get(row[column], row[column])}

    return {
        "北京店": (visits, followups),
        "上海店": ([v for v in visits if int(v["visit_id"]) % 3], followups),
        "广州店": (
            [renamed(v, "advisor_group") for v in visits],
            [renamed(f, "advisor_group") for f in followups],
        ),
    }


@pytest.fixture(scope="module")
def group_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three stores' rows in one data folder, each row with its ``store``; and each
    store's own rows in a folder of its name."""
    root = tmp_path_factory.mktemp("stores")
    (root / "group").mkdir()
    visits, followups = [], []
    for store, (own_visits, own_followups) in _stores().items():
        (root / store).mkdir()
        _write(root / store / "visits.csv", own_visits)
        _write(root / store / "followups.csv", own_followups)
        visits += [{"store": store, **v} for v in own_visits]
        followups += [{"store": store, **f} for f in own_followups]
    _write(root / "group" / "visits.csv", visits)
    _write(root / "group" / "followups.csv", followups)
    (root / "group.assess").write_text(GROUP_SCHEME, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def group_results(group_data: Path) -> list[dict[str, str]]:
    return run_scheme(group_data / "group.assess", group_data / "group", group_data / "out")


@pytest.mark.parametrize("store", ["北京店", "上海店", "广州店"])
def test_each_store_gets_what_it_would_alone(
    store: str, group_data: Path, group_results: list[dict[str, str]]
) -> None:
    own = [r for r in group_results if r["store"] == store]
    expected = reference_outcomes(
        group_data / store / "visits.csv",
        group_data / store / "followups.csv",
        "2015-08",
        "2015-12",
        8,
    )
    assert as_expected_rows(own) == read_expected_rows(expected)


def test_the_unchanged_store_matches_the_acceptance_set(
    group_results: list[dict[str, str]],
) -> None:
    own = [r for r in group_results if r["store"] == "北京店"]
    assert as_expected_rows(own) == read_expected(ACCEPTANCE / "expected-lapse8.csv")


def test_every_row_names_its_store(group_results: list[dict[str, str]], group_data: Path) -> None:
    assert {r["store"] for r in group_results} == {"北京店", "上海店", "广州店"}
    totals = _read(group_data / "out" / "totals.csv")
    assert list(totals[0])[:2] == ["store", "period"]


def test_explain_names_a_subject_with_its_store(group_data: Path) -> None:
    run = ("--data", group_data / "group", "--period", "2015-09")
    scheme = group_data / "group.assess"
    ambiguous = invoke("explain", "Alpha", "--scheme", scheme, *run)
    assert ambiguous.exit_code == 2
    assert "北京店 / Alpha" in ambiguous.stderr
    chosen = invoke("explain", "上海店 / Alpha", "--scheme", scheme, *run)
    assert chosen.exit_code == 0, chosen.stderr
    assert chosen.stdout.startswith("上海店 / Alpha 2015-09")
    # the lost customers listed are 上海店's: it has no visit whose number divides by 3
    listed = re.findall(r"(?:visit number|来访编号) (\d+)", chosen.stdout)
    assert listed and all(int(n) % 3 for n in listed)


def test_a_table_without_the_store_column_is_an_error(group_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "visits.csv").write_bytes((group_data / "group" / "visits.csv").read_bytes())
    (data / "followups.csv").write_bytes((ACCEPTANCE / "data" / "followups.csv").read_bytes())
    outcome = invoke("run", group_data / "group.assess", "--data", data, "--out", tmp_path / "o")
    assert outcome.exit_code == 1
    assert "E302" in outcome.stderr and "'store'" in outcome.stderr


BRAND_SCHEME = """\
scheme "品牌对标 / brand benchmark" extends "auto-aftersales/churn-control"
  stores by store

metric brand_churn "品牌门店平均流失率 / brand mean" = mean(store_churn over brand)
metric store_rank "门店流失率排名 / store rank" = rank(store_churn over brand, ascending)

rule brand_benchmark "门店对标品牌 / store against brand" for service_manager
  when store_churn < brand_churn  reward 300
  when store_churn > brand_churn  penalty 300
  otherwise 0
"""


def test_stores_are_compared_with_the_brand(group_data: Path, tmp_path: Path) -> None:
    """The brand's value is the unweighted mean of the stores' exact rates, computed here
    from each store's own visits with the reference implementation."""
    scheme = tmp_path / "brand.assess"
    scheme.write_text(BRAND_SCHEME, encoding="utf-8")
    results = run_scheme(scheme, group_data / "group", tmp_path / "out")
    paid = {
        (r["period"], r["store"]): r["amount"] for r in results if r["item"] == "brand_benchmark"
    }
    visits = {s: load_visits(group_data / s / "visits.csv") for s in ("北京店", "上海店", "广州店")}
    expected = {}
    for month in range(parse_period("2015-08"), parse_period("2015-12") + 1):
        rates = {s: store_rate(v, month, 8) for s, v in visits.items()}
        brand = sum(rates.values(), Fraction(0)) / len(rates)
        for store, rate in rates.items():
            amount = 300 if rate < brand else -300 if rate > brand else 0
            expected[(format_period(month), store)] = str(amount)
    assert paid == expected


def _two_stores(data: Path, into: Path) -> None:
    """Every table of ``data`` twice, once per store: 甲店 and 乙店 have the same records."""
    into.mkdir()
    for table in data.glob("*.csv"):
        rows = _read(table)
        if not rows:
            (into / table.name).write_text("store," + table.read_text("utf-8"), encoding="utf-8")
            continue
        _write(into / table.name, [{"store": s, **r} for s in ("甲店", "乙店") for r in rows])


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e["id"])
def test_two_identical_stores_each_get_the_single_store_results(
    entry: dict, tmp_path: Path
) -> None:
    """A metamorphic check of every template: two stores with the same records each get
    exactly the results the records get as one store (counts, peers, ranks, quotas, pools
    and baselines are all taken within a store)."""
    span = ("--from", entry["from"], "--to", entry["to"])
    alone = run_scheme(Path(entry["path"]), Path(entry["sample_data"]), tmp_path / "one", *span)
    _two_stores(Path(entry["sample_data"]), tmp_path / "data")
    scheme = tmp_path / "group.assess"
    scheme.write_text(f'scheme "两店" extends "{entry["id"]}"\n  stores by store\n', "utf-8")
    both = run_scheme(scheme, tmp_path / "data", tmp_path / "two", *span)
    for store in ("甲店", "乙店"):
        own = [{k: v for k, v in r.items() if k != "store"} for r in both if r["store"] == store]
        assert own == alone, store


def test_the_scheme_document_says_it_assesses_each_store(group_data: Path) -> None:
    document = invoke("doc", group_data / "group.assess")
    assert document.exit_code == 0, document.stderr
    assert "各门店分别考核（门店列 store）" in document.stdout
