"""Write the export corpus: messy but valid exports beside their clean UTF-8 twins, and
broken ones. Run it after changing a case (`python tests/exports/make.py`); the files it
writes are kept in the repository, so the tests never run it.

Every case is a folder with `case.yaml` (what it shows, the scheme or table it is read
for, and for a broken one what must be printed). A valid case has its messy data and a
`clean/` folder holding the same records as plain UTF-8 CSV with ISO dates and plain
numbers; the tests read both and compare every value, then compare the results of a run.
The records are small and written out here by hand, so each twin can be checked by eye.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import yaml
from openpyxl import Workbook

HERE = Path(__file__).parent
PERIODS = ["2015-08", "2015-12"]

# The clean records of the churn-control cases: visits and follow-up assignments.
VISITS = [
    (1, "C1", "2015-01-10", "一组"),
    (2, "C2", "2015-02-03", "二组"),
    (3, "C1", "2015-08-01", "一组"),
    (4, "C3", "2015-08-15", "二组"),
    (5, "C4", "2015-09-30", "一组"),
    (6, "C2", "2015-10-08", "二组"),
    (7, "C5", "2015-11-11", "一组"),
    (8, "C3", "2015-12-24", "二组"),
]
FOLLOWUPS = [("李娜", "一组"), ("王芳", "二组")]
VISIT_COLUMNS = ["visit_id", "customer_id", "visit_date", "advisor_group"]
FOLLOWUP_COLUMNS = ["specialist", "advisor_group"]


def _csv(rows: list[list[str]]) -> str:
    """CSV text; the values here hold no comma or quote unless quoted by the caller."""
    return "".join(",".join(row) + "\r\n" for row in rows)


def _clean_churn() -> dict[str, str]:
    visits = [VISIT_COLUMNS] + [[str(v[0]), v[1], v[2], v[3]] for v in VISITS]
    followups = [FOLLOWUP_COLUMNS] + [list(f) for f in FOLLOWUPS]
    return {"visits.csv": _csv(visits), "followups.csv": _csv(followups)}


def _styled(day: str, style: int) -> str:
    """A date in one of the styles Chinese exports use."""
    d = dt.date.fromisoformat(day)
    return [
        day,
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}.{d.month}.{d.day}",
    ][style % 4]


def _case(folder: Path, case: dict, files: dict[str, bytes | str]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(
        yaml.safe_dump(case, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)


def _project(data: str, scheme: str = "scheme.assess", **settings: object) -> str:
    text = {"scheme": scheme, "data": data, **settings}
    return yaml.safe_dump(text, allow_unicode=True, sort_keys=False)


def _churn_case(name: str, description: str, files: dict, **settings: object) -> None:
    data = settings.pop("data", "data")
    case = {"description": description, "scheme": "churn-control", "periods": PERIODS}
    clean = {f"clean/{k}": v for k, v in _clean_churn().items()}
    project = {"assessor.yaml": _project(str(data), **settings)}
    _case(HERE / "valid" / name, case, {**files, **clean, **project})


# -- valid exports ----------------------------------------------------------------------------


def gbk_with_chinese_headers() -> None:
    """What Chinese Excel saves as CSV: GBK, Chinese headers mapped under columns:."""
    visits = [["进站编号", "客户编号", "进站日期", "业务接待组"]]
    visits += [[str(v[0]), v[1], _styled(v[2], 1), v[3]] for v in VISITS]
    followups = [["回访专员", "所回访业务接待组"]] + [list(f) for f in FOLLOWUPS]
    columns = {
        "visits": dict(zip(VISIT_COLUMNS, visits[0], strict=True)),
        "followups": dict(zip(FOLLOWUP_COLUMNS, followups[0], strict=True)),
    }
    _churn_case(
        "gbk-chinese-headers",
        "GBK files (detected) with Chinese headers and group names, dates as 2015/8/1",
        {
            "data/visits.csv": _csv(visits).encode("gbk"),
            "data/followups.csv": _csv(followups).encode("gbk"),
        },
        columns=columns,
    )


def declared_gb18030() -> None:
    """One table declared GB18030 in assessor.yaml, the other detected."""
    visits = [VISIT_COLUMNS] + [[str(v[0]), v[1], v[2], v[3]] for v in VISITS]
    followups = [FOLLOWUP_COLUMNS] + [list(f) for f in FOLLOWUPS]
    _churn_case(
        "declared-encoding",
        "encoding: declared per table (visits: gbk); followups detected as GB18030",
        {
            "data/visits.csv": _csv(visits).encode("gb18030"),
            "data/followups.csv": _csv(followups).encode("gb18030"),
        },
        encoding={"visits": "gbk"},
    )


def bom_with_spaces() -> None:
    """UTF-8 with a byte order mark, spaces around header names and around the keys."""
    visits = [[" visit_id", "customer_id ", " visit_date ", "advisor_group  "]]
    visits += [[f" {v[0]} ", f" {v[1]}", v[2], f"  {v[3]} "] for v in VISITS]
    followups = [["specialist ", " advisor_group"]]
    followups += [[f"{s}\u3000", f" {g}"] for s, g in FOLLOWUPS]
    _churn_case(
        "bom-spaces",
        "UTF-8 with BOM; spaces (also U+3000) around header names, keys and numbers",
        {
            "data/visits.csv": "\ufeff" + _csv(visits),
            "data/followups.csv": "\ufeff" + _csv(followups),
        },
    )


def dates_in_every_style() -> None:
    visits = [VISIT_COLUMNS] + [
        [str(v[0]), v[1], _styled(v[2], k), v[3]] for k, v in enumerate(VISITS)
    ]
    followups = [FOLLOWUP_COLUMNS] + [list(f) for f in FOLLOWUPS]
    _churn_case(
        "dates-every-style",
        "visit_date as 2015-08-01, 2015/8/1, 2015年8月1日 and 2015.8.1 in one file",
        {"data/visits.csv": _csv(visits), "data/followups.csv": _csv(followups)},
    )


def workbook_with_titles() -> None:
    """A workbook as people keep it: a title and a blank row above each header, dates as
    date cells, as Excel day numbers (a cell that lost its date format) and as text, ids as
    numbers, and blank rows below the table.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "visits"
    sheet.append(["2015年进站记录"])
    sheet.append([])
    sheet.append(VISIT_COLUMNS)
    excel_epoch = dt.date(1899, 12, 30)
    for k, (visit_id, customer, day, group) in enumerate(VISITS):
        date = dt.date.fromisoformat(day)
        styles = [date, (date - excel_epoch).days, _styled(day, 2)]
        sheet.append([float(visit_id), customer, styles[k % 3], group])
    for _ in range(3):
        sheet.append([None, "", None, None])
    assigned = book.create_sheet("followups")
    assigned.append(["回访分工 2015"])
    assigned.append(FOLLOWUP_COLUMNS)
    for row in FOLLOWUPS:
        assigned.append(list(row))
    assigned.append(["", ""])
    folder = HERE / "valid" / "xlsx-title-rows"
    _churn_case(
        "xlsx-title-rows",
        "XLSX: title rows above the headers, dates as cells, day numbers and text, "
        "blank rows below",
        {},
        data="data.xlsx",
    )
    book.save(folder / "data.xlsx")


