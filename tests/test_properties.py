"""Same answer every time: property and metamorphic tests of the results.

A metamorphic test changes the input in a way that must not matter, or that matters in a
known way, and compares the two runs' results.csv and totals.csv (every column):

- **row order**: the rows of every input file shuffled give byte-identical outputs (same-day
  visits are ordered by visit_id, never by their place in the file), on DuckDB and on
  PostgreSQL, which keeps no row order at all;
- **file layout**: the same table written another way (CRLF line ends, a UTF-8 BOM, every
  field quoted, columns reordered, a column no scheme reads) gives byte-identical outputs,
  and so does one table split over two files in a folder named after it;
- **subject names**: subjects renamed in every table they appear in, to names with quotes,
  spaces, commas, a line break, Chinese characters and SQL text, give the same rows with
  only the names changed. Every template is run once with its rows shuffled and subjects
  renamed (most take 5 to 10 s a run); the two quick ones also with rows shuffled alone, in
  three orders;
- **monotonicity**: in the churn-control template, lowering one advisor group's churn never
  lowers its reward and never raises another group's (derived in the test's docstring).

Random data comes from churn_random; hypothesis picks the seeds and the changes, derandomized
so that every run of the suite tries the same examples.
"""

from __future__ import annotations

import calendar
import csv
import io
import random
from collections.abc import Callable, Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
from churn_random import random_dataset
from churn_reference import (
    Visit,
    format_period,
    group_rate,
    groups_seen_by,
    load_visits,
    lost_customers,
    parse_period,
    store_rate,
)
from conftest import STORE_ROLES, TEMPLATE, invoke
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_templates import CATALOGUE

from assessor.syntax import ast
from assessor.syntax.parser import parse

BY_ID = {entry["id"]: entry for entry in CATALOGUE}
CHURN = BY_ID["auto-aftersales/churn-control"]

