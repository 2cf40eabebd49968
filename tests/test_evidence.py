"""The records behind a number: `assessor explain` lists the rows a plugin metric counts.

The expected lost customers are worked out here in plain Python from the acceptance visits
(sort each customer's visits, apply the definition in churn.py's docstring), not by the
engine: customer c is lost in month M when its last visit d of month M - L has no later visit
up to the end of M; d's advisor group owns the loss. Their count is also checked against the
acceptance set's expected rates (Alpha, 2015-08: 22.4138% = 13/58).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import attrs
import pytest
from conftest import ACCEPTANCE, ROOT, TEMPLATE, invoke

from assessor.errors import AssessorError
from assessor.model import scheme as m
from assessor.session import assess, read_scheme

LAPSE = 8
FLOOR = ROOT / "schemes" / "floor-heating"
# how many records a line names before "… and N more"
SHOWN = 20


def read_visits() -> dict[str, list[tuple[dt.date, int, str]]]:
    """Each customer's visits as (date, visit id, advisor group), in time order."""
    by_customer: dict[str, list[tuple[dt.date, int, str]]] = {}
    with (ACCEPTANCE / "data" / "visits.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            visit = (
                dt.date.fromisoformat(row["visit_date"]),
                int(row["visit_id"]),
                row["advisor_group"],
            )
            by_customer.setdefault(row["customer_id"], []).append(visit)
    return {c: sorted(v) for c, v in by_customer.items()}