KPI_SCHEME = """scheme "接听率考核" period month window 2015-08 .. 2015-09
role team "客服组 / team" from kpi_values.subject
rule 接听 for team when kpi("接听率") >= 90 reward 100 元
rule 工单 for team when kpi("工单数") >= 1000 reward 50 元
"""
KPI = [
    ("一组", "2015-08", "接听率", "95"),
    ("一组", "2015-08", "工单数", "1234.5"),
    ("二组", "2015-08", "接听率", "88.5"),
    ("二组", "2015-08", "工单数", "999"),
    ("一组", "2015-09", "接听率", "90"),
    ("一组", "2015-09", "工单数", "1000"),
    ("二组", "2015-09", "接听率", "91.25"),
    ("二组", "2015-09", "工单数", "12345678.5"),
]
KPI_COLUMNS = ["subject", "period", "indicator", "value"]


def numbers_with_separators() -> None:
    """kpi_values with thousands separators, months as 2015年8月 and 2015/9, spaces."""
    months = {"2015-08": "2015年8月", "2015-09": "2015/9"}
    messy = [[" subject", "period ", "indicator", " value "]]
    for subject, month, indicator, value in KPI:
        number = f"{float(value):,}".removesuffix(".0") if float(value) >= 1000 else value
        messy.append([f" {subject} ", months[month], indicator, f'"{number}"'])
    clean = [KPI_COLUMNS] + [list(row) for row in KPI]
    case = {
        "description": "numbers as 1,234.5 and 12,345,678.5; months as 2015年8月 and 2015/9",
        "scheme": "kpi.assess",
        "periods": ["2015-08", "2015-09"],
    }
    _case(
        HERE / "valid" / "kpi-separators",
        case,
        {
            "kpi.assess": KPI_SCHEME,
            "assessor.yaml": _project("data", "kpi.assess"),
            "data/kpi_values.csv": _csv(messy).encode("gb18030"),
            "clean/kpi_values.csv": _csv(clean),
        },
    )


def percent_in_shares() -> None:
    """A column of shares (unit ratio) reads 12.5% as 0.125; amounts keep separators."""
    table = {
        "name": "shares",
        "columns": [
            ["store", "text"],
            ["day", "date"],
            ["share", "decimal", "ratio"],
            ["amount", "decimal"],
        ],
    }
    messy = [
        ["store", "day", "share", "amount"],
        ["东店", "2015年8月1日", "12.5%", '"1,234.5"'],
        ["西店", "2015.8.2", "0.875", "-12"],
        ["南店", "2015/8/3", "100%", '"1,000,000"'],
        ["北店", "2015-08-04", "0.05%", "0.5"],
    ]
    clean = [
        ["store", "day", "share", "amount"],
        ["东店", "2015-08-01", "0.125", "1234.5"],
        ["西店", "2015-08-02", "0.875", "-12"],
        ["南店", "2015-08-03", "1", "1000000"],
        ["北店", "2015-08-04", "0.0005", "0.5"],
    ]
    case = {
        "description": "percentages in a column of shares, thousands separators in amounts",
        "table": table,
    }
    _case(
        HERE / "valid" / "percent-shares",
        case,
        {"data/shares.csv": _csv(messy), "clean/shares.csv": _csv(clean)},
    )