PROPERTY_SETTINGS = settings(
    max_examples=5,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
"""Each example runs the command line once or twice (about a second each): few examples,
the same ones every time."""


# -- input tables as text -------------------------------------------------------------------


@attrs.frozen
class Table:
    """One CSV input file: its header and its rows, every cell as the text in the file."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @classmethod
    def read(cls, path: Path) -> Table:
        """The table in a CSV file (a UTF-8 BOM is not part of the first name)."""
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header, *rows = csv.reader(handle)
        return cls(tuple(header), tuple(tuple(row) for row in rows))

    def write(self, path: Path) -> None:
        """Write the table as plain CSV: LF line ends, quotes only where needed."""
        # Python 3.11's writer quotes a field with a line feed but not one with a lone CR,
        # which would make a malformed file; a table holding one is quoted throughout
        lone_cr = any("\r" in cell for row in self.rows for cell in row)
        quoting = csv.QUOTE_ALL if lone_cr else csv.QUOTE_MINIMAL
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n", quoting=quoting)
            writer.writerow(self.header)
            writer.writerows(self.rows)

    def column(self, name: str) -> list[str]:
        """Every value of one column, in file order."""
        index = self.header.index(name)
        return [row[index] for row in self.rows]


Change = Callable[[str, Table], Table]
"""A change to the input: (table name, its table) -> the changed table."""


def changed_copy(data: Path, into: Path, change: Change) -> Path:
    """A copy of a data folder with every CSV table changed; returns the new folder."""
    into.mkdir(parents=True)
    for path in sorted(data.glob("*.csv")):
        change(path.stem, Table.read(path)).write(into / path.name)
    return into


# -- outputs --------------------------------------------------------------------------------


@attrs.frozen
class Outputs:
    """What a run wrote: the text of results.csv and totals.csv."""

    results: str
    totals: str

    def rows(self, which: str) -> list[list[str]]:
        """The rows of one output (``results`` or ``totals``), header first."""
        return list(csv.reader(io.StringIO(getattr(self, which))))


def run(scheme: Path, data: Path, out: Path, *options: str) -> Outputs:
    """Run a scheme, insist that it succeeds, and return what it wrote."""
    outcome = invoke("run", scheme, "--data", data, "--out", out, *options)
    assert outcome.exit_code == 0, outcome.stderr
    # bytes decoded as they are: reading as text would turn a CRLF into LF unseen
    return Outputs(
        (out / "results.csv").read_bytes().decode("utf-8"),
        (out / "totals.csv").read_bytes().decode("utf-8"),
    )


def run_template(entry: dict, data: Path, out: Path, *options: str) -> Outputs:
    """Run a template over the whole span its catalogue entry names."""
    span = ("--from", entry["from"], "--to", entry["to"])
    return run(Path(entry["path"]), data, out, *span, *options)


def first_difference(got: Sequence, expected: Sequence) -> str:
    """Where two sequences first differ, for a failure message."""
    for number, (mine, theirs) in enumerate(zip(got, expected, strict=False), start=1):
        if mine != theirs:
            return f"at line {number}:\n  got      {mine}\n  expected {theirs}"
    return f"in length: {len(got)} lines, expected {len(expected)}"


def assert_same_text(got: str, expected: str, what: str) -> None:
    """Equal texts, or a failure that shows the first line that differs."""
    if got != expected:
        lines = (got.splitlines(), expected.splitlines())
        pytest.fail(
            f"{what} differs "
            + (first_difference(*lines) if lines[0] != lines[1] else "in line ends")
        )


def assert_same_outputs(got: Outputs, expected: Outputs) -> None:
    """Byte-identical results.csv and totals.csv."""
    assert_same_text(got.results, expected.results, "results.csv")
    assert_same_text(got.totals, expected.totals, "totals.csv")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Callable[[dict], Outputs]:
    """Each template's outputs on its sample data as it is, computed once per module."""
    computed: dict[str, Outputs] = {}

    def outputs(entry: dict) -> Outputs:
        if entry["id"] not in computed:
            out = tmp_path_factory.mktemp("baseline")
            computed[entry["id"]] = run_template(entry, Path(entry["sample_data"]), out)
        return computed[entry["id"]]

    return outputs


# -- 1. row order ---------------------------------------------------------------------------


def shuffled(seed: int | None) -> Change:
    """Every table's rows in a random order (``None``: reversed), the header kept first."""

    def change(name: str, table: Table) -> Table:
        rows = list(table.rows)
        if seed is None:
            rows.reverse()
        else:
            random.Random(f"{seed}/{name}").shuffle(rows)
        return attrs.evolve(table, rows=tuple(rows))

    return change


# The two templates that run in about a second, in three orders each; every template is
# also run on shuffled rows with renamed subjects (below).
QUICK = ("auto-aftersales/churn-control", "auto-aftersales/sales-churn")
ORDERS = [
    pytest.param(BY_ID[name], seed, id=f"{name}-{'reversed' if seed is None else seed}")
    for name in QUICK
    for seed in (None, 1, 2)
]


@pytest.mark.parametrize(("entry", "seed"), ORDERS)
def test_row_order_does_not_change_the_results(
    entry: dict, seed: int | None, baseline: Callable[[dict], Outputs], tmp_path: Path
) -> None:
    data = changed_copy(Path(entry["sample_data"]), tmp_path / "data", shuffled(seed))
    assert_same_outputs(run_template(entry, data, tmp_path / "out"), baseline(entry))


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 10_000), order=st.integers(0, 2**32))
def test_row_order_does_not_change_churn_on_random_stores(
    seed: int, order: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Random stores have several visits of a customer on one day, with visit ids whose order
    is not the file's: which visit is the last must come from the ids, not from the file.
    """
    root = tmp_path_factory.mktemp("random-order")
    window = random_dataset(seed, root / "data")
    span = ("--from", window["from"], "--to", window["to"])
    options = (*span, "--set", f"lapse_months={window['lapse_months']}")
    as_written = run(TEMPLATE, root / "data", root / "out", *options)
    data = changed_copy(root / "data", root / "shuffled", shuffled(order))
    assert_same_outputs(run(TEMPLATE, data, root / "out-shuffled", *options), as_written)


def test_row_order_does_not_change_the_results_on_postgres(
    postgres_url: str, baseline: Callable[[dict], Outputs], tmp_path: Path
) -> None:
    """PostgreSQL keeps no row order at all: the shuffled churn data gives DuckDB's outputs."""
    data = changed_copy(Path(CHURN["sample_data"]), tmp_path / "data", shuffled(3))
    outputs = run_template(CHURN, data, tmp_path / "out", "--engine", postgres_url)
    assert_same_outputs(outputs, baseline(CHURN))


# -- 2. file layout -------------------------------------------------------------------------


def write_raw(path: Path, table: Table, *, bom: bool, crlf: bool, quote_all: bool) -> None:
    """Write a table as spreadsheet programs may: with a BOM, CRLF ends, every field quoted."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(
            handle,
            lineterminator="\r\n" if crlf else "\n",
            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        )
        writer.writerow(table.header)
        writer.writerows(table.rows)


def columns_reversed_with_a_note(name: str, table: Table) -> Table:
    """The columns in reverse order, and a last column no scheme reads."""
    return Table(
        ("备注 / note", *reversed(table.header)),
        tuple((f"{name} {n}, “x”", *reversed(row)) for n, row in enumerate(table.rows)),
    )


LAYOUTS = {
    "bom": {"bom": True, "crlf": False, "quote_all": False},
    "crlf": {"bom": False, "crlf": True, "quote_all": False},
    "quoted": {"bom": False, "crlf": False, "quote_all": True},
    "all-three": {"bom": True, "crlf": True, "quote_all": True},
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_file_layout_does_not_change_the_results(
    layout: str, baseline: Callable[[dict], Outputs], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for path in Path(CHURN["sample_data"]).glob("*.csv"):
        write_raw(data / path.name, Table.read(path), **LAYOUTS[layout])
    assert_same_outputs(run_template(CHURN, data, tmp_path / "out"), baseline(CHURN))


def test_column_order_and_unread_columns_do_not_change_the_results(
    baseline: Callable[[dict], Outputs], tmp_path: Path
) -> None:
    data = changed_copy(Path(CHURN["sample_data"]), tmp_path / "data", columns_reversed_with_a_note)
    assert_same_outputs(run_template(CHURN, data, tmp_path / "out"), baseline(CHURN))


def test_one_table_split_over_two_files_gives_the_same_results(
    baseline: Callable[[dict], Outputs], tmp_path: Path
) -> None:
    """The visits split at an arbitrary row (not a month boundary) into two parts in a
    folder named after the table."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "followups.csv").write_bytes(
        (Path(CHURN["sample_data"]) / "followups.csv").read_bytes()
    )
    visits = Table.read(Path(CHURN["sample_data"]) / "visits.csv")
    (data / "visits").mkdir()
    middle = len(visits.rows) * 2 // 5
    attrs.evolve(visits, rows=visits.rows[:middle]).write(data / "visits" / "part-1.csv")
    attrs.evolve(visits, rows=visits.rows[middle:]).write(data / "visits" / "part-2.csv")
    assert_same_outputs(run_template(CHURN, data, tmp_path / "out"), baseline(CHURN))


