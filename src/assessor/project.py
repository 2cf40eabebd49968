"""A company's assessment project: a folder with its scheme, its data and ``assessor.yaml``.

``assessor init DIR --template ID`` creates one from a template; in it, ``assessor run
--period 2026-10`` needs no other argument. ``assessor.yaml`` says where the scheme and the
data are, where results go, the language of explanations, parameter overrides and the
company's own names of the declared input columns, and the engine that runs the plans
(``engine:`` with, for Spark, ``spark: {master: …, conf: {…}}``), and the encoding of its CSV
files (``encoding:``, for every table or per table; detected by default). ``data:`` may name tables
already in PostgreSQL (``postgres://…?schema=NAME``) or Spark (``spark:DATABASE``); with
PostgreSQL as the engine, the results history is kept in that database (``history: {schema:
…}``, default ``assessor``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from assessor.errors import AssessorError, DataLocation, Diagnostic, Location, suggest
from assessor.located_yaml import LocatedMapping, YamlProblem, load_located
from assessor.model.registry import TableSpec, TemplateSpec

PROJECT_FILE = "assessor.yaml"
_KEYS = (
    "scheme",
    "data",
    "out",
    "lang",
    "set",
    "columns",
    "encoding",
    "engine",
    "spark",
    "duckdb",
    "plugins",
    "history",
)
# CSV files are UTF-8 or GB18030 (GBK) unless declared; any encoding Python knows may be
AUTO_ENCODING = "auto"
_ENCODING_HINT = "write auto (the default: UTF-8 or GB18030, detected), utf-8, gbk or gb18030"
_SPARK_KEYS = ("master", "conf")
# DuckDB reads and checks the inputs (and runs the plan by default); past its memory limit it
# spills to its temporary folder, so inputs larger than memory still run
_DUCKDB_KEYS = ("memory_limit", "threads", "temp_directory")
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
_HISTORY_KEYS = ("schema",)
# where a project whose engine is PostgreSQL keeps its results history, in that database
DEFAULT_HISTORY_SCHEMA = "assessor"
_LANGUAGES = ("zh", "en")
_HINT = f"see the comments {PROJECT_FILE} was created with (assessor init), or docs/projects.md"


@attrs.frozen
class Project:
    """A project's settings, paths resolved against its folder."""

    folder: Path
    scheme: Path
    # a folder or file, or input tables already in PostgreSQL (data.postgres.DatabaseData)
    # or in Spark (data.spark_tables.SparkData)
    data: Any
    out: Path
    lang: str
    overrides: tuple[tuple[str, str], ...]
    # per input table, the company's own names of declared columns
    renames: Mapping[str, Mapping[str, str]]
    file: Path
    text: str
    # the engine (``engine.backends.EngineChoice``) that runs the plans; None: DuckDB
    engine: str | None = None
    spark_master: str | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()
    # the schema holding the results history when the engine is PostgreSQL
    history_schema: str = DEFAULT_HISTORY_SCHEMA
    # the encoding of every CSV file (``encoding: gbk``), and of some tables' files
    encoding: str = AUTO_ENCODING
    table_encodings: Mapping[str, str] = attrs.field(factory=dict)
    # DuckDB's settings (``duckdb: {memory_limit: 4GB, threads: 2, temp_directory: …}``)
    duckdb: tuple[tuple[str, str], ...] = ()
    # the only plugins schemes may load (``plugins: [auto_aftersales]``); None: every one
    plugins: tuple[str, ...] | None = None

    def encodings(self, tables: tuple[TableSpec, ...]) -> dict[str, str]:
        """The declared encoding of each table's CSV file (``auto``: detected)."""
        return {t.name: self.table_encodings.get(t.name, self.encoding) for t in tables}

    def engine_choice(self, option: str | None = None, data: Any = None) -> Any:
        """The engine a run uses: ``--engine`` (``option``) wins over ``engine:``; Spark's
        master and settings come from ``spark:``. For tables already in PostgreSQL (``data``,
        default the project's), that database; for tables in Spark, Spark; raises ValueError
        if another engine is named.
        """
        from assessor.data.postgres import DatabaseData
        from assessor.data.spark_tables import SparkData
        from assessor.engine.backends import engine_for_data, parse_engine

        data = self.data if data is None else data
        conf = dict(self.spark_conf)
        if isinstance(data, (DatabaseData, SparkData)):
            return engine_for_data(data, option or self.engine, self.spark_master, conf)
        return parse_engine(option or self.engine, self.spark_master, conf)

    def history_database(self) -> str | None:
        """The PostgreSQL URL that keeps this project's results history: its engine's when
        ``engine:`` is PostgreSQL, or its data's when ``data:`` is; None: ``history.duckdb``
        in the project folder.
        """
        from assessor.data.postgres import DatabaseData
        from assessor.engine.backends import POSTGRES, parse_engine

        if isinstance(self.data, DatabaseData):
            return self.data.url
        choice = parse_engine(self.engine)
        return choice.url if choice.kind == POSTGRES else None

    def check_renames(self, tables: tuple[TableSpec, ...]) -> None:
        """Every renamed table and column, and every table given an encoding, must be one the
        scheme reads.
        """
        document = load_located(self.text, str(self.file))
        columns = document.get("columns") or LocatedMapping()
        problems = []
        known = {t.name: t for t in tables}
        for table, renamed in self.renames.items():
            spec = known.get(table)
            if spec is None:
                problems.append(
                    _problem(
                        f"the scheme reads no input table {table!r}",
                        columns.key_spans.get(table, columns.span),
                        suggest(table, known) or "tables: " + ", ".join(known),
                    )
                )
                continue
            declared = [c.name for c in spec.columns]
            located = columns.get(table)
            for column in renamed:
                if column not in declared:
                    where = located.key_spans.get(column, located.span)
                    hint = suggest(column, declared) or "columns: " + ", ".join(declared)
                    problems.append(_problem(f"{table} has no column {column!r}", where, hint))
        problems += self._unknown_encoding_tables(document, known)
        if problems:
            raise AssessorError(problems)

    def _unknown_encoding_tables(
        self, document: LocatedMapping, known: Mapping[str, TableSpec]
    ) -> list[Diagnostic]:
        """``encoding:`` per table names only tables the scheme reads."""
        located = document.get("encoding")
        if not isinstance(located, LocatedMapping):
            return []
        return [
            _problem(
                f"encoding: the scheme reads no input table {table!r}",
                located.key_spans.get(table, located.span),
                suggest(table, known) or "tables: " + ", ".join(known),
            )
            for table in self.table_encodings
            if table not in known
        ]