# -- broken exports ---------------------------------------------------------------------------


def _broken(name: str, description: str, expect: list[str], files: dict, **extra) -> None:
    scheme = extra.pop("scheme", "churn-control")
    case = {"description": description, "scheme": scheme, "periods": PERIODS, "expect": expect}
    data = extra.pop("data", "data")
    file = "scheme.assess" if scheme == "churn-control" else scheme
    project = {"assessor.yaml": _project(data, file, **extra)}
    churn = data == "data" and scheme == "churn-control"
    clean = {f"data/{k}": v for k, v in _clean_churn().items()} if churn else {}
    _case(HERE / "broken" / name, case, {**clean, **project, **files})


def broken_cases() -> None:
    rows = _clean_churn()["visits.csv"].splitlines()
    bad_bytes = ("\r\n".join(rows[:2]) + "\r\n").encode() + b"3,C1,2015-08-01,\xff\xfe\r\n"
    _broken(
        "undecodable-bytes",
        "line 3 holds bytes that are a character in neither UTF-8 nor GB18030",
        ["visits.csv:3: error[E303] visits.csv is neither UTF-8 nor GB18030 (GBK) text"],
        {"data/visits.csv": bad_bytes},
    )
    _broken(
        "declared-utf8-but-gbk",
        "encoding: utf-8 declared for a GBK file: not guessed, the line is named",
        ["followups.csv:2: error[E303] followups.csv is not UTF-8 text"],
        {"data/followups.csv": _csv([FOLLOWUP_COLUMNS, ["李娜", "一组"]]).encode("gbk")},
        encoding="utf-8",
    )
    ambiguous = rows[:]
    ambiguous[4] = "4,C3,8/1/2015,二组"
    _broken(
        "ambiguous-date",
        "8/1/2015: day and month cannot be told apart",
        [
            "visits.csv:5 (column 'visit_date'): error[E313] visits.csv: row 4: cannot read "
            "'8/1/2015' in column 'visit_date' as a date",
            "write the year first",
        ],
        {"data/visits.csv": "\r\n".join(ambiguous) + "\r\n"},
    )
    kpi = [KPI_COLUMNS] + [list(row) for row in KPI]
    kpi[3][3] = "1.2.3"
    _broken(
        "two-decimal-points",
        "a number with two decimal points",
        [
            "kpi_values.csv:4 (column 'value'): error[E303] kpi_values.csv: row 3: cannot read "
            "'1.2.3' in column 'value' as a number"
        ],
        {"data/kpi_values.csv": _csv(kpi), "kpi.assess": KPI_SCHEME},
        scheme="kpi.assess",
    )
    kpi = [KPI_COLUMNS] + [list(row) for row in KPI]
    kpi[1][3] = "95%"
    _broken(
        "percent-in-plain-numbers",
        "95% where the column holds plain numbers (95 means 95%): not read as 0.95",
        [
            "kpi_values.csv:2 (column 'value'): error[E303] kpi_values.csv: row 1: cannot read "
            "'95%' in column 'value' as a number",
            "write 95, not 95%",
        ],
        {"data/kpi_values.csv": _csv(kpi), "kpi.assess": KPI_SCHEME},
        scheme="kpi.assess",
    )
    missing = [VISIT_COLUMNS[:3]] + [[str(v[0]), v[1], v[2]] for v in VISITS]
    _broken(
        "missing-column",
        "the header lacks advisor_group",
        ["visits.csv:1: error[E302] visits.csv has no column 'advisor_group'"],
        {"data/visits.csv": _csv(missing)},
    )
    book = Workbook()
    sheet = book.active
    sheet.title = "visits"
    sheet.append(["2015年进站记录"])
    sheet.append(["编号", "客户", "日期", "组"])
    sheet.append([1, "C1", "2015-08-01", "一组"])
    followups = book.create_sheet("followups")
    followups.append(FOLLOWUP_COLUMNS)
    followups.append(["李娜", "一组"])
    _broken(
        "xlsx-without-header",
        "no row of the sheet names the declared columns",
        ["data.xlsx [visits]:1: error[E314] data.xlsx, sheet visits: no row holds the table's"],
        {},
        data="data.xlsx",
    )
    book.save(HERE / "broken" / "xlsx-without-header" / "data.xlsx")


def main() -> None:
    """Write every case."""
    for kind in ("valid", "broken"):
        shutil.rmtree(HERE / kind, ignore_errors=True)
    gbk_with_chinese_headers()
    declared_gb18030()
    bom_with_spaces()
    dates_in_every_style()
    workbook_with_titles()
    numbers_with_separators()
    percent_in_shares()
    broken_cases()


if __name__ == "__main__":
    main()