# -- 3. subject names -----------------------------------------------------------------------

NEW_NAMES = (
    "'; drop table visits; --",
    "O'Neil 组",
    "上行\r下行",
    '甲 "乙", 丙',
    "新 三 组",
    "x = 1 OR 1 = 1",
)
"""Names a subject may be renamed to: SQL text, a quote, a line break (a lone CR), a double
quote and a comma (all quoted in the CSV files), spaces, Chinese characters."""


def subjects_by_role(entry: dict) -> list[list[str]]:
    """For each role drawn from a table column, its subjects in the sample data, by name."""
    data = Path(entry["sample_data"])
    tree = parse(Path(entry["path"]).read_text("utf-8"), entry["path"])
    found = []
    for decl in tree.declarations:
        if isinstance(decl, ast.RoleDecl) and isinstance(decl.source, ast.FromColumn):
            table = Table.read(data / f"{decl.source.table.text}.csv")
            found.append(sorted(set(table.column(decl.source.column.text)) - {""}))
    return found


def renaming(entry: dict) -> dict[str, str]:
    """Old name -> new name for as many subjects as there are new names, taken from each
    role in turn so that every role has a renamed subject."""
    queues = subjects_by_role(entry)
    chosen: list[str] = []
    while len(chosen) < len(NEW_NAMES) and any(queues):
        for queue in queues:
            if queue and len(chosen) < len(NEW_NAMES):
                chosen.append(queue.pop(0))
    return dict(zip(chosen, NEW_NAMES, strict=False))


def renamed(names: dict[str, str]) -> Change:
    """Every cell equal to an old name holds its new name instead, in every table."""

    def change(name: str, table: Table) -> Table:
        rows = tuple(tuple(names.get(cell, cell) for cell in row) for row in table.rows)
        return attrs.evolve(table, rows=rows)

    return change