def lost_in(year: int, month: int, lapse: int = LAPSE) -> dict[str, tuple[dt.date, int, str]]:
    """Customer -> its deciding visit, for the customers lost in the month."""
    index = year * 12 + month - 1 - lapse
    lapse_month = (index // 12, index % 12 + 1)
    month_end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    lost = {}
    for customer, visits in read_visits().items():
        in_lapse_month = [i for i, v in enumerate(visits) if (v[0].year, v[0].month) == lapse_month]
        if not in_lapse_month:
            continue
        last = in_lapse_month[-1]  # visits are sorted by (date, visit id)
        later = visits[last + 1 :]
        if not any(v[0] <= month_end for v in later):
            lost[customer] = visits[last]
    return lost


def explain(subject: str, period: str, *options: str) -> list[str]:
    """The lines `assessor explain` prints for the template on the acceptance data."""
    outcome = invoke(
        "explain", subject, "--period", period, "--scheme", TEMPLATE,
        "--data", ACCEPTANCE / "data", *options,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    return outcome.stdout.splitlines()


def line_starting(lines: list[str], start: str) -> str:
    """The one line (unindented) that starts so."""
    found = [x.strip() for x in lines if x.strip().startswith(start)]
    assert len(found) == 1, (start, lines)
    return found[0]


def test_explain_names_the_lost_customers_behind_a_group_rate() -> None:
    expected = {c: v for c, v in lost_in(2015, 8).items() if v[2] == "Alpha"}
    assert len(expected) == 13  # the acceptance set's 13/58
    line = line_starting(explain("Alpha", "2015-08"), "lost customers (13, Alpha): ")
    shown = {
        customer: (dt.date.fromisoformat(day), int(visit), "Alpha")
        for customer, day, visit in re.findall(
            r"(C\d+) \(visit date (\S+), visit number (\d+)\)", line
        )
    }
    assert shown == expected
    assert "more" not in line


def test_explain_counts_the_store_and_says_how_many_more() -> None:
    expected = lost_in(2015, 8)
    assert len(expected) == 41  # the acceptance set's store rate 41/228
    line = line_starting(explain("Alpha", "2015-08"), "lost customers (41, store): ")
    first = sorted(expected)[:SHOWN]  # in order of customer id
    assert re.findall(r"(C\d+) \(", line) == first
    for customer in first:
        day, visit, group = expected[customer]
        assert f"{customer} (visit date {day}, visit number {visit}, " in line
        assert f"service advisor group {group})" in line
    assert line.endswith(f"… and {41 - SHOWN} more")


def test_explain_in_chinese_uses_the_chinese_labels() -> None:
    lines = explain("Alpha", "2015-08", "--lang", "zh")
    alpha = line_starting(lines, "流失客户（13，Alpha）：")
    customer = sorted(c for c, v in lost_in(2015, 8).items() if v[2] == "Alpha")[0]
    day, visit, _ = lost_in(2015, 8)[customer]
    assert alpha.startswith(
        f"流失客户（13，Alpha）：{customer}（进站日期 {day}，进站编号 {visit}）、"
    )
    store = line_starting(lines, "流失客户（41，全店）：")
    assert store.endswith(f"……另有 {41 - SHOWN} 条")


def test_a_store_role_sees_the_store_records_under_its_rule() -> None:
    lines = explain("store", "2015-10")
    expected = lost_in(2015, 10)
    rule = next(i for i, x in enumerate(lines) if x.strip().startswith("rule store_churn_trend"))
    # the value is the store's rate; the reference (a mean of earlier months) has no records
    evidence = [x for x in lines[rule + 1 :] if "lost customers" in x]
    assert evidence[0].strip().startswith(f"lost customers ({len(expected)}, store): ")


def test_the_count_is_the_numerator_for_every_group_and_month() -> None:
    """Through the engine's own path (one subject and month at a time, on the loaded tables),
    against the plain-Python lost customers and the numerators of the run's rule rows.
    """
    from assessor.engine.evaluate import evaluate
    from assessor.engine.evidence import metric_evidence

    scheme = read_scheme(TEMPLATE).scheme
    first, last = scheme.window
    rows = evaluate(scheme, ACCEPTANCE / "data", first, last).rows
    backend = loaded_backend(scheme, ACCEPTANCE / "data")
    groups = sorted({v[2] for visits in read_visits().values() for v in visits})
    for month in range(8, 13):
        period = m.Period.parse(f"2015-{month:02d}", "month")
        lost = lost_in(2015, month)
        store = metric_evidence(backend, scheme, "store_churn", "store", period)
        assert store.total == len(lost)
        for group in groups:
            evidence = metric_evidence(backend, scheme, "group_churn", group, period)
            expected = sorted(c for c, v in lost.items() if v[2] == group)
            assert [r[0] for r in evidence.rows] == expected
            assert evidence.total == len(expected)
            for row in rows:
                if (row["subject"], row["item"], row["period"]) == (
                    group,
                    "advisor_group_churn",
                    dt.date(2015, month, 1),
                ) and row["value_num"] is not None:
                    assert evidence.total == int(row["value_num"])
                    assert store.total == int(row["reference_num"])


def loaded_backend(scheme: m.Scheme, data: Path):
    """A DuckDB connection with the scheme's input tables loaded, as a run loads them."""
    import ibis

    from assessor.data.load import load_tables
    from assessor.data.sources import find_sources
    from assessor.engine.evaluate import install_functions

    backend = ibis.duckdb.connect()
    install_functions(backend.con)
    load_tables(backend.con, scheme.tables, find_sources(scheme.tables, data), {}, None)
    return backend


def test_a_metric_without_evidence_adds_no_line() -> None:
    outcome = invoke(
        "explain", "城东组", "--period", "2026-03",
        "--scheme", FLOOR / "customer-relations.assess", "--data", FLOOR / "sample-data",
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    # the satisfaction index is a mean of survey scores: no records behind a numerator
    index = next(i for i, x in enumerate(lines) if "indicator 满意度指数" in x)
    assert lines[index + 1].strip().startswith(("indicator ", "dimension "))
    # the response rate counts tickets: its line is followed by them
    response = next(i for i, x in enumerate(lines) if "indicator 响应 " in x)
    assert lines[response + 1].strip().startswith("tickets answered in time (")


def test_an_evidence_without_its_columns_names_the_plugin() -> None:
    from assessor.engine.evidence import metric_evidence

    scheme = read_scheme(TEMPLATE).scheme
    metric = scheme.metric("group_churn")
    spec = attrs.evolve(
        metric.definition.spec,
        evidence=lambda context, **_: context.table("visits").select("customer_id"),
    )
    broken = attrs.evolve(metric, definition=attrs.evolve(metric.definition, spec=spec))
    scheme = attrs.evolve(
        scheme, metrics=tuple(broken if x is metric else x for x in scheme.metrics)
    )
    period = m.Period.parse("2015-08", "month")
    with pytest.raises(AssessorError) as raised:
        metric_evidence(None, scheme, "group_churn", "Alpha", period)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "E403"
    assert "auto_aftersales" in diagnostic.hint
    assert "period, subject" in diagnostic.message


def test_without_a_request_there_is_no_evidence() -> None:
    loaded = read_scheme(TEMPLATE)
    period = m.Period.parse("2015-08", "month")
    assert assess(loaded, ACCEPTANCE / "data", period, period).evidence == {}


@pytest.mark.parametrize(
    ("template", "data"),
    [
        ("auto-aftersales/churn-control.assess", "auto-aftersales/sample-data"),
        ("auto-aftersales/service-kpi.assess", "auto-aftersales/sample-data-service-kpi"),
        ("auto-aftersales/sales-churn.assess", "auto-aftersales/sample-data-sales-churn"),
        ("floor-heating/customer-relations.assess", "floor-heating/sample-data"),
        ("electrical-equipment/crm-team.assess", "electrical-equipment/sample-data"),
    ],
)
def test_every_evidence_has_as_many_rows_as_the_numerator(template: str, data: str) -> None:
    """On each template's sample data, for every plugin metric with evidence, every subject
    and month of the window: the evidence rows number the metric's ``num`` (one query per
    metric over the whole window, grouped, not one per subject).
    """
    from assessor.engine import series as s
    from assessor.engine.plan import plugin_call

    scheme = read_scheme(ROOT / "schemes" / template).scheme
    backend = loaded_backend(scheme, ROOT / "schemes" / data)
    inputs = {t.name: s.input_table(t) for t in scheme.tables}
    first, last = scheme.window
    checked = 0
    for metric in scheme.metrics:
        definition = metric.definition
        if not isinstance(definition, m.PluginMetric) or definition.spec.evidence is None:
            continue
        call = plugin_call(scheme, inputs, metric, first.first_month, last.last_month)
        keys = call.context.keys
        computed = definition.spec.compute(call.context, **call.arguments)
        listed = definition.spec.evidence(call.context, **call.arguments)
        counts = listed.group_by(keys).aggregate(n=listed.count())
        numerators = {
            tuple(r[k] for k in keys): int(r["num"])
            for r in backend.to_pyarrow(computed).to_pylist()
            if r["num"]
        }
        listed_counts = {
            tuple(r[k] for k in keys): r["n"] for r in backend.to_pyarrow(counts).to_pylist()
        }
        assert listed_counts == numerators, metric.name
        checked += 1
    assert checked
