"""`assessor test`: cases written beside a scheme, in YAML or as tables (CSV, XLSX).

The fixture scheme is a copy of the churn-control template with its own churn-control.tests/
folder; the data and expected values come from the hand-worked cases in cases/churn.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, invoke

from assessor import scheme_tests, session

FIXTURES = ROOT / "tests" / "cases" / "scheme-tests"
SCHEME = FIXTURES / "churn-control.assess"
COMMITTED = SCHEME.with_name("churn-control.tests")
HAND_WORKED = ROOT / "tests" / "cases" / "churn"
# a passing YAML case to derive failing and malformed ones from
PASSING = (COMMITTED / "default-lapse-eight.yaml").read_text("utf-8")


def make_suite(folder: Path, cases: dict[str, str], name: str = "churn-control") -> Path:
    """A copy of the fixture scheme in ``folder`` with the given YAML cases beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    scheme = folder / f"{name}.assess"
    shutil.copy(SCHEME, scheme)
    tests = folder / f"{name}.tests"
    tests.mkdir()
    for case, text in cases.items():
        (tests / f"{case}.yaml").write_text(text, "utf-8")
    return scheme


def changed(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert old in text, f"{old!r} not in the case"
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


# -- passing cases -----------------------------------------------------------------------


def test_committed_cases_pass() -> None:
    outcome = invoke("test", SCHEME)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert outcome.stdout.splitlines() == [
        "PASS churn-control.assess › blank-advisor-group",
        "PASS churn-control.assess › default-lapse-eight",
        "PASS churn-control.assess › group-equal-after-reduction",
        "PASS churn-control.assess › lapse-two-months",
        "4 passed, 0 failed (通过 4，失败 0)",
    ]


def test_a_folder_runs_every_scheme_with_cases_in_order(tmp_path: Path, monkeypatch) -> None:
    make_suite(tmp_path / "b", {"default-lapse-eight": PASSING}, "second")
    make_suite(tmp_path / "a", {"default-lapse-eight": PASSING}, "first")
    shutil.copy(SCHEME, tmp_path / "no-tests.assess")
    make_suite(tmp_path / ".hidden", {"default-lapse-eight": PASSING}, "hidden")
    monkeypatch.chdir(tmp_path)
    outcome = invoke("test", ".")
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert outcome.stdout.splitlines()[:2] == [
        "PASS a/first.assess › default-lapse-eight",
        "PASS b/second.assess › default-lapse-eight",
    ]
    assert "2 passed, 0 failed" in outcome.stdout


def test_the_fixture_folder_as_a_folder() -> None:
    outcome = invoke("test", FIXTURES)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert "4 passed, 0 failed" in outcome.stdout


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_xlsx(path: Path, header: list[str], rows: list[list]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.append([None] * len(header))  # a trailing empty row, as spreadsheets have
    workbook.save(path)


def test_a_table_case_in_xlsx(tmp_path: Path) -> None:
    """specialist-mean-equals-store: Mia's mean of 1/5 and 2/5 equals the store's 3/10."""
    scheme = make_suite(tmp_path, {})
    case = tmp_path / "churn-control.tests" / "specialist-mean-equals-store"
    (case / "given").mkdir(parents=True)
    source = HAND_WORKED / "specialist-mean-equals-store"
    visits = [
        # numbers and dates as Excel keeps them: floats and datetimes
        [
            float(r["visit_id"]),
            r["customer_id"],
            dt.datetime.fromisoformat(r["visit_date"]),
            r["advisor_group"],
        ]
        for r in _csv_rows(source / "visits.csv")
    ]
    _write_xlsx(
        case / "given" / "visits.xlsx",
        ["visit_id", "customer_id", "visit_date", "advisor_group"],
        visits,
    )
    followups = [[r["specialist"], r["advisor_group"]] for r in _csv_rows(source / "followups.csv")]
    _write_xlsx(case / "given" / "followups.xlsx", ["specialist", "advisor_group"], followups)
    _write_xlsx(
        case / "expect.xlsx",
        ["period", "role", "subject", "value", "amount", "status"],
        [
            ["2024-06", "advisor_group", "P", 20.0, 200.0, "ok"],
            # Excel makes a typed 2024-06 the date 2024-06-01
            [dt.datetime(2024, 6, 1), "advisor_group", "Q", 40.0, -200.0, "ok"],
            ["2024-06", "followup_specialist", "Mia", 30.0, 0.0, "ok"],
            ["2024-06", "followup_specialist", "Noor", 40.0, -100.0, "ok"],
            # a blank cell is not checked
            ["2024-06", "followup_specialist", "Olly", None, 0.0, "n/a"],
            ["2024-06", "service_manager", "store", 30.0, 0.0, None],
        ],
    )
    (case / "case.yaml").write_text(
        'from: "2024-06"\nto: "2024-06"\nset: {lapse_months: 1}\n', "utf-8"
    )
    outcome = invoke("test", scheme)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert "PASS churn-control.assess › specialist-mean-equals-store" in outcome.stdout


@pytest.mark.parametrize(
    ("language", "explanation"),
    [
        ("en", "group churn 33.3333% (1/3) < store churn 50.0000% (2/4): reward 200"),
        ("zh", "组月流失率 33.3333%（1/3） < 售后月流失率 50.0000%（2/4），奖励 200"),
    ],
)
def test_explanations_in_the_language_asked_for(
    language: str, explanation: str, tmp_path: Path
) -> None:
    # group A lost 1 of its 3 January visits, the store 2 of 4 (default-lapse-eight)
    text = changed(
        PASSING,
        (
            "subject: A, value: 33.3333, amount: 200, status: ok}",
            f"subject: A, explanation: '{explanation}'}}",
        ),
    )
    scheme = make_suite(tmp_path, {"explained": text})
    outcome = invoke("test", scheme, "--lang", language)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr


# -- failing cases -----------------------------------------------------------------------


def test_a_failing_case_shows_what_differs(tmp_path: Path, monkeypatch) -> None:
    text = changed(
        PASSING,
        ("value: 33.3333, amount: 200", "value: 33.33330, amount: 100"),
        ("subject: Rae", "subject: Ray"),
    )
    make_suite(tmp_path, {"wrong": text})
    monkeypatch.chdir(tmp_path)
    outcome = invoke("test", "churn-control.assess")
    assert outcome.exit_code == 1
    amount_line = line_of(text, "amount: 100")
    missing_line = line_of(text, "Ray")
    assert outcome.stdout.splitlines() == [
        "FAIL churn-control.assess › wrong",
        "  (默认流失判定 8 个月 / the default lapse of 8 months applies)",
        f"  churn-control.tests/wrong.yaml:{amount_line}: "
        "period 2024-09, role advisor_group, subject A",
        "    amount: expected 100, got 200",  # 33.33330 = 33.3333: not a difference
        f"  churn-control.tests/wrong.yaml:{missing_line}: "
        "period 2024-09, role followup_specialist, subject Ray: no result row matches",
        "    closest:",
        "      2024-09 followup_specialist Rae followup_churn  value=100.0000  amount=-100  "
        "status=ok",
        "      2024-09 workshop_supervisor store store_churn_trend  value=50.0000  amount=0  "
        "status=n/a",
        "      2024-09 golden_bowtie store store_churn_trend  value=50.0000  amount=0  status=n/a",
        "0 passed, 1 failed (通过 0，失败 1)",
    ]


def test_a_row_matching_several_results_asks_for_more_keys(tmp_path: Path) -> None:
    text = changed(
        PASSING,
        ("role: advisor_group, subject: A, value: 33.3333, amount: 200, status: ok", "amount: 200"),
    )
    outcome = invoke("test", make_suite(tmp_path, {"vague": text}))
    assert outcome.exit_code == 1
    # 2024-09 has rows for A, B, Rae and the three store roles
    assert "period 2024-09: 6 result rows match; give more of period, role, subject, item" in (
        outcome.stdout
    )


def test_an_error_case_fails_on_another_code(tmp_path: Path, monkeypatch) -> None:
    text = changed(
        (COMMITTED / "blank-advisor-group.yaml").read_text("utf-8"), ("error: E305", "error: E303")
    )
    make_suite(tmp_path, {"other-code": text})
    monkeypatch.chdir(tmp_path)
    outcome = invoke("test", "churn-control.assess")
    assert outcome.exit_code == 1
    row = line_of(text, "visit_id: 2")
    assert "  expected error E303, but the run failed with E305:" in outcome.stdout
    assert (
        f"    churn-control.tests/other-code.yaml:{row}:7: error[E305] given table 'visits': "
        "row 2: no value in column 'advisor_group'"
    ) in outcome.stdout


def test_an_error_case_fails_when_the_run_succeeds(tmp_path: Path) -> None:
    text = PASSING.split("expect:")[0] + "error: E305\n"
    outcome = invoke("test", make_suite(tmp_path, {"no-error": text}))
    assert outcome.exit_code == 1
    assert "expected error E305, but the run succeeded with 6 result rows" in outcome.stdout


def test_a_bad_given_value_is_located_in_the_case_file(tmp_path: Path, monkeypatch) -> None:
    text = changed(PASSING, ("visit_date: 2024-05-15", "visit_date: 2024-05-32"))
    make_suite(tmp_path, {"bad-date": text})
    monkeypatch.chdir(tmp_path)
    outcome = invoke("test", "churn-control.assess")
    assert outcome.exit_code == 1
    line = line_of(text, "2024-05-32")
    column = text.splitlines()[line - 1].index("2024-05-32") + 1
    assert "  the run failed:" in outcome.stdout
    assert (
        f"    churn-control.tests/bad-date.yaml:{line}:{column}: error[E303] given table "
        "'visits': row 5: cannot read '2024-05-32' in column 'visit_date' as a date"
    ) in outcome.stdout
    assert "Traceback" not in outcome.stdout + outcome.stderr


def _table_case(scheme_folder: Path, name: str) -> Path:
    """A copy of the committed CSV table case (lapse-two-months) under another name."""
    case = scheme_folder / "churn-control.tests" / name
    shutil.copytree(COMMITTED / "lapse-two-months", case)
    return case


def test_a_bad_value_in_a_given_csv_names_its_line(tmp_path: Path, monkeypatch) -> None:
    make_suite(tmp_path, {})
    case = _table_case(tmp_path, "bad-date")
    visits = case / "given" / "visits.csv"
    visits.write_text(changed(visits.read_text("utf-8"), ("2024-01-20", "2024-02-30")), "utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = invoke("test", "churn-control.assess")
    assert outcome.exit_code == 1
    assert (
        "    churn-control.tests/bad-date/given/visits.csv:4 (column 'visit_date'): error[E303]"
    ) in outcome.stdout


def test_a_table_case_may_expect_an_error(tmp_path: Path) -> None:
    """A given file without a column the table declares: the run fails with E302."""
    scheme = make_suite(tmp_path, {})
    case = _table_case(tmp_path, "no-customer")
    (case / "expect.csv").unlink()
    with (case / "case.yaml").open("a", encoding="utf-8") as handle:
        handle.write("error: E302\n")
    visits = case / "given" / "visits.csv"
    rows = _csv_rows(visits)
    with visits.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["visit_id", "visit_date", "advisor_group"])
        writer.writeheader()
        writer.writerows({k: v for k, v in r.items() if k != "customer_id"} for r in rows)
    outcome = invoke("test", scheme)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert "PASS churn-control.assess › no-customer" in outcome.stdout


# -- malformed case files ----------------------------------------------------------------

MALFORMED = {
    "bad-yaml": (PASSING + "  - {period: [2024-09\n", "E501", "not valid YAML"),
    "unknown-key": (
        changed(PASSING, ("description:", "descripton:")),
        "E501",
        ["unknown key 'descripton'", "hint: did you mean 'description'?"],
    ),
    "no-expect-or-error": (
        PASSING.split("expect:")[0],
        "E501",
        "give either expect (the result rows) or error",
    ),
    "bad-period": (changed(PASSING, ("from: 2024-09", "from: 2024-13")), "E501", "'2024-13'"),
    "bad-error-code": (PASSING.split("expect:")[0] + "error: 305\n", "E501", "not an error code"),
    "unknown-result-column": (
        changed(PASSING, ("value: 33.3333", "rate: 33.3333")),
        "E502",
        "results have no column 'rate'",
    ),
    "unknown-given-column": (
        changed(PASSING, ("customer_id: D1", "customer: D1")),
        "E502",
        ["table 'visits' has no column 'customer'", "hint: did you mean 'customer_id'?"],
    ),
    "unknown-table": (
        changed(PASSING, ("followups:", "follow_ups:")),
        "E503",
        "the scheme does not read a table 'follow_ups'",
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_case_file_is_a_user_error(name: str, tmp_path: Path, monkeypatch) -> None:
    text, code, fragments = MALFORMED[name]
    make_suite(tmp_path, {name: text, "fine": PASSING})
    monkeypatch.chdir(tmp_path)
    outcome = invoke("test", "churn-control.assess")
    assert outcome.exit_code == 1
    assert f"churn-control.tests/{name}.yaml:" in outcome.stderr
    assert f"error[{code}]" in outcome.stderr
    for fragment in [fragments] if isinstance(fragments, str) else fragments:
        assert fragment in outcome.stderr
    assert outcome.stdout == ""  # no case runs until every case file is right
    assert "Traceback" not in outcome.stderr


def test_every_table_the_scheme_reads_must_be_given(tmp_path: Path) -> None:
    text = PASSING.split("  followups:")[0] + "expect: []\n"
    outcome = invoke("test", make_suite(tmp_path, {"no-followups": text}))
    assert outcome.exit_code == 1
    assert "error[E503] no rows given for input table 'followups'" in outcome.stderr


def test_malformed_table_cases(tmp_path: Path, monkeypatch) -> None:
    make_suite(tmp_path, {})
    no_given = tmp_path / "churn-control.tests" / "no-given"
    no_given.mkdir()
    (no_given / "expect.csv").write_text("period,amount\n2024-03,200\n", "utf-8")
    bad_expect = _table_case(tmp_path, "bad-expect")
    (bad_expect / "expect.csv").write_text("period,subject,rate\n2024-03,A,33.3333\n", "utf-8")
    extra_table = _table_case(tmp_path, "extra-table")
    (extra_table / "given" / "visit.csv").write_text("visit_id\n1\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = invoke("test", "churn-control.assess")
    assert outcome.exit_code == 1
    assert (
        "churn-control.tests/no-given: error[E501] no given/ folder in the case folder"
        in outcome.stderr
    )
    assert (
        "churn-control.tests/bad-expect/expect.csv:1 (column 'rate'): error[E502] results have "
        "no column 'rate'" in outcome.stderr
    )
    assert (
        "churn-control.tests/extra-table/given/visit.csv: error[E503] the scheme does not read "
        "a table 'visit'\n  hint: did you mean 'visits'?" in outcome.stderr
    )
    assert outcome.stderr.count("error[") == 3


def test_no_cases_found(tmp_path: Path) -> None:
    scheme = tmp_path / "churn-control.assess"
    shutil.copy(SCHEME, scheme)
    for target in (scheme, tmp_path):
        outcome = invoke("test", target)
        assert outcome.exit_code == 1
        assert "error[E504] no scheme tests found" in outcome.stderr
        assert "looked for in the folder foo.tests/ beside it" in outcome.stderr


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    outcome = invoke("test", tmp_path / "missing.assess")
    assert outcome.exit_code == 2


# -- the library -------------------------------------------------------------------------


def test_the_scheme_is_read_once_per_distinct_set(tmp_path: Path, monkeypatch) -> None:
    lapse_one = changed(PASSING, ("to: 2024-09\n", "to: 2024-09\nset: {lapse_months: 1}\n"))
    scheme = make_suite(tmp_path, {"a": PASSING, "b": lapse_one, "c": lapse_one})
    reads = []
    read_scheme = session.read_scheme

    def counting(path, overrides=None, sources=None):
        reads.append(dict(overrides or {}))
        return read_scheme(path, overrides, sources)

    monkeypatch.setattr(session, "read_scheme", counting)
    suites = scheme_tests.load_suites(scheme)
    verdicts = list(scheme_tests.run_suites(suites))
    assert reads == [{}, {"lapse_months": "1"}]
    # with a lapse of 1, 2024-09 looks at 2024-08, which has no visits: every row is n/a
    assert [v.passed for v in verdicts] == [True, False, False]


def test_written_given_rows_remember_their_lines(tmp_path: Path) -> None:
    row = scheme_tests.CaseRow({"a": "1", "b": "two\nlines"}, scheme_tests.DataLocation("x", 2))
    table = scheme_tests.GivenTable("t", ("a", "b"), (row, row), scheme_tests.DataLocation("x"))
    assert scheme_tests.write_given(table, tmp_path) == [2, 4]
    assert (tmp_path / "t.csv").read_text("utf-8") == 'a,b\n1,"two\nlines"\n1,"two\nlines"\n'


@pytest.mark.parametrize(
    ("value", "spreadsheet", "text"),
    [
        (dt.date(2026, 1, 31), False, "2026-01-31"),
        (96.5, False, "96.5"),
        (1e-7, False, "0.0000001"),
        (96, False, "96"),
        (None, False, ""),
        ("一组", False, "一组"),
        (96.0, True, "96"),
        (96.25, True, "96.25"),
        (dt.datetime(2026, 1, 31), True, "2026-01-31"),
        (dt.datetime(2026, 1, 31, 8, 30), True, "2026-01-31 08:30:00"),
    ],
)
def test_values_are_written_as_a_person_types_them(value, spreadsheet, text) -> None:
    assert scheme_tests.as_text(value, whole_floats_as_integers=spreadsheet) == text


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        ("87.50", "87.5", True),
        ("-200", "-200", True),
        ("0", "0.0000", True),
        ("200", "-200", False),
        ("n/a", "n/a", True),
        ("优秀", "良好", False),
        ("", "0", False),
    ],
)
def test_numbers_compare_as_decimals_and_text_exactly(expected, actual, same) -> None:
    assert scheme_tests.same_value(expected, actual) is same