def blocks(rows: list[list[str]], names: dict[str, str], rename: bool) -> dict[str, list[tuple]]:
    """The rows (without the header) in file order, in one block per renamed subject (under
    its new name) and one block ("") for all the others. With ``rename``, every old name in
    the rows is replaced by its new one: in the subject column, and inside the explanation.
    """
    header, *body = rows
    subject = header.index("subject")

    def new(cell: str, column: int) -> str:
        if not rename:
            return cell
        if column == subject:
            return names.get(cell, cell)
        for old, replacement in names.items():
            cell = cell.replace(old, replacement)
        return cell

    found: dict[str, list[tuple]] = {"": [], **{n: [] for n in names.values()}}
    for row in body:
        renamed_row = tuple(new(cell, n) for n, cell in enumerate(row))
        block = renamed_row[subject] if renamed_row[subject] in found else ""
        found[block].append(renamed_row)
    return found


def assert_only_names_changed(got: Outputs, before: Outputs, names: dict[str, str]) -> None:
    """The outputs are the earlier ones with the subjects renamed, row for row and in the
    same order, except that a renamed subject's rows may move as a block (they are sorted
    by subject)."""
    for which in ("results", "totals"):
        assert got.rows(which)[0] == before.rows(which)[0], f"{which}.csv header"
        expected = blocks(before.rows(which), names, rename=True)
        actual = blocks(got.rows(which), names, rename=False)
        for block, rows in expected.items():
            assert actual[block] == rows, (
                f"{which}.csv, rows of {block or 'the subjects not renamed'!r} differ "
                + first_difference(actual[block], rows)
            )


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e["id"])
def test_shuffled_rows_and_renamed_subjects_give_the_same_results(
    entry: dict, baseline: Callable[[dict], Outputs], tmp_path: Path
) -> None:
    """Both changes in one run (most templates take 5 to 10 s a run): the rows of the
    subjects not renamed must come out byte for byte as before, in the same order."""
    names = renaming(entry)
    assert len(names) >= 3, names  # every template has at least three subjects
    reordered, new_names = shuffled(7), renamed(names)
    data = changed_copy(
        Path(entry["sample_data"]), tmp_path / "data", lambda n, t: new_names(n, reordered(n, t))
    )
    after = run_template(entry, data, tmp_path / "out")
    assert_only_names_changed(after, baseline(entry), names)
    header, *totals = after.rows("totals")
    subjects = {row[header.index("subject")] for row in totals}
    assert set(names.values()) <= subjects


