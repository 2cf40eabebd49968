"""The churn-control template, run through the whole command line, against expected outcomes
worked out by hand (cases/churn), by the public acceptance set, and by an independent
reference implementation on random stores.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from churn_random import random_dataset
from churn_reference import reference_outcomes
from conftest import ACCEPTANCE, STORE_ROLES, TEMPLATE, run_scheme

CASES = sorted(p for p in (Path(__file__).parent / "cases" / "churn").iterdir() if p.is_dir())


def run_template(data: Path, out: Path, first: str, last: str, lapse: int | None = None):
    """Run the template and return its results.csv rows."""
    overrides = ["--set", f"lapse_months={lapse}"] if lapse is not None else []
    return run_scheme(TEMPLATE, data, out, "--from", first, "--to", last, *overrides)


def as_expected_rows(results: list[dict]) -> list[dict]:
    """Our rows in the expected files' shape: the three store roles must agree and fold into
    one ``store_manager`` row."""
    folded: dict[tuple, dict] = {}
    for row in results:
        role = "store_manager" if row["role"] in STORE_ROLES else row["role"]
        key = (row["period"], role, row["subject"])
        shaped = {
            "period": row["period"],
            "role": role,
            "subject": row["subject"],
            "rate": row["value"],
            "amount": row["amount"],
            "status": row["status"],
        }
        assert folded.setdefault(key, shaped) == shaped, f"store roles disagree at {key}"
    return [folded[k] for k in sorted(folded)]


def read_expected(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return sorted(rows, key=lambda r: (r["period"], r["role"], r["subject"]))


@pytest.mark.parametrize("lapse", [8, 12])
def test_acceptance_set(lapse: int, tmp_path: Path) -> None:
    results = run_template(
        ACCEPTANCE / "data", tmp_path, "2015-08", "2015-12", None if lapse == 8 else lapse
    )
    assert as_expected_rows(results) == read_expected(ACCEPTANCE / f"expected-lapse{lapse}.csv")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hand_worked_case(case: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load((case / "case.yaml").read_text("utf-8"))
    lapse = (spec.get("set") or {}).get("lapse_months")
    results = run_template(case, tmp_path, spec["from"], spec["to"], lapse)
    assert as_expected_rows(results) == read_expected(case / "expected.csv")


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_reference_on_random_stores(seed: int, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    window = random_dataset(seed, data)
    results = run_template(
        data, tmp_path / "out", window["from"], window["to"], window["lapse_months"]
    )
    expected = reference_outcomes(
        data / "visits.csv",
        data / "followups.csv",
        window["from"],
        window["to"],
        window["lapse_months"],
    )
    assert as_expected_rows(results) == read_expected_rows(expected)


def read_expected_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["period"], r["role"], r["subject"]))


def test_every_amount_has_an_explanation(tmp_path: Path) -> None:
    results = run_template(ACCEPTANCE / "data", tmp_path, "2015-08", "2015-12")
    alpha = next(r for r in results if r["period"] == "2015-08" and r["subject"] == "Alpha")
    # 13/58 = 22.41379...% and 41/228 = 17.98245...%, rounded half-up to 4 decimals
    assert alpha["explanation"] == (
        "group churn 22.4138% (13/58) > store churn 17.9825% (41/228): penalty 200"
    )
    assert all(r["explanation"] for r in results)


def test_explanations_in_chinese(tmp_path: Path) -> None:
    rows = run_scheme(
        TEMPLATE,
        ACCEPTANCE / "data",
        tmp_path,
        "--from",
        "2015-08",
        "--to",
        "2015-08",
        "--lang",
        "zh",
    )
    explanations = [r["explanation"] for r in rows]
    assert (
        "组月流失率 22.4138%（13/58） > 售后月流失率 17.9825%（41/228），处罚 200" in explanations
    )


def test_same_inputs_give_byte_identical_outputs(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        run_template(ACCEPTANCE / "data", out, "2015-08", "2015-12")
    for name in ("results.csv", "manifest.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_manifest_records_inputs_and_parameters(tmp_path: Path) -> None:
    run_template(ACCEPTANCE / "data", tmp_path, "2015-08", "2015-12", 12)
    manifest = yaml.safe_load((tmp_path / "manifest.json").read_text("utf-8"))
    assert manifest["parameters"] == {"lapse_months": "12 months"}
    assert [i["table"] for i in manifest["inputs"]] == ["followups", "visits"]
    assert manifest["inputs"][1]["rows"] == 4644
    assert len(manifest["scheme"]["sha256"]) == 64


def _as_bom_crlf_csv(source: Path, target: Path) -> None:
    for name in ("visits.csv", "followups.csv"):
        text = (source / name).read_text("utf-8").replace("\n", "\r\n")
        (target / name).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def _as_parquet(source: Path, target: Path) -> None:
    import duckdb

    with duckdb.connect() as connection:
        for name in ("visits", "followups"):
            connection.execute(
                f"COPY (SELECT * FROM read_csv('{source / name}.csv')) "
                f"TO '{target / name}.parquet' (FORMAT parquet)"
            ).fetchall()


@pytest.mark.parametrize("convert", [_as_bom_crlf_csv, _as_parquet])
def test_the_same_records_in_another_file_format(convert, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    convert(ACCEPTANCE / "data", data)
    results = run_template(data, tmp_path / "out", "2015-08", "2015-12")
    assert as_expected_rows(results) == read_expected(ACCEPTANCE / "expected-lapse8.csv")
