"""Syntax tree + plugin registry -> checked :class:`~assessor.model.scheme.Scheme`.

Every mistake is collected and reported at once, each with its span and, where a name is
unknown, the closest known name. Run-time parameter overrides are applied here, so the model
the planner receives holds final, exact values.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import attrs

from assessor.errors import Diagnostic, Span, raise_if_errors, suggest
from assessor.model import scheme as m
from assessor.model.check_cards import CardChecks, canonical_operator
from assessor.model.registry import AggregateSpec, ColumnSpec, MetricSpec, Registry, TableSpec
from assessor.model.units import UNIT_WORDS, Unit, combine, comparable, parse_quantity, quantity_of
from assessor.syntax import ast

BUILTIN_PLUGIN = "builtin"
ROLLUPS = ("mean", "sum", "last")
HIT_POLICIES = ("first", "unique", "collect")
# words for `over previous N <word>`: periods of the scheme's kind, or that kind by name
_PERIOD_WORDS = {
    "periods": None,
    "period": None,
    "months": "month",
    "month": "month",
    "个月": "month",
    "quarters": "quarter",
    "quarter": "quarter",
    "个季度": "quarter",
    "half-years": "half",
    "halves": "half",
    "years": "year",
    "year": "year",
    "年": "year",
}
# functions of the language itself, not of a plugin
_SHIFTS = ("previous", "last_year")
BASELINE = "baseline"
BASELINE_PERIODS = 3
_EXTREMA = ("min", "max")
# Terms of an expression written out (``m.expanded_size``): the templates stay under 100; one
# of 4,400 took the engine 23 s and 1.7 GB to compile and run on 4,600 visits.
MAX_EXPANDED_SIZE = 1_000
_EXPRESSIONS = (
    m.Constant, m.MetricValue, m.Arithmetic, m.Comparison, m.BoolOp, m.Negation, m.IsDefined,
    m.Choose,
)  # fmt: skip
_PEERS = ("mean", "median", "percentile", "rank")
# A grain: the role whose subjects a value is per, or None for the store as a whole.
Grain = str | None


def check_scheme(
    tree: ast.SchemeText, registry: Registry, overrides: Mapping[str, str] | None = None
) -> tuple[m.Scheme, list[Diagnostic]]:
    """Check a parsed scheme against the installed plugins and apply parameter overrides.

    Returns the checked scheme and the warnings (unused parameters and metrics). Raises
    :class:`~assessor.errors.AssessorError` carrying every error found.
    """
    checker = _Checker(tree, registry, dict(overrides or {}))
    scheme = checker.run()
    raise_if_errors(checker.diagnostics)
    return scheme, [d for d in checker.diagnostics if d.severity == "warning"]


@attrs.define
class _Checker(CardChecks):
    tree: ast.SchemeText
    registry: Registry
    overrides: dict[str, str]
    diagnostics: list[Diagnostic] = attrs.field(factory=list)
    params: dict[str, m.Param] = attrs.field(factory=dict)
    roles: dict[str, m.Role] = attrs.field(factory=dict)
    metric_decls: dict[str, ast.MetricDecl] = attrs.field(factory=dict)
    metrics: dict[str, m.Metric | None] = attrs.field(factory=dict)  # None: being resolved
    failed: set[str] = attrs.field(factory=set)  # metrics already reported as wrong
    tables: dict[str, TableSpec] = attrs.field(factory=dict)
    plugins: set[str] = attrs.field(factory=set)
    period_kind: str = "month"
    transfer: datetime.date | None = None
    used: set[str] = attrs.field(factory=set)  # parameters and metrics read somewhere
    card_owner: dict[str, ast.ScorecardDecl] = attrs.field(factory=dict)
    cards: dict[str, m.Scorecard | None] = attrs.field(factory=dict)  # None: being built

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    def warning(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint, severity="warning"))

    # -- the whole scheme --------------------------------------------------------------

    def run(self) -> m.Scheme:
        header = self.tree.header
        self.check_plugins(header.uses)
        window = self.check_period(header)
        self.transfer = self.check_transfer(header.period.transfer if header.period else None)
        effective = self.check_effective(header.effective)
        self.refuse_adaptations()
        self.collect_names()
        for decl in self.tree.declarations:
            if isinstance(decl, ast.ParamDecl):
                self.check_param(decl)
        self.check_overrides()
        for decl in self.tree.declarations:
            if isinstance(decl, ast.RoleDecl):
                self.check_role(decl)
        for name in self.metric_decls:
            self.resolve_metric(name, self.metric_decls[name].name.span)
        for decl in self.declarations(ast.ScorecardDecl):
            self.scorecard(decl)
        rules = self.check_rules()
        grades = tuple(g for d in self.declarations(ast.GradeDecl) if (g := self.grade(d)))
        bonuses = tuple(b for d in self.declarations(ast.BonusDecl) if (b := self.bonus(d, grades)))
        limits = tuple(x for d in self.declarations(ast.LimitDecl) if (x := self.limit(d)))
        pools = tuple(x for d in self.declarations(ast.PoolDecl) if (x := self.pool(d)))
        if not (rules or self.cards or grades or bonuses) and not self.diagnostics:
            self.error(
                "E222",
                "the scheme has no rules, scorecards, grades or bonuses: it assesses nothing",
                self.tree.header.span,
                'add a rule, e.g. `rule r "label" for <role> when <condition> reward 200`, '
                "or a scorecard",
            )
        self.warn_unused()
        scheme = m.Scheme(
            title=header.title,
            plugins=tuple(sorted(self.plugins - {BUILTIN_PLUGIN})),
            period_kind=self.period_kind,
            review_kind=header.period.review.text
            if header.period and header.period.review
            else None,
            window=window,
            params=tuple(self.params.values()),
            roles=tuple(self.roles.values()),
            metrics=tuple(x for x in self.metrics.values() if x is not None),
            rules=rules,
            tables=self.tables_by_store(header.stores),
            stores=header.stores.text if header.stores else None,
            transfer=self.transfer,
            version=header.version.value if header.version else None,
            effective=effective,
            bases=tuple(m.Base(b.source, b.title, b.version) for b in self.tree.bases),
            scorecards=tuple(c for c in self.cards.values() if c is not None),
            grades=grades,
            bonuses=bonuses,
            limits=limits,
            pools=pools,
        )
        self.check_expanded_sizes(scheme)
        return scheme

    def check_expanded_sizes(self, scheme: m.Scheme) -> None:
        """E240 for an expression that grows too large once written out: ``min``, ``max`` and
        bands read their operands more than once, so nesting them multiplies the size at each
        level; unchecked, the engine would spend minutes and gigabytes compiling it.
        """
        sizes: dict[int, int] = {}
        for expr in _expressions(scheme):
            size = m.expanded_size(expr, sizes)
            if size > MAX_EXPANDED_SIZE:
                self.error(
                    "E240",
                    f"this expression grows to {size:,} terms when computed "
                    f"(at most {MAX_EXPANDED_SIZE:,})",
                    getattr(expr, "span", None),
                    "name an inner min(…), max(…) or band as a metric of its own: a metric is "
                    "computed once and read as a value",
                )
                return

    def declarations(self, kind: type) -> list:
        """The declarations of one kind, in source order."""
        return [d for d in self.tree.declarations if isinstance(d, kind)]

    def warn_unused(self) -> None:
        """Parameters and metrics nothing reads are probably left over from an edit (of this
        file: what a template declares and this scheme leaves unused is the template's).
        """
        mine = self.tree.file
        for param in self.params.values():
            if param.span.file != mine:
                continue
            if param.name not in self.used and param.name not in self.overrides:
                self.warning(
                    "W201",
                    f"parameter {param.name!r} is not used",
                    param.span,
                    "remove it, or use it in a metric or rule",
                )
        for name, decl in self.metric_decls.items():
            if decl.span.file == mine and name not in self.used and name not in self.failed:
                self.warning(
                    "W202",
                    f"metric {name!r} is not used",
                    decl.name.span,
                    "remove it, or use it in a rule, scorecard or grade",
                )

    def check_plugins(self, uses: tuple[ast.Identifier, ...]) -> None:
        self.plugins = {BUILTIN_PLUGIN}
        for name in uses:
            if name.text in self.registry.plugins:
                self.plugins.add(name.text)
            else:
                self.error(
                    "E209",
                    f"no installed plugin is called {name.text!r}",
                    name.span,
                    suggest(name.text, self.registry.plugins)
                    or "install it, or see `assessor plugins` for what is installed",
                )

    def tables_by_store(self, stores: ast.Identifier | None) -> tuple[TableSpec, ...]:
        """The input tables, each with the store column when the scheme says ``stores by``.

        Every table then needs the column (a text, never blank), and a row's key includes
        its store: two stores may each have a `接待1组` in the same month.
        """
        tables = [self.tables[name] for name in sorted(self.tables)]
        if stores is None:
            return tuple(tables)
        return tuple(self.with_store_column(spec, stores) for spec in tables)

    def with_store_column(self, spec: TableSpec, stores: ast.Identifier) -> TableSpec:
        """A table with its rows' store, which a multi-store scheme runs each store on alone."""
        own = spec.column(stores.text)
        if own is not None and own.type != "text":
            self.error(
                "E239",
                f"input table {spec.name!r} has a column {stores.text!r} of type {own.type}; "
                "the store column must be text",
                stores.span,
                "name the store column differently, e.g. `stores by store_code`, and rename it "
                "in the data",
            )
            return spec
        column = own or ColumnSpec(stores.text, "text", "门店", "store")
        columns = spec.columns if own else (*spec.columns, column)
        key = (stores.text, *spec.key) if spec.key else ()
        return attrs.evolve(spec, columns=columns, key=key)

    def check_transfer(self, day: ast.Identifier | None) -> datetime.date | None:
        """``transfer 2026-01-01``: a real calendar day."""
        return self.calendar_day(
            day, "E233", "write the transfer date as YYYY-MM-DD, e.g. 2026-01-01"
        )

    def check_effective(self, day: ast.Identifier | None) -> datetime.date | None:
        """``effective 2026-10-01``: the day this version of the scheme takes effect."""
        return self.calendar_day(
            day, "E238", "write the day the version takes effect as YYYY-MM-DD, e.g. 2026-10-01"
        )

    def calendar_day(
        self, day: ast.Identifier | None, code: str, hint: str
    ) -> datetime.date | None:
        """A date of the header, or None (with an error when it is no day of the calendar)."""
        if day is None:
            return None
        try:
            return datetime.date.fromisoformat(day.text)
        except ValueError:
            self.error(code, f"{day.text!r} is not a calendar day", day.span, hint)
            return None

    def refuse_adaptations(self) -> None:
        """``amend`` and ``drop`` change a template; left over here, there is none to change."""
        for decl in self.tree.declarations:
            if isinstance(decl, ast.Amend | ast.Drop):
                word = "amend" if isinstance(decl, ast.Amend) else "drop"
                self.error(
                    "E237",
                    f"`{word}` changes a template, and this scheme extends none",
                    decl.span,
                    'add `extends "<template>"` after the title, or write the declaration in full',
                )

    def check_period(self, header: ast.Header) -> tuple[m.Period, m.Period] | None:
        kinds = ", ".join(m.PERIOD_MONTHS)
        clause = header.period
        if clause is None:
            self.error(
                "E211",
                "the scheme says no period",
                header.span,
                "add e.g. `period month` after the title (a scheme that extends a template "
                "may leave it out)",
            )
            return None
        if clause.kind.text not in m.PERIOD_MONTHS:
            self.error(
                "E211",
                f"period {clause.kind.text!r} is not supported",
                clause.kind.span,
                suggest(clause.kind.text, m.PERIOD_MONTHS) or f"periods: {kinds}",
            )
        else:
            self.period_kind = clause.kind.text
        review = clause.review
        if review is not None and (
            review.text not in m.PERIOD_MONTHS
            or m.PERIOD_MONTHS[review.text] >= m.PERIOD_MONTHS[self.period_kind]
        ):
            self.error(
                "E211",
                f"cannot review per {review.text!r} in a scheme assessed per {self.period_kind}",
                review.span,
                "a review is a shorter period than the assessment, e.g. "
                "`period quarter review month`",
            )
        window = clause.window
        if window is None:
            return None
        first, last = (
            m.Period.parse(x.text, self.period_kind) for x in (window.first, window.last)
        )
        for period, ident in ((first, window.first), (last, window.last)):
            if period is None:
                self.error(
                    "E211",
                    f"{ident.text!r} is not a period of this scheme",
                    ident.span,
                    "write months as YYYY-MM (e.g. 2015-08), quarters as YYYY-Qn, half-years as "
                    "YYYY-Hn",
                )
        if first is None or last is None:
            return None
        if first > last:
            self.error(
                "E211",
                "the window ends before it starts",
                window.span,
                f"write `window {last} .. {first}`",
            )
            return None
        return first, last

    def collect_names(self) -> None:
        seen: dict[str, ast.Identifier] = {}
        for decl in self.tree.declarations:
            for name in _declared_names(decl):
                earlier = seen.get(name.text)
                if earlier is not None:
                    self.error(
                        "E206",
                        f"{name.text!r} is already defined at line {earlier.span.line}",
                        name.span,
                        "give it another name",
                    )
                    continue
                seen[name.text] = name
                if isinstance(decl, ast.MetricDecl):
                    self.metric_decls[name.text] = decl
                elif isinstance(decl, ast.ScorecardDecl):
                    self.card_owner[name.text] = decl

    # -- parameters --------------------------------------------------------------------

    def check_param(self, decl: ast.ParamDecl) -> None:
        """A parameter's value, with its unit."""
        value = self.quantity(decl.value)
        if value is not None:
            self.params[decl.name.text] = m.Param(decl.name.text, decl.label, *value, decl.span)

    def quantity(self, q: ast.Quantity) -> tuple[Fraction, Unit] | None:
        unit = q.unit.text if q.unit else None
        try:
            return quantity_of(q.value, unit)
        except KeyError:
            self.error(
                "E213",
                f"unknown unit {unit!r}",
                q.unit.span if q.unit else q.span,
                suggest(unit or "", UNIT_WORDS) or "known units: " + ", ".join(sorted(UNIT_WORDS)),
            )
            return None

    def check_overrides(self) -> None:
        for name, text in self.overrides.items():
            param = self.params.get(name)
            if param is None:
                self.error(
                    "E216",
                    f"--set {name}: the scheme has no parameter {name!r}",
                    None,
                    suggest(name, self.params) or "see `param` lines in the scheme",
                )
                continue
            value = parse_quantity(text)
            if value is None:
                self.error(
                    "E217",
                    f"--set {name}={text}: not a value",
                    None,
                    f"write a number, e.g. --set {name}=12",
                )
                continue
            number, unit = value
            unit = param.unit if unit == Unit.NUMBER else unit
            if unit != param.unit:
                self.error(
                    "E207",
                    f"--set {name}: expected {param.unit.value}, got {unit.value}",
                    None,
                    None,
                )
                continue
            self.params[name] = attrs.evolve(param, value=number)

    # -- roles -------------------------------------------------------------------------

    def check_role(self, decl: ast.RoleDecl) -> None:
        source = decl.source
        if isinstance(source, ast.StoreLevel):
            self.roles[decl.name.text] = m.Role(decl.name.text, decl.label, None, None, decl.span)
            return
        table = self.table(source.table)
        if table is not None and self.column(table, source.column):
            self.roles[decl.name.text] = m.Role(
                decl.name.text, decl.label, table.name, source.column.text, decl.span
            )

    def table(self, name: ast.Identifier) -> TableSpec | None:
        spec = self.registry.tables.get(name.text)
        if spec is None or spec.plugin not in self.plugins:
            visible = [t for t, s in self.registry.tables.items() if s.plugin in self.plugins]
            hint = suggest(name.text, visible)
            if spec is not None:
                hint = f"add `uses {spec.plugin}` to the scheme header"
            self.error("E204", f"unknown input table {name.text!r}", name.span, hint)
            return None
        self.tables[spec.name] = spec
        return spec

    def column(self, table: TableSpec, name: ast.Identifier) -> bool:
        if table.column(name.text) is None:
            columns = [c.name for c in table.columns]
            self.error(
                "E205",
                f"table {table.name!r} has no column {name.text!r}",
                name.span,
                suggest(name.text, columns) or "its columns: " + ", ".join(columns),
            )
            return False
        return True

    # -- metrics -----------------------------------------------------------------------

    def resolve_metric(self, name: str, used_at: Span) -> m.Metric | None:
        if name in self.failed:
            return None
        if name in self.metrics:
            found = self.metrics[name]
            if found is None:
                self.error(
                    "E214",
                    f"metric {name!r} depends on itself",
                    used_at,
                    "a metric cannot be defined through its own value",
                )
            return found
        decl = self.metric_decls[name]
        self.metrics[name] = None
        grain = self.grain(decl.grain)
        definition, unit = self.definition(decl.expr, grain)
        missing = self.metric_policy(decl.missing)
        if definition is None or unit is None or missing is False:
            del self.metrics[name]
            self.failed.add(name)
            return None
        monthly = self.is_monthly(definition)
        if decl.rollup is not None:
            definition, monthly = self.rollup(decl, definition, unit, grain, monthly)
            if definition is None:
                del self.metrics[name]
                self.failed.add(name)
                return None
        metric = m.Metric(name, decl.label, grain, unit, definition, decl.span, monthly, missing)
        del self.metrics[name]  # re-inserted after its operands: dependency order
        self.metrics[name] = metric
        return metric

    def metric_policy(self, policy: ast.Policy | None) -> str | Fraction | bool | None:
        """A metric's ``missing``: "n/a", "carry", a default value; False when wrong."""
        if policy is None:
            return None
        if policy.kind == "exclude":
            return "n/a"  # n/a values are always left out of peer references
        if policy.kind == "default":
            value = self.quantity(policy.default)
            return False if value is None else value[0]
        return policy.kind

    def rollup(
        self,
        decl: ast.MetricDecl,
        definition: m.MetricDefinition,
        unit: Unit,
        grain: Grain,
        monthly: bool,
    ) -> tuple[m.MetricDefinition | None, bool]:
        """``rollup mean``: the monthly values of the expression, rolled up per period."""
        how = decl.rollup
        if how.text not in ROLLUPS:
            self.error(
                "E223",
                f"cannot roll up by {how.text!r}",
                how.span,
                suggest(how.text, ROLLUPS) or "write `rollup mean`, `rollup sum` or `rollup last`",
            )
            return None, monthly
        if not monthly:
            self.error(
                "E223",
                f"{decl.name.text!r} already has one value per period: there is nothing to roll up",
                how.span,
                "remove `rollup`; only monthly values (plugin metrics, kpi) roll up",
            )
            return None, monthly
        inner = f"{decl.name.text} (monthly)"
        self.metrics[inner] = m.Metric(inner, decl.label, grain, unit, definition, decl.span, True)
        return m.Rollup(how.text, inner), False

    def is_monthly(self, definition: m.MetricDefinition) -> bool:
        """Whether a definition's values are per month: plugin data not yet rolled up.

        In a monthly scheme every value is per month and per period alike.
        """
        if isinstance(definition, m.PluginMetric):
            return True
        if isinstance(definition, m.Rollup | m.RubricScore):
            return False
        operands = m.operands(definition)
        flags = {self.metrics[name].monthly for name in operands if self.metrics.get(name)}
        if len(flags) > 1 and self.period_kind != "month":
            self.error(
                "E224",
                f"this mixes monthly values with values per {self.period_kind}",
                None,
                "roll the monthly values up first: declare a metric with `rollup mean`",
            )
        return True in flags

    def grain(self, role: ast.Identifier | None) -> Grain:
        if role is None:
            return None
        if role.text not in self.roles:
            self.unknown_role(role)
            return None
        return None if self.roles[role.text].store_level else role.text

    def unknown_role(self, role: ast.Identifier) -> None:
        self.error(
            "E203",
            f"unknown role {role.text!r}",
            role.span,
            suggest(role.text, self.roles) or "declare it with `role`",
        )

    def definition(
        self, expr: ast.Expr, grain: Grain, inline: bool = False
    ) -> tuple[m.MetricDefinition | None, Unit | None]:
        if isinstance(expr, ast.Call) and expr.function.text in _SHIFTS:
            return self.shifted(expr, grain)
        if isinstance(expr, ast.Call) and expr.function.text == BASELINE:
            return self.baseline(expr, grain)
        if isinstance(expr, ast.OverPeers):
            return self.peer(expr, grain)
        if (
            isinstance(expr, ast.Call)
            and expr.function.text not in self.registry.aggregates
            and expr.function.text not in _EXTREMA
        ):
            spec = self.plugin_metric(expr.function)
            if spec is None:
                return None, None
            arguments = self.arguments(spec, expr)
            self.tables.update((t, self.registry.tables[t]) for t in spec.inputs)
            self.check_metric_grain(spec, grain, expr.span)
            return (m.PluginMetric(spec, arguments) if arguments is not None else None), spec.unit
        if isinstance(expr, ast.OverMapping):
            return self.over_mapping(expr, grain)
        if isinstance(expr, ast.OverPrevious):
            return self.over_previous(expr, grain, inline)
        value = self.expr(expr, grain)
        if value is None:
            return None, None
        if isinstance(value, m.Comparison | m.BoolOp | m.Negation):
            self.error(
                "E215",
                "a metric is a number, not a condition",
                expr.span,
                "put conditions in a rule's `when`",
            )
            return None, None
        return m.Derived(value), value.unit

    def plugin_metric(self, function: ast.Identifier) -> MetricSpec | None:
        visible = self.registry.metrics_visible_to(self.plugins)
        found = visible.get(function.text, [])
        if len(found) == 1:
            if found[0].needs_transfer and self.transfer is None:
                self.error(
                    "E233",
                    f"{function.text} follows the customers inherited at the equity transfer, "
                    "and the scheme gives no transfer date",
                    function.span,
                    "add `transfer YYYY-MM-DD` to the scheme's header, after `period`",
                )
                return None
            return found[0]
        if len(found) > 1:
            names = ", ".join(sorted(s.qualified_name for s in found))
            self.error(
                "E220",
                f"{function.text!r} is defined by several plugins",
                function.span,
                f"write the qualified name: {names}",
            )
            return None
        elsewhere = self.registry.metrics.get(function.text)
        hint = (
            f"add `uses {elsewhere[0].plugin}` to the scheme header"
            if elsewhere
            else suggest(function.text, [*visible, *self.registry.aggregates])
        )
        self.error(
            "E202",
            f"unknown metric or function {function.text!r}",
            function.span,
            hint or "see `assessor plugins` for the metrics installed",
        )
        return None

    def arguments(
        self, spec: MetricSpec, call: ast.Call
    ) -> tuple[tuple[str, Fraction], ...] | None:
        given: dict[str, ast.Argument] = {}
        ok = True
        for position, argument in enumerate(call.arguments):
            if argument.keyword is not None:
                key = argument.keyword.text
                if key not in {p.name for p in spec.params}:
                    self.error(
                        "E210",
                        f"{spec.name} has no parameter {key!r}",
                        argument.keyword.span,
                        suggest(key, [p.name for p in spec.params]),
                    )
                    ok = False
                    continue
            elif position < len(spec.params):
                key = spec.params[position].name
            else:
                self.error(
                    "E210",
                    f"{spec.name} takes {len(spec.params)} argument(s)",
                    argument.span,
                    _signature(spec),
                )
                ok = False
                continue
            if key in given:
                self.error(
                    "E210",
                    f"{spec.name}: {key!r} is given twice",
                    argument.span,
                    _signature(spec),
                )
                ok = False
                continue
            given[key] = argument
        values = []
        for param in spec.params:
            argument = given.get(param.name)
            if argument is None and param.default is not None:
                default = param.default
                values.append((param.name, default if param.text else Fraction(default)))
                continue
            if argument is None:
                self.error(
                    "E210",
                    f"{spec.name} needs its argument {param.name!r}",
                    call.span,
                    _signature(spec),
                )
                ok = False
                continue
            value = self.constant_argument(spec, param, argument)
            ok = ok and value is not None
            values.append((param.name, value))
        return tuple(values) if ok else None

    def constant_argument(
        self, spec: MetricSpec, param, argument: ast.Argument
    ) -> Fraction | str | None:
        if param.text or isinstance(argument.value, ast.Text):
            if param.text and isinstance(argument.value, ast.Text):
                return argument.value.value
            self.error(
                "E207",
                f"{spec.name}: {param.name!r} "
                + ("is text in quotes" if param.text else "is a number, not text"),
                argument.span,
                f'write e.g. {spec.name}("响应率")' if param.text else _signature(spec),
            )
            return None
        value = self.expr(argument.value, None)
        if value is None:
            return None
        if not isinstance(value, m.Constant):
            self.error(
                "E207",
                f"{spec.name}: {param.name!r} must be a constant (a number or a param)",
                argument.span,
                "metrics cannot be arguments of metrics",
            )
            return None
        if value.unit != param.unit:
            written = f"{value.value} {param.unit.value}"
            self.error(
                "E207",
                f"{spec.name}: {param.name!r} expects {param.unit.value}, got {value.unit.value}",
                argument.span,
                f"write `{written}`",
            )
            return None
        if param.integer and value.value.denominator != 1:
            self.error(
                "E207", f"{spec.name}: {param.name!r} must be a whole number", argument.span, None
            )
            return None
        too_low = param.minimum is not None and value.value < Fraction(param.minimum)
        too_high = param.maximum is not None and value.value > Fraction(param.maximum)
        if too_low or too_high:
            word, bound = ("least", param.minimum) if too_low else ("most", param.maximum)
            self.error(
                "E207", f"{spec.name}: {param.name!r} must be at {word} {bound}", argument.span
            )
            return None
        return value.value

    def check_metric_grain(self, spec: MetricSpec, grain: Grain, span: Span) -> None:
        if grain is None or spec.by_subject_value:
            return
        role = self.roles[grain]
        if role.table == spec.subject_table and spec.subject_columns not in (None, ()):
            if role.column not in spec.subject_columns:
                self.error(
                    "E208",
                    f"{spec.name} has no value per {grain} ({role.table}.{role.column}); it "
                    f"can be computed per {', '.join(spec.subject_columns)}",
                    span,
                    "compute it per a role drawn from one of those columns, or for the store",
                )
            return
        if role.table != spec.subject_table:
            self.error(
                "E208",
                f"{spec.name} is computed from {spec.subject_table!r}; it has no "
                f"value per {grain} (subjects from {role.table}.{role.column})",
                span,
                f"compute it per a role drawn from a column of {spec.subject_table}, or "
                "aggregate it with mean(metric of table.column)",
            )

    def over_mapping(
        self, expr: ast.OverMapping, grain: Grain
    ) -> tuple[m.OverMapping | None, Unit | None]:
        aggregate = self.aggregate(expr.function)
        member = self.operand_metric(expr.operand)
        table = self.table(expr.table)
        if table is not None and not self.column(table, expr.column):
            table = None
        if member is not None and member.grain is None:
            self.error(
                "E208",
                f"{member.name!r} is a store-level metric: there is nothing to "
                "aggregate per member",
                expr.operand.span,
                "use a metric declared `for` a role",
            )
            member = None
        role = self.roles.get(grain) if grain else None
        if table is not None and (role is None or role.table != table.name):
            self.error(
                "E208",
                f"{table.name} does not list the subjects of this metric",
                expr.table.span,
                "declare the metric `for` a role drawn from "
                f"{table.name}, e.g. `role x from {table.name}.<column>`",
            )
            table = None
        if None in (aggregate, member, table, role):
            return None, None
        definition = m.OverMapping(
            aggregate, member.name, table.name, role.column, expr.column.text
        )
        return definition, member.unit

    def over_previous(
        self, expr: ast.OverPrevious, grain: Grain, inline: bool
    ) -> tuple[m.OverPrevious | None, Unit | None]:
        """The result has its operand's grain: declared, it must be the metric's; written
        inside an expression, a store-level operand is visible at any grain.
        """
        aggregate = self.aggregate(expr.function)
        member = self.operand_metric(expr.operand)
        visible = member is None or member.grain == grain or (inline and member.grain is None)
        if not visible:
            self.wrong_grain(member, grain, expr.operand.span)
            member = None
        count = self.period_count(expr.count, member)
        if None in (aggregate, member, count):
            return None, None
        return m.OverPrevious(aggregate, member.name, count), member.unit

    def period_count(self, count: ast.Quantity, member: m.Metric | None) -> int | None:
        """``3 months`` / ``2 quarters`` / ``3 periods``: a whole number of the member's own
        periods (months for monthly values, else the scheme's period).
        """
        word = count.unit.text if count.unit else None
        own = "month" if member is None or member.monthly else self.period_kind
        kind = _PERIOD_WORDS.get(word or "", "?")
        if kind is None:
            kind = own
        if kind != own or count.value != count.value.to_integral_value() or count.value < 1:
            self.error(
                "E207",
                f"`over previous` needs a whole number of {own}s",
                count.span,
                f"write e.g. `over previous 3 {own}s` or `over previous 3 periods`",
            )
            return None
        return int(count.value)

    def aggregate(self, function: ast.Identifier) -> AggregateSpec | None:
        spec = self.registry.aggregates.get(function.text)
        if spec is None:
            self.error(
                "E202",
                f"unknown aggregate {function.text!r}",
                function.span,
                suggest(function.text, self.registry.aggregates)
                or "aggregates: " + ", ".join(sorted(self.registry.aggregates)),
            )
        return spec

    def extremum(self, call: ast.Call, grain: Grain) -> m.Expr | None:
        """``min(a, b)`` / ``max(a, b)``: n/a when either is."""
        if len(call.arguments) != 2 or any(a.keyword for a in call.arguments):
            self.error(
                "E210",
                f"{call.function.text} takes two values",
                call.span,
                f"write e.g. {call.function.text}(score, 100)",
            )
            return None
        left, right = (self.value(a.value, grain) for a in call.arguments)
        if left is None or right is None:
            return None
        if not self.comparable(left, right, call.span):
            return None
        operator = "<=" if call.function.text == "min" else ">="
        unit = left.unit if left.unit != Unit.NUMBER else right.unit
        test = m.Comparison(operator, left, right, call.span)
        return m.Choose(((test, left),), right, (left, right), unit, call.span)

    def shifted(self, call: ast.Call, grain: Grain) -> tuple[m.Shifted | None, Unit | None]:
        """``previous(x)`` and ``last_year(x)``: x some periods earlier."""
        if len(call.arguments) != 1 or call.arguments[0].keyword:
            self.error(
                "E210",
                f"{call.function.text} takes one metric",
                call.span,
                f"write e.g. {call.function.text}(得分)",
            )
            return None, None
        member = self.earlier_operand(call, grain)
        if member is None:
            return None, None
        months = 1 if member.monthly else m.PERIOD_MONTHS[self.period_kind]
        back = 1 if call.function.text == "previous" else 12 // months
        return m.Shifted(member.name, back), member.unit

    def baseline(self, call: ast.Call, grain: Grain) -> tuple[m.Baseline | None, Unit | None]:
        """``baseline(x)`` or ``baseline(x, 6)``: x before the equity transfer."""
        arguments = call.arguments
        count: int | None = BASELINE_PERIODS
        if len(arguments) == 2 and not arguments[1].keyword:
            value = self.expr(arguments[1].value, None)
            whole = isinstance(value, m.Constant) and value.value.denominator == 1
            count = int(value.value) if whole and value.value > 0 else None
        if not 1 <= len(arguments) <= 2 or arguments[0].keyword or count is None:
            self.error(
                "E210",
                "baseline takes a metric and, optionally, a whole number of periods",
                call.span,
                "write e.g. baseline(得分) or baseline(得分, 6)",
            )
            return None, None
        if self.transfer is None:
            self.error(
                "E233",
                "baseline needs the date of the equity transfer",
                call.span,
                "add `transfer YYYY-MM-DD` to the scheme's header, after `period`",
            )
            return None, None
        member = self.earlier_operand(call, grain)
        if member is None:
            return None, None
        return m.Baseline(member.name, count), member.unit

    def earlier_operand(self, call: ast.Call, grain: Grain) -> m.Metric | None:
        """The metric whose earlier values ``previous(x)``, ``last_year(x)`` and
        ``baseline(x)`` read: a metric's name, at the grain asked for or the store's.
        """
        member = self.operand_metric(call.arguments[0].value)
        if member is not None and member.grain not in (grain, None):
            self.wrong_grain(member, grain, call.span)
            return None
        return member

    def peer(self, expr: ast.OverPeers, grain: Grain) -> tuple[m.Peer | None, Unit | None]:
        """``mean(x over all)`` and friends: a reference over every subject of x's role."""
        function = expr.function.text
        member = self.operand_metric(expr.operand)
        if function not in _PEERS:
            self.error(
                "E202",
                f"{function!r} cannot be taken over all subjects",
                expr.function.span,
                suggest(function, _PEERS) or "use mean, median, percentile or rank",
            )
            return None, None
        if member is None:
            return None, None
        if member.grain is None and not expr.brand:
            self.error(
                "E208",
                f"{member.name!r} is a store-level metric: it has no peers",
                expr.operand.span,
                "compare subjects of a role: use a metric declared `for` a role, or compare "
                "the stores of a dealer group with `over brand`",
            )
            return None, None
        share, ascending = self.peer_arguments(expr, function)
        if share is False:
            return None, None
        if function == "rank":
            if grain != member.grain:
                self.wrong_grain(member, grain, expr.span)
                return None, None
            return m.Peer(function, member.name, None, ascending, expr.brand), Unit.COUNT
        return m.Peer(function, member.name, share, False, expr.brand), member.unit

    def peer_arguments(self, expr: ast.OverPeers, function: str) -> tuple:
        """(share for percentile, ascending for rank), or (False, False) when wrong."""
        arguments = expr.arguments
        if function == "percentile":
            value = self.expr(arguments[0].value, None) if len(arguments) == 1 else None
            if (
                not isinstance(value, m.Constant)
                or value.unit != Unit.RATIO
                or not 0 < value.value <= 1
            ):
                self.error(
                    "E210",
                    "percentile needs one share between 0% and 100%",
                    expr.span,
                    "write e.g. percentile(x over all, 80%)",
                )
                return False, False
            return value.value, False
        if function == "rank":
            words = [a.value.name.text for a in arguments if isinstance(a.value, ast.NameRef)]
            if (
                len(arguments) > 1
                or len(words) != len(arguments)
                or not set(words)
                <= {
                    "ascending",
                    "descending",
                }
            ):
                self.error(
                    "E210",
                    "rank takes at most one word: ascending (1 = lowest) or descending",
                    expr.span,
                    "write rank(x over all) or rank(x over all, ascending)",
                )
                return False, False
            return None, words == ["ascending"]
        if arguments:
            self.error("E210", f"{function} over all takes no other argument", expr.span, None)
            return False, False
        return None, False

    def operand_metric(self, operand: ast.Expr) -> m.Metric | None:
        if not isinstance(operand, ast.NameRef):
            self.error(
                "E219",
                "aggregate a metric by its name",
                operand.span,
                "declare the expression as a metric first",
            )
            return None
        name = operand.name
        self.used.add(name.text)
        if name.text in self.card_owner:
            if self.scorecard(self.card_owner[name.text], used_at=name.span) is None:
                return None
            return self.metrics.get(name.text)
        if name.text not in self.metric_decls:
            self.unknown_value(name)
            return None
        return self.resolve_metric(name.text, name.span)

    # -- expressions -------------------------------------------------------------------

    def expr(self, expr: ast.Expr, grain: Grain) -> m.Expr | None:
        match expr:
            case ast.Quantity():
                value = self.quantity(expr)
                return m.Constant(*value, expr.span) if value else None
            case ast.NameRef():
                return self.name_value(expr.name, grain)
            case ast.Call() if expr.function.text in _EXTREMA:
                return self.extremum(expr, grain)
            case ast.Call() | ast.OverMapping() | ast.OverPrevious() | ast.OverPeers():
                return self.inline_metric(expr, grain)
            case ast.Text():
                self.error(
                    "E207",
                    'text in quotes is only an argument, such as the indicator in kpi("响应率")',
                    expr.span,
                    "compare numbers, or name a metric",
                )
                return None
            case ast.Binary():
                return self.arithmetic(expr, grain)
            case ast.Compare():
                return self.comparison(expr, grain)
            case ast.Logical():
                left, right = self.condition(expr.left, grain), self.condition(expr.right, grain)
                return m.BoolOp(expr.operator, left, right, expr.span) if left and right else None
            case ast.Not():
                operand = self.condition(expr.operand, grain)
                return m.Negation(operand, expr.span) if operand else None
            case ast.Negate():
                operand = self.value(expr.operand, grain)
                if operand is None:
                    return None
                if isinstance(operand, m.Constant):  # -2%: still a constant, e.g. for a band
                    return m.Constant(-operand.value, operand.unit, expr.span)
                zero = m.Constant(Fraction(0), Unit.NUMBER, expr.span)
                return m.Arithmetic("-", zero, operand, operand.unit, expr.span)
        raise TypeError(f"unexpected syntax node {expr!r}")

    def name_value(self, name: ast.Identifier, grain: Grain) -> m.Expr | None:
        self.used.add(name.text)
        param = self.params.get(name.text)
        if param is not None:
            return m.Constant(param.value, param.unit, name.span, param=param.name)
        if name.text in self.card_owner:
            card = self.scorecard(self.card_owner[name.text], used_at=name.span)
            metric = self.metrics.get(name.text) if card else None
            if metric is None:
                return None
            if metric.grain != grain:
                self.wrong_grain(metric, grain, name.span)
                return None
            return m.MetricValue(metric.name, metric.unit, name.span)
        if name.text in self.metric_decls:
            metric = self.resolve_metric(name.text, name.span)
            if metric is None:
                return None
            if metric.grain is not None and metric.grain != grain:
                self.wrong_grain(metric, grain, name.span)
                return None
            return m.MetricValue(metric.name, metric.unit, name.span)
        if name.text in self.roles:
            self.error("E201", f"{name.text!r} is a role, not a value", name.span, None)
            return None
        self.unknown_value(name)
        return None

    def wrong_grain(self, metric: m.Metric, grain: Grain, span: Span) -> None:
        where = f"for {grain}" if grain else "at store level"
        has = f"per {metric.grain}" if metric.grain else "at store level"
        self.error(
            "E208",
            f"{metric.name!r} has a value {has}, not {where}",
            span,
            f"aggregate it, e.g. mean({metric.name} of <table>.<column>)"
            if metric.grain
            else "declare the metric at the grain it is used",
        )

    def unknown_value(self, name: ast.Identifier) -> None:
        self.error(
            "E201",
            f"unknown name {name.text!r}",
            name.span,
            suggest(name.text, [*self.params, *self.metric_decls, *self.card_owner])
            or "declare it with `param` or `metric`",
        )

    def inline_metric(
        self, expr: ast.Call | ast.OverMapping | ast.OverPrevious, grain: Grain
    ) -> m.Expr | None:
        """An aggregate or plugin call inside an expression becomes a metric of its own."""
        definition, unit = self.definition(expr, grain, inline=True)
        if definition is None or unit is None:
            return None
        if isinstance(definition, m.OverPrevious | m.Shifted | m.Baseline):
            grain = self.metrics[definition.metric].grain
        if isinstance(definition, m.Peer) and definition.function != "rank":
            grain = None  # one reference value per period, visible at every grain
        name = _describe_definition(definition) + (f" for {grain}" if grain else "")
        if name not in self.metrics:
            monthly = self.is_monthly(definition)
            self.metrics[name] = m.Metric(name, None, grain, unit, definition, expr.span, monthly)
        return m.MetricValue(name, unit, expr.span)

    def arithmetic(self, expr: ast.Binary, grain: Grain) -> m.Expr | None:
        left, right = self.value(expr.left, grain), self.value(expr.right, grain)
        if left is None or right is None:
            return None
        unit = combine(expr.operator, left.unit, right.unit)
        if unit is None:
            self.error(
                "E212",
                f"cannot compute {left.unit.value} {expr.operator} {right.unit.value}",
                expr.span,
                "check the units of both sides",
            )
            return None
        return m.Arithmetic(expr.operator, left, right, unit, expr.span)

    def comparable(self, left: m.Expr, right: m.Expr, span: Span) -> bool:
        """Whether two values may be compared; reports E212 when not."""
        if comparable(left.unit, right.unit):
            return True
        self.error(
            "E212",
            f"cannot compare {left.unit.value} with {right.unit.value}",
            span,
            "a rate compares with a rate or a percent such as 5%",
        )
        return False

    def comparison(self, expr: ast.Compare, grain: Grain) -> m.Expr | None:
        left, right = self.value(expr.left, grain), self.value(expr.right, grain)
        if left is None or right is None:
            return None
        if not self.comparable(left, right, expr.span):
            return None
        operator = canonical_operator(expr.operator)
        return m.Comparison(operator, left, right, expr.span)

    def condition(self, expr: ast.Expr, grain: Grain) -> m.Expr | None:
        value = self.expr(expr, grain)
        if value is not None and not isinstance(value, m.Comparison | m.BoolOp | m.Negation):
            self.error(
                "E215",
                "a condition must compare values",
                expr.span,
                "write e.g. `group_churn < store_churn`",
            )
            return None
        return value

    def value(self, expr: ast.Expr, grain: Grain) -> m.Expr | None:
        """An operand of arithmetic or a comparison: a number, not a condition (E215)."""
        value = self.expr(expr, grain)
        if isinstance(value, m.Comparison | m.BoolOp | m.Negation):
            self.error(
                "E215",
                "a condition where a number is meant",
                expr.span,
                "compare the values themselves, e.g. `group_churn < store_churn`",
            )
            return None
        return value

    # -- rules -------------------------------------------------------------------------

    def check_rules(self) -> tuple[m.Rule, ...]:
        rules: dict[str, m.Rule] = {}
        for decl in self.tree.declarations:
            if isinstance(decl, ast.RuleDecl):
                rule = self.check_rule(decl)
                if rule is not None and rule.id in rules:
                    self.error(
                        "E206",
                        f"rule {rule.id!r} is already defined",
                        decl.span,
                        "give the rule another name",
                    )
                elif rule is not None:
                    rules[rule.id] = rule
        return tuple(rules.values())

    def check_rule(self, decl: ast.RuleDecl) -> m.Rule | None:
        if decl.name is None and decl.label is None:
            self.error(
                "E221",
                "a rule needs a name or a label",
                decl.span,
                'write e.g. `rule group_churn "业务接待组流失率" for ...`',
            )
        grains = []
        for role in decl.roles:
            if role.text in self.roles:
                grains.append(None if self.roles[role.text].store_level else role.text)
            else:
                self.unknown_role(role)
        if len(set(grains)) > 1:
            self.error(
                "E208",
                "a rule's roles must share their subjects: all store-level, or a single role",
                decl.span,
                "write one rule per role",
            )
        grain = grains[0] if grains else None
        hit = decl.hit.text if decl.hit else "first"
        if hit not in HIT_POLICIES:
            self.error(
                "E225",
                f"unknown hit policy {hit!r}",
                decl.hit.span,
                suggest(hit, HIT_POLICIES) or "write `hit first`, `hit unique` or `hit collect`",
            )
        clauses = []
        for when in decl.clauses:
            condition = self.condition(when.condition, grain)
            self.require_period_values(condition, when.condition.span)
            amount = self.amount(when.outcome)
            if condition is not None and amount is not None:
                clauses.append(m.Clause(condition, amount, when.span))
        otherwise = self.amount(decl.otherwise) if decl.otherwise else None
        if len(clauses) != len(decl.clauses) or len(grains) != len(decl.roles):
            return None
        if hit == "first":
            self.check_reachable([c.condition for c in clauses], [w.span for w in decl.clauses])
        first = clauses[0].condition
        compared = first if isinstance(first, m.Comparison) else None
        return m.Rule(
            id=decl.name.text if decl.name else decl.label or "",
            label=decl.label,
            roles=tuple(r.text for r in decl.roles),
            hit=hit,
            clauses=tuple(clauses),
            otherwise=otherwise,
            subject_value=compared.left if compared else None,
            reference_value=compared.right if compared else None,
            span=decl.span,
        )

    def amount(self, outcome: ast.Outcome) -> Decimal | None:
        """A clause's amount, signed: a penalty is negative."""
        exact = self.money(outcome.amount, "write e.g. `reward 200` or `reward 200 元`")
        if exact is None:
            return None
        return -exact if outcome.kind == "penalty" else exact


def _declared_names(decl: ast.Declaration) -> list[ast.Identifier]:
    """The names a declaration introduces: a scorecard's own and those of its named items."""
    if isinstance(decl, ast.RuleDecl | ast.LimitDecl | ast.PoolDecl | ast.Amend | ast.Drop):
        return []
    if isinstance(decl, ast.ScorecardDecl):
        items = [*decl.items, *decl.dimensions]
        items += [i for d in decl.dimensions for i in d.items]
        return [decl.name, *(i.name for i in items if i.name is not None)]
    return [decl.name]


def _describe_definition(definition: m.MetricDefinition) -> str:
    """A readable name for a metric written inline, such as ``mean(x over previous 3 months)``."""
    match definition:
        case m.OverPrevious(aggregate=a, metric=name, count=n):
            return f"{a.name}({name} over previous {n} periods)"
        case m.Shifted(metric=name, periods=n):
            return f"{name} {n} period(s) earlier"
        case m.Baseline(metric=name, periods=n):
            return f"baseline({name}, {n})"
        case m.Peer(function=f, metric=name, share=share, ascending=ascending):
            extra = f", {share * 100}%" if share is not None else ", ascending" * ascending
            return f"{f}({name} over all{extra})"
        case m.OverMapping(aggregate=a, metric=name, table=t, member_column=c):
            return f"{a.name}({name} of {t}.{c})"
        case m.PluginMetric(spec=spec, arguments=args):
            return f"{spec.name}({', '.join(f'{k}: {v}' for k, v in args)})"
    raise TypeError(definition)


def _signature(spec: MetricSpec) -> str:
    params = ", ".join(f"{p.name}: {p.unit.value}" for p in spec.params)
    return f"{spec.name}({params})"


def _expressions(node: object, found: list[m.Expr] | None = None) -> list[m.Expr]:
    """Every outermost expression in a model object (a scheme, a metric, a rule …)."""
    found = [] if found is None else found
    if isinstance(node, _LEAVES):
        pass
    elif isinstance(node, _EXPRESSIONS):
        found.append(node)
    elif isinstance(node, tuple | list):
        for item in node:
            _expressions(item, found)
    elif attrs.has(type(node)):
        for name in _field_names(type(node)):
            _expressions(getattr(node, name), found)
    return found


# what holds no expression: skipped without looking inside (the walk is part of every check)
_LEAVES = (
    str, int, Fraction, Decimal, Span, datetime.date, type(None), MetricSpec, TableSpec,
    AggregateSpec, ColumnSpec,
)  # fmt: skip


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(kind))