NAME_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), include_characters="\t\n\r"),
    min_size=1,
    max_size=12,
).filter(lambda name: name == name.strip() and name)
"""Any text a CSV cell can hold (line breaks too, quoted), without spaces around it: a
value's outer spaces are not part of it."""


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 10_000), which=st.integers(0, 5), name=NAME_TEXT)
def test_any_group_name_gives_the_same_churn_results(
    seed: int, which: int, name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """One advisor group of a random store renamed to any text (hypothesis picks it)."""
    root = tmp_path_factory.mktemp("random-name")
    window = random_dataset(seed, root / "data")
    groups = sorted(set(Table.read(root / "data" / "visits.csv").column("advisor_group")))
    old = groups[which % len(groups)]
    tables = [Table.read(path) for path in (root / "data").glob("*.csv")]
    assume(all(name not in row for table in tables for row in table.rows))
    span = ("--from", window["from"], "--to", window["to"])
    options = (*span, "--set", f"lapse_months={window['lapse_months']}")
    before = run(TEMPLATE, root / "data", root / "out", *options)
    data = changed_copy(root / "data", root / "renamed", renamed({old: name}))
    assert_only_names_changed(
        run(TEMPLATE, data, root / "out-renamed", *options), before, {old: name}
    )


# -- 4. monotonicity ------------------------------------------------------------------------


@attrs.frozen
class Comeback:
    """Some of the customers a group lost in a month come back: one new visit each, after
    the lapse month and by the end of the month, so they are no longer lost in it."""

    month: int  # the assessment month, as a month number (churn_reference)
    group: str  # the group whose lost customers come back
    visits: tuple[Visit, ...]  # the new visits, one per customer


@st.composite
def comebacks(draw: st.DrawFn, visits: list[Visit], window: dict) -> Comeback:
    """An assessment month, a group that lost customers in it, and one to all of them back,
    each on a day after the lapse month and by the end of the month, with a group already
    seen by the lapse month (so no new subject appears)."""
    lapse = window["lapse_months"]
    months = range(parse_period(window["from"]), parse_period(window["to"]) + 1)
    lost: dict[tuple[int, str], list[str]] = {}
    for month in months:
        for visit in lost_customers(visits, month, lapse):
            lost.setdefault((month, visit.advisor_group), []).append(visit.customer_id)
    assume(lost)
    month, group = draw(st.sampled_from(sorted(lost)))
    customers = draw(
        st.lists(st.sampled_from(sorted(lost[(month, group)])), min_size=1, unique=True)
    )
    groups = sorted(groups_seen_by(visits, month - lapse))
    first_id = max(v.visit_id for v in visits) + 1
    new = []
    for number, customer in enumerate(customers, start=first_id):
        year, zero_based = divmod(draw(st.integers(month - lapse + 1, month)), 12)
        day = draw(st.integers(1, calendar.monthrange(year, zero_based + 1)[1]))
        new.append(
            Visit(number, customer, date(year, zero_based + 1, day), draw(st.sampled_from(groups)))
        )
    return Comeback(month, group, tuple(new))


def amounts(outputs: Outputs, period: str) -> dict[tuple[str, str], int]:
    """(role, subject) -> amount of the churn rules in one period."""
    header, *body = outputs.rows("results")
    at = {column: header.index(column) for column in ("period", "role", "subject", "amount")}
    return {
        (row[at["role"]], row[at["subject"]]): int(row[at["amount"]])
        for row in body
        if row[at["period"]] == period
    }


def with_visits(data: Path, into: Path, visits: tuple[Visit, ...]) -> Path:
    """A copy of a churn data folder with more visits (the last rows of visits.csv)."""
    rows = tuple(
        (str(v.visit_id), v.customer_id, v.visit_date.isoformat(), v.advisor_group) for v in visits
    )

    def change(name: str, table: Table) -> Table:
        return attrs.evolve(table, rows=table.rows + rows) if name == "visits" else table

    return changed_copy(data, into, change)


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 10_000), data=st.data())
def test_lowering_a_groups_churn_never_lowers_its_reward(
    seed: int, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The churn rule is "lower is better": a group g is paid +200 when its rate r_g = L_g/V_g
    is below the store's R = L/V, -200 above it, 0 when equal (L: customers lost in month M,
    V: visits in the lapse month M - lapse; L_g and V_g the part of them that is g's).

    The change: k >= 1 customers lost in M, whose last lapse-month visit was g's, come back
    once each, after the lapse month and by the end of M. Then, in M:
    - those customers are no longer lost, so L_g and L fall by exactly k;
    - nothing else changes: V_g and V count lapse-month visits, and the new visits are
      later; another customer's being lost depends only on their own visits;
    - so r_g falls by k/V_g and R by k/V. As V_g <= V, r_g falls by at least as much as R:
      r_g - R never grows, and g's amount never falls (-200 -> 0 or +200, 0 -> +200).
    - Any other group h keeps r_h while R falls: r_h - R grows, h's amount never rises.
    - If every return is in M itself, the three months before M keep their rates (the visits
      are after them), so the store rate falls against an unchanged three-month mean: the
      store roles' amount never falls either.
    (A follow-up specialist's mean of their groups' rates falls by k/(n V_g) for n groups
    with a rate, which may be less than k/V: no such property holds for them.)
    """
    root = tmp_path_factory.mktemp("lower-churn")
    window = random_dataset(seed, root / "data")
    visits = load_visits(root / "data" / "visits.csv")
    change = data.draw(comebacks(visits, window))
    month, lapse, group, k = change.month, window["lapse_months"], change.group, len(change.visits)

    # the change does what the docstring says, by the independent reference
    after_visits = [*visits, *change.visits]
    in_lapse_month = [v for v in visits if v.month == month - lapse]
    own = sum(1 for v in in_lapse_month if v.advisor_group == group)
    group_before, group_after = (group_rate(v, month, lapse, group) for v in (visits, after_visits))
    assert group_after == group_before - Fraction(k, own)
    store_before, store_after = (store_rate(v, month, lapse) for v in (visits, after_visits))
    assert store_after == store_before - Fraction(k, len(in_lapse_month))

    span = ("--from", window["from"], "--to", window["to"])
    options = (*span, "--set", f"lapse_months={lapse}")
    period = format_period(month)
    before = amounts(run(TEMPLATE, root / "data", root / "out", *options), period)
    changed = with_visits(root / "data", root / "changed", change.visits)
    after = amounts(run(TEMPLATE, changed, root / "out-changed", *options), period)

    assert after[("advisor_group", group)] >= before[("advisor_group", group)]
    others = [key for key in before if key[0] == "advisor_group" and key[1] != group]
    assert all(after[key] <= before[key] for key in others), (before, after)
    if all(v.month == month for v in change.visits):
        assert all(after[(role, "store")] >= before[(role, "store")] for role in STORE_ROLES)