def find_project(folder: Path) -> Path | None:
    """The project file in a folder, if there is one."""
    path = folder / PROJECT_FILE
    return path if path.is_file() else None


def load_project(path: Path) -> Project:
    """Read and check ``assessor.yaml``: every problem at its line, all at once."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        document = load_located(text, str(path))
    except YamlProblem as problem:
        raise AssessorError([_problem(problem.message, problem.location)]) from None
    if not isinstance(document, LocatedMapping):
        raise AssessorError(
            [_problem("the project file must be a mapping of keys", DataLocation(str(path)))]
        )
    problems = [
        _problem(
            f"unknown key {key!r}",
            document.key_spans.get(str(key)),
            suggest(str(key), _KEYS) or "keys: " + ", ".join(_KEYS),
        )
        for key in document
        if str(key) not in _KEYS
    ]
    problems += [
        _problem(f"{key!r} is required", document.span, f"add `{key}: ...`")
        for key in ("scheme", "data")
        if key not in document
    ]
    folder = path.parent
    values = {key: _text(document, key, problems) for key in ("scheme", "data", "out", "lang")}
    overrides = _texts(document, "set", problems)
    renames = {
        table: _texts(document["columns"], table, problems)
        for table in _mapping(document, "columns", problems)
    }
    engine = _engine(document, problems)
    encoding, table_encodings = _encodings(document, problems)
    spark = _mapping(document, "spark", problems)
    problems += [
        _problem(f"spark: unknown key {key!r}", spark.key_spans.get(str(key)), "keys: master, conf")
        for key in spark
        if str(key) not in _SPARK_KEYS
    ]
    spark_master = _text(spark, "master", problems)
    spark_conf = tuple(sorted(_texts(spark, "conf", problems).items()))
    duckdb = _duckdb_settings(document, folder, problems)
    plugins = _allowed_plugins(document, problems)
    history = _mapping(document, "history", problems)
    problems += [
        _problem(f"history: unknown key {key!r}", history.key_spans.get(str(key)), "keys: schema")
        for key in history
        if str(key) not in _HISTORY_KEYS
    ]
    history_schema = _text(history, "schema", problems) or DEFAULT_HISTORY_SCHEMA
    data = _data(values["data"], document, problems)
    lang = values["lang"] or "zh"
    if lang not in _LANGUAGES:
        problems.append(_problem(f"lang {lang!r} is not zh or en", document.place("lang")))
    for key in ("scheme", "data"):
        if key == "data" and not isinstance(data, str):
            continue  # tables in a database
        if values[key] and not (folder / values[key]).exists():
            problems.append(
                Diagnostic(
                    "E602",
                    f"{key} {values[key]!r} does not exist",
                    document.place(key),
                    f"paths are relative to the folder of {PROJECT_FILE}",
                )
            )
    if problems:
        raise AssessorError(problems)
    return Project(
        folder=folder,
        scheme=folder / values["scheme"],
        data=data if not isinstance(data, str) else folder / data,
        out=folder / (values["out"] or "results"),
        lang=lang,
        overrides=tuple(overrides.items()),
        renames={table: dict(columns) for table, columns in renames.items()},
        file=path,
        text=text,
        engine=engine,
        spark_master=spark_master,
        spark_conf=spark_conf,
        history_schema=history_schema,
        encoding=encoding,
        table_encodings=table_encodings,
        duckdb=duckdb,
        plugins=plugins,
    )


def _problem(message: str, location: Location | None, hint: str | None = None) -> Diagnostic:
    return Diagnostic("E601", message, location, hint or _HINT)


def _text(document: LocatedMapping, key: str, problems: list[Diagnostic]) -> str | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(_problem(f"{key} must be text, not {value!r}", document.place(key)))
        return None
    return value


def _data(value: str | None, document: LocatedMapping, problems: list[Diagnostic]) -> Any:
    """``data:`` as a path (text, resolved later), or tables already in PostgreSQL or Spark."""
    from assessor.data.in_engine import parse_data_in_engine

    if value is None:
        return None
    try:
        found = parse_data_in_engine(value)
    except ValueError as error:
        problems.append(_problem(str(error), document.place("data")))
        return None
    return value if found is None else found


def _engine(document: LocatedMapping, problems: list[Diagnostic]) -> str | None:
    """The ``engine:`` text, checked as ``--engine`` is."""
    from assessor.engine.backends import parse_engine

    value = _text(document, "engine", problems)
    if value is not None:
        try:
            parse_engine(value)
        except ValueError as error:
            problems.append(_problem(str(error), document.place("engine")))
    return value


def _encodings(document: LocatedMapping, problems: list[Diagnostic]) -> tuple[str, dict[str, str]]:
    """``encoding:``: one name for every CSV file, or a mapping of table -> name."""
    value = document.get("encoding")
    if value is None:
        return AUTO_ENCODING, {}
    if isinstance(value, str):
        return _encoding(value, document.place("encoding"), problems), {}
    per_table = _texts(document, "encoding", problems)
    located = value if isinstance(value, LocatedMapping) else LocatedMapping()
    return AUTO_ENCODING, {
        table: _encoding(name, located.place(table), problems) for table, name in per_table.items()
    }


def _encoding(name: str, location: Location | None, problems: list[Diagnostic]) -> str:
    """A declared encoding, checked: ``auto`` or a codec Python knows."""
    import codecs

    if name.strip().lower() == AUTO_ENCODING:
        return AUTO_ENCODING
    try:
        # text encodings only: base64 or rot13 are codecs too
        known = codecs.lookup(name.strip())._is_text_encoding
    except LookupError:
        known = False
    if not known:
        problems.append(_problem(f"encoding {name!r} is not an encoding", location, _ENCODING_HINT))
        return AUTO_ENCODING
    return name.strip()


def _mapping(document: LocatedMapping, key: str, problems: list[Diagnostic]) -> LocatedMapping:
    value = document.get(key)
    if value is None:
        return LocatedMapping()
    if not isinstance(value, LocatedMapping):
        problems.append(_problem(f"{key} must be a mapping of names", document.place(key)))
        return LocatedMapping()
    return value


def _duckdb_settings(
    document: LocatedMapping, folder: Path, problems: list[Diagnostic]
) -> tuple[tuple[str, str], ...]:
    """``duckdb:``: a memory limit (``4GB``), a number of threads and a folder to spill to
    (relative to the project's folder), each checked here rather than by DuckDB at run time.
    """
    settings = _texts(document, "duckdb", problems)
    located = document.get("duckdb")  # a mapping whenever settings has any
    checks = {
        "memory_limit": (lambda v: _MEMORY.fullmatch(v.strip()), "write a size such as 4GB"),
        "threads": (lambda v: v.strip().isdigit() and int(v) > 0, "write a number, 1 or more"),
        "temp_directory": (lambda v: bool(v.strip()), "write a folder"),
    }
    for key, value in settings.items():
        if key not in _DUCKDB_KEYS:
            problems.append(
                _problem(
                    f"duckdb: unknown key {key!r}",
                    located.key_spans.get(key),
                    suggest(key, _DUCKDB_KEYS) or "keys: " + ", ".join(_DUCKDB_KEYS),
                )
            )
        elif not checks[key][0](value):
            message = f"duckdb: {key} {value!r} is not valid"
            problems.append(_problem(message, located.place(key), checks[key][1]))
    if "temp_directory" in settings:
        settings["temp_directory"] = str(folder / settings["temp_directory"].strip())
    return tuple(sorted(settings.items()))


def _allowed_plugins(
    document: LocatedMapping, problems: list[Diagnostic]
) -> tuple[str, ...] | None:
    """``plugins:``, the allow-list: names of installed plugins (``assessor plugins``); the
    others are not even imported. None when the key is absent.
    """
    if "plugins" not in document:
        return None
    from importlib.metadata import entry_points

    from assessor.plugins.manager import ENTRY_POINT_GROUP

    names = document["plugins"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append(
            _problem(
                "plugins must be a list of plugin names",
                document.place("plugins"),
                "write e.g. plugins: [auto_aftersales]",
            )
        )
        return None
    installed = sorted(e.name for e in entry_points(group=ENTRY_POINT_GROUP))
    problems += [
        _problem(
            f"plugins: no installed plugin {name!r}",
            document.place("plugins"),
            suggest(name, installed) or "installed: " + ", ".join(installed),
        )
        for name in names
        if name not in installed
    ]
    return tuple(names)


def _texts(document: LocatedMapping, key: str, problems: list[Diagnostic]) -> dict[str, str]:
    """A mapping of names to values written as text (numbers and percentages included)."""
    mapping = _mapping(document, key, problems)
    texts = {}
    for name, value in mapping.items():
        if isinstance(value, dict | list) or value is None:
            problems.append(_problem(f"{key}: {name} needs a single value", mapping.place(name)))
            continue
        texts[str(name)] = str(value)
    return texts


# -- creating a project ----------------------------------------------------------------------


def init_project(folder: Path, template: TemplateSpec, tables: tuple[TableSpec, ...]) -> None:
    """A project folder from a template: the scheme, blank inputs, assessor.yaml, a README."""
    from assessor.catalogue import write_blank_inputs

    folder.mkdir(parents=True, exist_ok=True)
    scheme = folder / template.path.name
    scheme.write_text(_scheme_text(template), encoding="utf-8")
    write_blank_inputs(tables, folder / "data")
    (folder / PROJECT_FILE).write_text(_project_text(scheme.name, tables), encoding="utf-8")
    (folder / "README.md").write_text(_readme(template, scheme.name, tables), encoding="utf-8")


def _scheme_text(template: TemplateSpec) -> str:
    """A scheme that extends the template: it follows the template's updates and says only
    what the company changes.
    """
    title = template.title_zh.replace("\\", "\\\\").replace('"', '\\"')
    return f"""# 本公司考核方案 / this company's scheme
# 基于模板 {template.id}：模板中的一切照用，模板更新时随之更新。只需在下面写出要改的部分：
# 同名的 param、rule、metric、grade、bonus 替换模板中的同名声明。
# Based on the template {template.id}: everything in it applies and follows its updates.
# Write below only what you change; a declaration replaces the template's of the same name.
# `assessor doc {template.path.name}` shows the whole scheme, `assessor diff` what changed.
#
# 例 / e.g.
#   param <参数名> = 10 months                    改参数 / another value
#   amend <评分卡>.<维度>.<指标> weight 25%        改权重或计分 / a weight or method
#   drop <规则名>                                  不用某条规则 / leave a rule out
# 生效日 / the day this version takes effect:  effective YYYY-MM-DD after the version

scheme "{title}" extends "{template.id}" version "1"
"""


def _project_text(scheme: str, tables: tuple[TableSpec, ...]) -> str:
    example = tables[0] if tables else None
    column = example.columns[0].name if example else "column"
    return f"""# 考核项目配置 / assessment project ({PROJECT_FILE})
# Paths are relative to this folder.

# 考核方案 / the scheme
scheme: {scheme}

# 数据 / data: a folder of CSV or Parquet files (one per table), an .xlsx workbook with a
# sheet per table (data/inputs.xlsx, filled in), a .duckdb database file, or tables already
# in PostgreSQL: postgres://user@host:5432/db?schema=NAME, or in Spark: spark:DATABASE
# (checked and read in place there)
data: data

# 结果 / results: each run writes into a folder per period below this one
out: results

# 说明语言 / language of the explanations: zh or en
lang: zh

# 参数调整 / parameter overrides, e.g.  留存率目标: 90%
set: {{}}

# 计算引擎 / the engine that runs the scheme: duckdb (default, on this machine),
# postgres://user@host:5432/db (inside your PostgreSQL), or spark (with spark: master, conf)
# engine: duckdb
# 结果历史 / with PostgreSQL, the results history is kept in that database, in this schema:
# history:
#   schema: assessor

# 列名对照 / your own column names, per table:  declared column: your column
# e.g.
#   {example.name if example else "table"}:
#     {column}: 你们的列名
columns: {{}}
"""


def _readme(template: TemplateSpec, scheme: str, tables: tuple[TableSpec, ...]) -> str:
    listed = "\n".join(f"- `{t.name}`: {t.label_zh} / {t.label_en}" for t in tables)
    return f"""# {template.title_zh}

{template.title_en}. Created from the template `{template.id}`.

1. 填写数据 / Fill in the data: one file per table in `data/` (blank CSV files with the right
   headers are there), or fill in `data/inputs.xlsx` and set `data: data/inputs.xlsx` in
   `{PROJECT_FILE}`. Every column is described in the workbook's first sheet.
{listed}
2. 每月运行 / Run every month: `assessor run --period 2026-10` in this folder writes
   `results/2026-10/results.csv` with a reason for every number.
3. 方案 / The scheme is `{scheme}`. It extends the template `{template.id}` and follows its
   updates; write there only what this company changes (a parameter, a weight, a rule), then
   `assessor check {scheme}`. `assessor doc {scheme}` prints the whole scheme, and
   `assessor diff OLD.assess {scheme}` what a new version changes.
"""
