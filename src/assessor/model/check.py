"""Syntax tree + plugin registry -> checked :class:`~assessor.model.scheme.Scheme`.

Every mistake is collected and reported at once, each with its span and, where a name is
unknown, the closest known name. Run-time parameter overrides are applied here, so the model
the planner receives holds final, exact values.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import attrs

from assessor.errors import Diagnostic, Span, raise_if_errors, suggest
from assessor.model import scheme as m
from assessor.model.registry import AggregateSpec, MetricSpec, Registry, TableSpec
from assessor.model.units import UNIT_WORDS, Unit, combine, comparable, parse_quantity, quantity_of
from assessor.syntax import ast

BUILTIN_PLUGIN = "builtin"
SUPPORTED_PERIODS = ("month",)
_CANONICAL = {"==": "=", "≤": "<=", "≥": ">=", "≠": "!="}
# A grain: the role whose subjects a value is per, or None for the store as a whole.
Grain = str | None


def check_scheme(
    tree: ast.SchemeText, registry: Registry, overrides: Mapping[str, str] | None = None
) -> m.Scheme:
    """Check a parsed scheme against the installed plugins and apply parameter overrides.

    Raises :class:`~assessor.errors.AssessorError` carrying every error found.
    """
    checker = _Checker(tree, registry, dict(overrides or {}))
    scheme = checker.run()
    raise_if_errors(checker.diagnostics)
    return scheme


@attrs.define
class _Checker:
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

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    # -- the whole scheme --------------------------------------------------------------

    def run(self) -> m.Scheme:
        header = self.tree.header
        self.check_plugins(header.uses)
        window = self.check_period(header)
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
        rules = self.check_rules()
        return m.Scheme(
            title=header.title,
            plugins=tuple(sorted(self.plugins - {BUILTIN_PLUGIN})),
            period_kind=header.period.text,
            window=window,
            params=tuple(self.params.values()),
            roles=tuple(self.roles.values()),
            metrics=tuple(x for x in self.metrics.values() if x is not None),
            rules=rules,
            tables=tuple(self.tables[name] for name in sorted(self.tables)),
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

    def check_period(self, header: ast.Header) -> tuple[m.Month, m.Month] | None:
        if header.period.text not in SUPPORTED_PERIODS:
            self.error(
                "E211",
                f"period {header.period.text!r} is not supported",
                header.period.span,
                "write `period month`",
            )
        if header.window is None:
            return None
        first, last = (m.Month.parse(x.text) for x in (header.window.first, header.window.last))
        for month, ident in ((first, header.window.first), (last, header.window.last)):
            if month is None:
                self.error(
                    "E211",
                    f"{ident.text!r} is not a month",
                    ident.span,
                    "write months as YYYY-MM, e.g. 2015-08",
                )
        if first is None or last is None:
            return None
        if first > last:
            self.error(
                "E211",
                "the window ends before it starts",
                header.window.span,
                f"write `window {last} .. {first}`",
            )
            return None
        return first, last

    def collect_names(self) -> None:
        seen: dict[str, ast.Identifier] = {}
        for decl in self.tree.declarations:
            if isinstance(decl, ast.RuleDecl):
                continue
            earlier = seen.get(decl.name.text)
            if earlier is not None:
                self.error(
                    "E206",
                    f"{decl.name.text!r} is already defined at line {earlier.span.line}",
                    decl.name.span,
                    "give it another name",
                )
                continue
            seen[decl.name.text] = decl.name
            if isinstance(decl, ast.MetricDecl):
                self.metric_decls[decl.name.text] = decl

    # -- parameters --------------------------------------------------------------------

    def check_param(self, decl: ast.ParamDecl) -> None:
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
        if definition is None or unit is None:
            del self.metrics[name]
            self.failed.add(name)
            return None
        metric = m.Metric(name, decl.label, grain, unit, definition, decl.span)
        self.metrics[name] = metric
        return metric

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
        if isinstance(expr, ast.Call) and expr.function.text not in self.registry.aggregates:
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

    def constant_argument(self, spec: MetricSpec, param, argument: ast.Argument) -> Fraction | None:
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
        if param.minimum is not None and value.value < Fraction(param.minimum):
            self.error(
                "E207",
                f"{spec.name}: {param.name!r} must be at least {param.minimum}",
                argument.span,
                None,
            )
            return None
        return value.value

    def check_metric_grain(self, spec: MetricSpec, grain: Grain, span: Span) -> None:
        if grain is None:
            return
        role = self.roles[grain]
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
        count = self.quantity(expr.count)
        if count is not None and (
            count[1] != Unit.MONTHS or count[0].denominator != 1 or count[0] < 1
        ):
            self.error(
                "E207",
                "`over previous` needs a whole number of months",
                expr.count.span,
                "write e.g. `over previous 3 months`",
            )
            count = None
        if None in (aggregate, member, count):
            return None, None
        return m.OverPrevious(aggregate, member.name, int(count[0])), member.unit

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
            case ast.Call() | ast.OverMapping() | ast.OverPrevious():
                return self.inline_metric(expr, grain)
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
                operand = self.expr(expr.operand, grain)
                if operand is None:
                    return None
                zero = m.Constant(Fraction(0), Unit.NUMBER, expr.span)
                return m.Arithmetic("-", zero, operand, operand.unit, expr.span)
        raise TypeError(f"unexpected syntax node {expr!r}")

    def name_value(self, name: ast.Identifier, grain: Grain) -> m.Expr | None:
        param = self.params.get(name.text)
        if param is not None:
            return m.Constant(param.value, param.unit, name.span, param=param.name)
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
            suggest(name.text, [*self.params, *self.metric_decls])
            or "declare it with `param` or `metric`",
        )

    def inline_metric(
        self, expr: ast.Call | ast.OverMapping | ast.OverPrevious, grain: Grain
    ) -> m.Expr | None:
        """An aggregate or plugin call inside an expression becomes a metric of its own."""
        definition, unit = self.definition(expr, grain, inline=True)
        if definition is None or unit is None:
            return None
        if isinstance(definition, m.OverPrevious):
            grain = self.metrics[definition.metric].grain
        name = _describe_definition(definition) + (f" for {grain}" if grain else "")
        if name not in self.metrics:
            self.metrics[name] = m.Metric(name, None, grain, unit, definition, expr.span)
        return m.MetricValue(name, unit, expr.span)

    def arithmetic(self, expr: ast.Binary, grain: Grain) -> m.Expr | None:
        left, right = self.expr(expr.left, grain), self.expr(expr.right, grain)
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

    def comparison(self, expr: ast.Compare, grain: Grain) -> m.Expr | None:
        left, right = self.expr(expr.left, grain), self.expr(expr.right, grain)
        if left is None or right is None:
            return None
        if not comparable(left.unit, right.unit):
            self.error(
                "E212",
                f"cannot compare {left.unit.value} with {right.unit.value}",
                expr.span,
                "a rate compares with a rate or a percent such as 5%",
            )
            return None
        operator = _CANONICAL.get(expr.operator, expr.operator)
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
        if not any(isinstance(d, ast.RuleDecl) for d in self.tree.declarations):
            self.error(
                "E222",
                "the scheme has no rules, so it pays nothing to anyone",
                self.tree.header.span,
                'add a rule, e.g. `rule r "label" for <role> when <condition> reward 200`',
            )
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
        clauses = []
        for when in decl.clauses:
            condition = self.condition(when.condition, grain)
            amount = self.amount(when.outcome)
            if condition is not None and amount is not None:
                clauses.append(m.Clause(condition, amount, when.span))
        otherwise = self.amount(decl.otherwise) if decl.otherwise else None
        if len(clauses) != len(decl.clauses) or len(grains) != len(decl.roles):
            return None
        first = clauses[0].condition
        compared = first if isinstance(first, m.Comparison) else None
        return m.Rule(
            id=decl.name.text if decl.name else decl.label or "",
            label=decl.label,
            roles=tuple(r.text for r in decl.roles),
            clauses=tuple(clauses),
            otherwise=otherwise,
            subject_value=compared.left if compared else None,
            reference_value=compared.right if compared else None,
            span=decl.span,
        )

    def amount(self, outcome: ast.Outcome) -> Decimal | None:
        value = self.quantity(outcome.amount)
        if value is None:
            return None
        _, unit = value
        if unit not in (Unit.NUMBER, Unit.MONEY):
            self.error(
                "E207",
                f"an amount is money, not {unit.value}",
                outcome.amount.span,
                "write e.g. `reward 200` or `reward 200 元`",
            )
            return None
        exact = Decimal(outcome.amount.value)
        if -exact.as_tuple().exponent > 2:
            self.error(
                "E207",
                f"{exact} has more than 2 decimals; money is paid in 元 and 分",
                outcome.amount.span,
                f"write {exact.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}",
            )
            return None
        return -exact if outcome.kind == "penalty" else exact


def _describe_definition(definition: m.MetricDefinition) -> str:
    """A readable name for a metric written inline, such as ``mean(x over previous 3 months)``."""
    match definition:
        case m.OverPrevious(aggregate=a, metric=name, count=n):
            return f"{a.name}({name} over previous {n} months)"
        case m.OverMapping(aggregate=a, metric=name, table=t, member_column=c):
            return f"{a.name}({name} of {t}.{c})"
        case m.PluginMetric(spec=spec, arguments=args):
            return f"{spec.name}({', '.join(f'{k}: {v}' for k, v in args)})"
    raise TypeError(definition)


def _signature(spec: MetricSpec) -> str:
    params = ", ".join(f"{p.name}: {p.unit.value}" for p in spec.params)
    return f"{spec.name}({params})"
