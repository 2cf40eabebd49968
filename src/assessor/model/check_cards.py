"""Checking scorecards, rubrics, vetoes, grades, bonuses, limits and pools.

A scorecard is lowered to ordinary metrics, one per indicator, rubric, dimension and total,
each holding points; the planner computes them like any other metric. What only people need
(labels, weights as written, the scoring method in words) is kept in :class:`m.Item`.

This is a part of the checker (:mod:`assessor.model.check`), split off for size; it uses the
checker's expression and name resolution.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import attrs

from assessor.errors import AssessorError, Diagnostic, Span, suggest
from assessor.model import scheme as m
from assessor.model.registry import RATINGS, Registry, ScoringTable
from assessor.model.units import Unit, comparable, describe_quantity
from assessor.syntax import ast
from assessor.syntax.parser import parse_method

if TYPE_CHECKING:
    from assessor.model.check import Grain

POINTS_100 = Fraction(100)
_AGGREGATES = {("mean",): "mean", ("median",): "median", ("trimmed", "mean"): "trimmed"}
_DESCENDING = (">", ">=")
_ASCENDING = ("<", "<=")


def _constant(value: Fraction, unit: Unit, span: Span) -> m.Constant:
    return m.Constant(value, unit, span)


def _points(value: Fraction, span: Span) -> m.Constant:
    return m.Constant(value, Unit.POINTS, span)


def _value(name: str, metric: m.Metric) -> m.MetricValue:
    return m.MetricValue(name, metric.unit, metric.span)


class CardChecks:
    """Checker methods for scorecards and what is paid from them (mixed into the checker)."""

    # provided by the checker
    metrics: dict[str, m.Metric | None]
    cards: dict[str, m.Scorecard | None]
    roles: dict[str, m.Role]
    period_kind: str
    used: set[str]
    plugins: set[str]
    registry: Registry
    diagnostics: list[Diagnostic]

    # -- scorecards ----------------------------------------------------------------------

    def scorecard(self, decl: ast.ScorecardDecl, used_at: Span | None = None) -> m.Scorecard | None:
        """Check a scorecard once (on first use or in declaration order) and lower it."""
        name = decl.name.text
        if name in self.failed:
            return None
        if name in self.cards:
            card = self.cards[name]
            if card is None and used_at is not None:
                self.error(
                    "E214",
                    f"scorecard {name!r} depends on its own points",
                    used_at,
                    "a scorecard cannot score itself",
                )
            return card
        self.cards[name] = None
        card = self.build_scorecard(decl)
        if card is None:
            del self.cards[name]
            self.failed.add(name)
        else:
            self.cards[name] = card
        return card

    def build_scorecard(self, decl: ast.ScorecardDecl) -> m.Scorecard | None:
        """Check the parts of a scorecard and lower them to metrics of points."""
        role = self.card_role(decl.role)
        if role is None:
            return None
        grain = None if role.store_level else role.name
        # only `missing` is inherited; cap and floor clamp what they are written on
        defaults = _missing_only(_options(decl.options))
        errors_before = self.error_count()
        items: list[m.Item] = []
        if decl.items and decl.dimensions:
            self.error(
                "E226",
                "a scorecard has either indicators or dimensions at its top level, not both",
                decl.items[0].span,
                "put these indicators in a dimension of their own",
            )
            return None
        parts = []
        if decl.dimensions:
            self.check_weights(decl.dimensions, f"dimensions of {decl.name.text!r}")
            for index, dimension in enumerate(decl.dimensions, start=1):
                dim_name = _item_name(dimension, decl.name.text, index)
                options = {**defaults, **_missing_only(_options(dimension.options))}
                self.check_weights(dimension.items, f"items of dimension {dim_name!r}")
                children = [
                    self.card_item(item, dim_name, position, options, grain, items)
                    for position, item in enumerate(dimension.items, start=1)
                ]
                subtotal = self.weighted_total(dim_name, children, dimension, grain, options)
                items.append(
                    self.item_record(dimension, dim_name, "dimension", decl.name.text, None, "")
                )
                # an n/a dimension is left out of the total under `missing exclude`, its own
                # or the scorecard's
                parts.append((subtotal, dimension.weight, options))
        else:
            self.check_weights(decl.items, f"indicators of {decl.name.text!r}")
            for position, item in enumerate(decl.items, start=1):
                parts.append(
                    (
                        self.card_item(item, decl.name.text, position, defaults, grain, items),
                        item.weight,
                        {**defaults, **_options(item.options)},
                    )
                )
        if self.error_count() > errors_before:
            return None
        vetoes = tuple(self.veto(v, grain, decl) for v in decl.vetoes)
        if None in vetoes:
            return None
        total = self.card_total(decl, parts, grain, defaults, vetoes)
        if total is None:
            return None
        items.append(
            m.Item(
                decl.name.text,
                decl.label,
                "scorecard",
                None,
                None,
                "",
                None,
                _describe_adjustments(decl),
                decl.span,
            )
        )
        return m.Scorecard(decl.name.text, decl.label, role.name, tuple(items), vetoes, decl.span)

    def card_role(self, role: ast.Identifier) -> m.Role | None:
        """The role a scorecard, grade or bonus is for."""
        self.used.add(role.text)
        found = self.roles.get(role.text)
        if found is None:
            self.unknown_role(role)
        return found

    def error_count(self) -> int:
        """How many errors were found so far."""
        return sum(d.severity == "error" for d in self.diagnostics)

    def card_item(
        self,
        item: ast.Indicator | ast.Rubric,
        parent: str,
        position: int,
        inherited: dict[str, Any],
        grain: Grain,
        items: list[m.Item],
    ) -> str | None:
        """Lower one indicator or rubric to a metric of points; returns the metric's name."""
        name = _item_name(item, parent, position)
        options = {**inherited, **_options(item.options)}
        if isinstance(item, ast.Rubric):
            score = self.rubric_score(item, grain, options)
            value_name, method = None, _describe_rubric(item)
        else:
            value_name = self.indicator_value(item, name, grain)
            if value_name is None:
                return None
            score, method = self.indicator_score(item.method, self.metrics[value_name], grain)
            if score is not None and not options.get("missing"):
                self.require_policy(item, self.metrics[value_name])
        if score is None:
            return None
        score = self.clamped(score, options, item.span, name, grain)
        method = "; ".join([method, *_describe_clamps(item.options)])
        policy = options.get("missing")
        missing = None
        if policy is not None and policy.kind == "default":
            default = self.points_value(policy.default)
            if default is None:
                return None
            score = m.Choose(
                ((m.IsDefined(score, item.span), score),),
                _points(default, item.span),
                (),
                Unit.POINTS,
                item.span,
            )
        elif policy is not None and policy.kind == "carry":
            missing = "carry"
        kind = "rubric" if isinstance(item, ast.Rubric) else "indicator"
        self.metrics[name] = m.Metric(
            name, item.label, grain, Unit.POINTS, m.Derived(score), item.span, False, missing
        )
        items.append(self.item_record(item, name, kind, parent, value_name, method))
        return name

    def item_record(self, item, name: str, kind: str, parent: str, value, method) -> m.Item:
        """What people need to read about an item: label, weight as written, method."""
        weight, _unit = self.weight_of(item.weight) or (None, None)
        return m.Item(
            name,
            item.label,
            kind,
            parent,
            weight,
            describe_quantity(*self.quantity(item.weight)) if self.quantity(item.weight) else "",
            value,
            method,
            item.span,
        )

    def indicator_value(self, item: ast.Indicator, name: str, grain: Grain) -> str | None:
        """The metric an indicator scores: the named metric, or a new one for an expression."""
        if isinstance(item.value, ast.NameRef):
            value = self.expr(item.value, grain)
            if isinstance(value, m.MetricValue):
                self.require_period_values(value, item.value.span)
                return value.metric
            if value is None:
                return None
        value = self.expr(item.value, grain)
        if value is None:
            return None
        if isinstance(value, m.Comparison | m.BoolOp | m.Negation):
            self.error("E215", "an indicator's value is a number", item.value.span, None)
            return None
        self.require_period_values(value, item.value.span)
        value_name = f"{name} (value)"
        self.metrics[value_name] = m.Metric(
            value_name, None, grain, value.unit, m.Derived(value), item.value.span
        )
        return value_name

    def require_policy(self, item: ast.Indicator, value: m.Metric) -> None:
        """An indicator whose value can be n/a must say what happens then."""
        if value.missing is not None or _never_missing(value):
            return
        self.error(
            "E227",
            f"indicator {item.label or (item.name.text if item.name else '')!r} has no policy for "
            "a missing value",
            item.span,
            "say what happens when there is no value: add `missing n/a`, `missing 0`, "
            "`missing carry` or `missing exclude` to the indicator, its dimension or the scorecard",
        )

    def require_period_values(self, expr: m.Expr | None, span: Span) -> None:
        """Scores, conditions and amounts are per assessed period, not per month."""
        if expr is None or self.period_kind == "month":
            return
        monthly = sorted(
            n for n in m.metric_names(expr) if self.metrics.get(n) and self.metrics[n].monthly
        )
        if monthly:
            self.error(
                "E224",
                f"{monthly[0]!r} has a value per month; this scheme assesses per "
                f"{self.period_kind}",
                span,
                "declare a metric that rolls the months up, e.g. "
                '`metric x for team = kpi("…") rollup mean`',
            )

    def points_value(self, quantity: ast.Quantity) -> Fraction | None:
        """Points as written: a number, ``30 分`` or ``110%`` (= 110 points)."""
        value = self.quantity(quantity)
        if value is None:
            return None
        number, unit = value
        if unit == Unit.RATIO:
            return number * 100
        if unit not in (Unit.NUMBER, Unit.POINTS):
            self.error(
                "E207",
                f"expected points, got {unit.value}",
                quantity.span,
                "write points as a number, e.g. `100` or `100 分`",
            )
            return None
        return number

    def clamped(
        self,
        score: m.Expr,
        options: dict[str, Any],
        span: Span,
        name: str | None = None,
        grain: Grain = None,
    ) -> m.Expr:
        """Apply ``cap`` and ``floor`` options to a score (first kept as a metric of its own,
        so the clamps read one column instead of repeating the score's expression).
        """
        bounds = [
            (kind, operator)
            for kind, operator in (("cap", ">"), ("floor", "<"))
            if options.get(kind) is not None
        ]
        if not bounds:
            return score
        if name is not None and not isinstance(score, m.MetricValue):
            raw = f"{name} (unclamped)"
            self.metrics[raw] = m.Metric(raw, None, grain, Unit.POINTS, m.Derived(score), span)
            score = m.MetricValue(raw, Unit.POINTS, span)
        for kind, operator in bounds:
            option = options[kind]
            limit = self.points_value(option.value)
            if limit is None:
                continue
            bound = _points(limit, option.span)
            test = m.Comparison(operator, score, bound, option.span)
            score = m.Choose(((test, bound),), score, (score,), Unit.POINTS, span)
        return score

    # -- scoring methods -----------------------------------------------------------------

    def indicator_score(
        self, method: ast.Method, value: m.Metric, grain: Grain
    ) -> tuple[m.Expr | None, str]:
        """An indicator's points and its method in words; a plugin's scoring table is
        checked as if its method were written in place.
        """
        if not isinstance(method, ast.TableMethod):
            return self.method_score(method, value, grain), _describe_method(method)
        found = self.scoring_table(method, value.unit)
        if found is None:
            return None, ""
        table, inner = found
        before = len(self.diagnostics)
        score = self.method_score(inner, value, grain)
        self.diagnostics[before:] = [
            _in_table(d, table, method.span) for d in self.diagnostics[before:]
        ]
        return score, f"table {table.name}: {_describe_method(inner)}"

    def scoring_table(
        self, method: ast.TableMethod, unit: Unit
    ) -> tuple[ScoringTable, ast.Method] | None:
        """The scoring table ``table NAME`` names, among the plugins the scheme uses, and its
        method parsed with the scheme language's own parser.
        """
        name = method.name.text
        table = self.registry.scoring_tables.get(name)
        if table is None or table.plugin not in self.plugins:
            self.unknown_scoring_table(method.name, table)
            return None
        where = f"scoring table {name!r} of plugin {table.plugin!r}"
        try:
            inner = parse_method(table.method, f"<{where}>")
        except AssessorError as error:
            problem = error.diagnostics[0]
            at = problem.location
            place = f" (line {at.line}, column {at.column})" if isinstance(at, Span) else ""
            self.error(
                "E242",
                f"{where} is not a scoring method: {problem.message}{place}",
                method.span,
                f"its text is {table.method!r}; the plugin must write one method such as "
                "`bands >= 95% -> 100 | else 0` (report it to the plugin's authors)",
            )
            return None
        if isinstance(inner, ast.TableMethod):
            self.error(
                "E242",
                f"{where} names another table ({inner.name.text!r}) instead of a method",
                method.span,
                "a scoring table writes its method out: bands, linear, attainment, deduct, score",
            )
            return None
        if not comparable(unit, table.unit):
            self.error(
                "E242",
                f"{where} scores values in {table.unit.value}; this value is in {unit.value}",
                method.span,
                "score the indicator with a table made for its unit, or write the method inline",
            )
            return None
        return table, inner

    def unknown_scoring_table(self, name: ast.Identifier, table: ScoringTable | None) -> None:
        """E241: no scoring table of that name among the plugins the scheme uses."""
        visible = sorted(
            t for t, spec in self.registry.scoring_tables.items() if spec.plugin in self.plugins
        )
        if table is not None:
            hint = f"it is declared by plugin {table.plugin!r}: add it to the scheme's `uses`"
        else:
            listed = (
                "scoring tables of the plugins this scheme uses: " + ", ".join(visible)
                if visible
                else "the plugins this scheme uses declare no scoring tables"
            )
            hint = suggest(name.text, visible) or listed
        self.error("E241", f"unknown scoring table {name.text!r}", name.span, hint)

    def method_score(self, method: ast.Method, value: m.Metric, grain: Grain) -> m.Expr | None:
        """An indicator's points from its value, by its scoring method."""
        v = _value(value.name, value)
        match method:
            case ast.Bands():
                return self.bands_score(method, v)
            case ast.Linear():
                return self.linear_score(method, v)
            case ast.Attainment():
                target = self.expr(method.target, grain)
                if target is None:
                    return None
                if not comparable(v.unit, target.unit):
                    self.error(
                        "E212",
                        f"cannot measure {v.unit.value} against a target in {target.unit.value}",
                        method.span,
                        "the target needs the value's unit",
                    )
                    return None
                if isinstance(target, m.Constant) and target.value <= 0:
                    self.error("E207", "a target must be above 0", method.target.span, None)
                    return None
                ratio = m.Arithmetic("/", v, target, Unit.NUMBER, method.span)
                hundred = _points(POINTS_100, method.span)
                return m.Arithmetic("*", ratio, hundred, Unit.POINTS, method.span)
            case ast.DeductEach():
                return self.deduct_each_score(method, v)
            case ast.Direct():
                if v.unit not in (Unit.NUMBER, Unit.POINTS):
                    self.error(
                        "E212",
                        f"a value in {v.unit.value} is not a score",
                        method.span,
                        "score it with bands, linear or attainment",
                    )
                    return None
                return m.Arithmetic(
                    "+", v, _points(Fraction(0), method.span), Unit.POINTS, method.span
                )
        raise TypeError(method)

    def threshold(self, band: ast.Band, unit: Unit) -> Fraction | None:
        """A band's threshold: a constant comparable with the value."""
        threshold = self.expr(band.threshold, None)
        if threshold is None:
            return None
        if not isinstance(threshold, m.Constant):
            self.error(
                "E207",
                "a band's threshold is a number or a param",
                band.threshold.span,
                "compare with a constant, e.g. `>= 95%`",
            )
            return None
        if not comparable(unit, threshold.unit):
            self.error(
                "E212",
                f"cannot compare {unit.value} with {threshold.unit.value}",
                band.threshold.span,
                "a rate compares with a percent such as 95%",
            )
            return None
        return threshold.value

    def checked_bands(
        self, bands: tuple[ast.Band, ...], otherwise: object, unit: Unit, span: Span
    ) -> list[tuple[str, Fraction]] | None:
        """Thresholds of ordered bands, checked for one direction, order and a final else."""
        checked = []
        for band in bands:
            operator = canonical_operator(band.operator)
            if operator in ("=", "!="):
                self.error(
                    "E228",
                    "a band compares with >, >=, < or <=",
                    band.span,
                    "write bands as thresholds, e.g. `>= 95% -> 100`",
                )
                return None
            value = self.threshold(band, unit)
            if value is None:
                return None
            checked.append((operator, value))
        descending = {op in _DESCENDING for op, _ in checked}
        if len(descending) > 1:
            self.error(
                "E228",
                "bands mix >/>= with </<=: some values would match no band or two",
                span,
                "write every band with >= (highest threshold first) or with <= (lowest first)",
            )
            return None
        for (op_a, a), (op_b, b), band in zip(checked, checked[1:], bands[1:], strict=False):
            shadowed = b > a if op_a in _DESCENDING else b < a
            if shadowed or (a == b and (op_a == op_b or op_b in (">=", "<="))):
                self.error(
                    "E228",
                    f"this band can never apply: every value it covers is taken by the band "
                    f"{op_a} {describe_quantity(a, unit)} before it",
                    band.span,
                    "order thresholds from the highest down for >= (from the lowest up for <=)",
                )
                return None
        if otherwise is None:
            op, last = checked[-1]
            side = "below" if op in _DESCENDING else "above"
            self.error(
                "E228",
                f"values {side} {describe_quantity(last, unit)} fall in no band",
                span,
                "end the bands with `| else 0` (or the score such values get)",
            )
            return None
        return checked

    def bands_score(self, method: ast.Bands, v: m.MetricValue) -> m.Expr | None:
        """Points from the first band that holds, else the `else` points."""
        checked = self.checked_bands(method.bands, method.otherwise, v.unit, method.span)
        if checked is None:
            return None
        cases = []
        for (operator, threshold), band in zip(checked, method.bands, strict=True):
            points = self.points_value(band.result)
            if points is None:
                return None
            test = m.Comparison(operator, v, _constant(threshold, v.unit, band.span), band.span)
            cases.append((test, _points(points, band.span)))
        otherwise = self.points_value(method.otherwise)
        if otherwise is None:
            return None
        return m.Choose(
            tuple(cases), _points(otherwise, method.span), (v,), Unit.POINTS, method.span
        )

    def linear_score(self, method: ast.Linear, v: m.MetricValue) -> m.Expr | None:
        """Points on the line through the given points, clamped at both ends."""
        points = []
        for x, y in method.points:
            written = self.quantity(x)
            score = self.points_value(y)
            if written is None or score is None:
                return None
            if not comparable(v.unit, written[1]):
                self.error(
                    "E212",
                    f"cannot place {v.unit.value} on a line of {written[1].value}",
                    x.span,
                    "write the points' x in the value's unit",
                )
                return None
            points.append((written[0], score))
        xs = [x for x, _ in points]
        if any(b <= a for a, b in pairwise(xs)):
            self.error(
                "E228",
                "the points of `linear` must go from the lowest value to the highest",
                method.span,
                "write e.g. `linear 6 -> 0, 9.5 -> 100`",
            )
            return None
        span = method.span
        cases = [
            (
                m.Comparison("<=", v, _constant(xs[0], v.unit, span), span),
                _points(points[0][1], span),
            )
        ]
        for (x0, y0), (x1, y1) in pairwise(points):
            slope = _constant((y1 - y0) / (x1 - x0), Unit.NUMBER, span)
            offset = m.Arithmetic("-", v, _constant(x0, v.unit, span), v.unit, span)
            rise = m.Arithmetic("*", offset, slope, Unit.NUMBER, span)
            line = m.Arithmetic("+", _points(y0, span), rise, Unit.POINTS, span)
            cases.append((m.Comparison("<=", v, _constant(x1, v.unit, span), span), line))
        return m.Choose(tuple(cases), _points(points[-1][1], span), (v,), Unit.POINTS, span)

    def deduct_each_score(self, method: ast.DeductEach, v: m.MetricValue) -> m.Expr | None:
        """Start - amount * value / per."""
        amount = self.points_value(method.amount)
        start = self.points_value(method.start)
        per = self.quantity(method.per) if method.per else (Fraction(1), Unit.NUMBER)
        if amount is None or start is None or per is None:
            return None
        if not comparable(v.unit, per[1]) or per[0] <= 0:
            self.error(
                "E212",
                f"`per` needs a positive amount in {v.unit.value}",
                method.span,
                "write e.g. `deduct 5 per 1 from 100`",
            )
            return None
        span = method.span
        units = m.Arithmetic("/", v, _constant(per[0], per[1], span), Unit.NUMBER, span)
        taken = m.Arithmetic("*", units, _points(amount, span), Unit.POINTS, span)
        return m.Arithmetic("-", _points(start, span), taken, Unit.POINTS, span)

    # -- rubrics -------------------------------------------------------------------------

    def rubric_score(
        self, rubric: ast.Rubric, grain: Grain, options: dict[str, Any]
    ) -> m.Expr | None:
        """A rubric's points come from a metric over the ratings table."""
        scale = self.scale(rubric)
        words = tuple(w.text for w in rubric.aggregate) or ("mean",)
        aggregate = _AGGREGATES.get(words)
        if aggregate is None:
            self.error(
                "E229",
                f"unknown aggregate {' '.join(words)!r} for ratings",
                rubric.aggregate[0].span,
                "write `aggregate mean`, `aggregate median` or `aggregate trimmed mean`",
            )
        policy = options.get("missing")
        unrated: str | Fraction = "n/a"
        if policy is not None and policy.kind in ("exclude", "n/a"):
            unrated = policy.kind
        elif policy is not None and policy.kind == "default":
            unrated = self.quantity(policy.default)[0] if self.quantity(policy.default) else "n/a"
        elif policy is None:
            self.error(
                "E227",
                f"rubric {rubric.label or (rubric.name.text if rubric.name else '')!r} has no "
                "policy for criteria nobody rated",
                rubric.span,
                "add `missing exclude` (leave them out), `missing n/a` or `missing 3` (assume a "
                "rating)",
            )
        if scale is None or aggregate is None or policy is None:
            return None
        criteria = tuple(c.text for c in rubric.criteria)
        duplicates = sorted({c for c in criteria if criteria.count(c) > 1})
        if duplicates:
            self.error("E206", f"criterion {duplicates[0]!r} is listed twice", rubric.span, None)
            return None
        self.tables[RATINGS] = self.registry.tables[RATINGS]
        name = f"{_item_name(rubric, 'rubric', 0)} (ratings)"
        definition = m.RubricScore(scale, aggregate, criteria, unrated)
        self.metrics[name] = m.Metric(
            name, rubric.label, grain, Unit.POINTS, definition, rubric.span
        )
        return m.MetricValue(name, Unit.POINTS, rubric.span)

    def scale(self, rubric: ast.Rubric) -> m.Scale | None:
        """A rubric's rating scale, checked."""
        written = rubric.scale
        if written is None:
            self.error(
                "E229",
                "a rubric needs a scale to rate its criteria on",
                rubric.span,
                'add e.g. `scale 1..5` or `scale "A" = 5, "B" = 4, "C" = 3`',
            )
            return None
        if written.letters:
            letters = []
            for letter, points in written.letters:
                value = self.quantity(points)
                if value is None:
                    return None
                letters.append((letter, value[0]))
            if (
                len({letter for letter, _ in letters}) != len(letters)
                or max(p for _, p in letters) <= 0
            ):
                self.error(
                    "E229",
                    "each letter of a scale appears once, and the best is worth more than 0",
                    written.span,
                    None,
                )
                return None
            return m.Scale(min(p for _, p in letters), max(p for _, p in letters), tuple(letters))
        low, high = Fraction(written.low.value), Fraction(written.high.value)
        if not 0 <= low < high:
            self.error(
                "E229",
                "a scale runs from a low rating up to a higher one",
                written.span,
                "write e.g. `scale 1..5` or `scale 0..10`",
            )
            return None
        return m.Scale(low, high)

    # -- weights and totals --------------------------------------------------------------

    def weight_of(self, quantity: ast.Quantity) -> tuple[Fraction, Unit] | None:
        """A weight as a share of the parent: 30% -> 3/10, 30 分 -> 30/100."""
        value = self.quantity(quantity)
        if value is None:
            return None
        number, unit = value
        if unit == Unit.RATIO:
            return number, unit
        if unit == Unit.POINTS:
            return number / 100, unit
        return None

    def check_weights(self, items: tuple, what: str) -> None:
        """Sibling weights: all percent adding up to 100%, or all points."""
        weights = []
        for item in items:
            value = self.weight_of(item.weight)
            if value is None:
                self.error(
                    "E230",
                    "a weight is a percent (30%) or points (30 分)",
                    item.weight.span,
                    "write e.g. `weight 30%`",
                )
                return
            weights.append(value)
        units = {unit for _, unit in weights}
        if len(units) > 1:
            self.error(
                "E230",
                f"the {what} mix percent and point weights",
                items[0].span,
                "give all of them percent weights, or all of them points",
            )
            return
        if units == {Unit.RATIO}:
            total = sum((w for w, _ in weights), Fraction(0))
            if total != 1:
                self.error(
                    "E230",
                    f"the weights of the {what} add up to {describe_quantity(total, Unit.RATIO)},"
                    " not 100%",
                    items[0].span,
                    "make the weights of siblings add up to 100%",
                )

    def weighted_total(
        self,
        name: str,
        children: list[str | None],
        dimension: ast.Dimension,
        grain: Grain,
        options: dict[str, Any],
    ) -> str | None:
        """A dimension's points: the weighted sum of its items."""
        if None in children:
            return None
        parts = [
            (child, item.weight, {**options, **_options(item.options)})
            for child, item in zip(children, dimension.items, strict=True)
        ]
        total = self.weighted_sum(parts, dimension.span, name, grain)
        if total is None:
            return None
        total = self.clamped(total, _options(dimension.options), dimension.span, name, grain)
        self.metrics[name] = m.Metric(
            name, dimension.label, grain, Unit.POINTS, m.Derived(total), dimension.span
        )
        return name

    def weighted_sum(self, parts: list, span: Span, name: str, grain: Grain) -> m.Expr | None:
        """sum(w * s); with `exclude`, over the defined items only, scaled to all weights."""
        if not parts:  # the grammar allows a scorecard with nothing in it yet
            self.error(
                "E230",
                f"{name} has no indicators or dimensions: no weights to add up",
                span,
                'add one, e.g. `indicator "响应率" weight 100% value ...`',
            )
            return None
        terms: list[m.Expr] = []
        counts: list[m.Expr] = []
        weight_total = Fraction(0)
        excluding = False
        for name, weight, options in parts:
            if name is None:
                return None
            share = self.weight_of(weight)
            if share is None:
                return None
            w = _constant(share[0], Unit.NUMBER, span)
            score = _value(name, self.metrics[name])
            term: m.Expr = m.Arithmetic("*", score, w, Unit.POINTS, span)
            counted: m.Expr = w
            if _policy_kind(options) == "exclude":
                excluding = True
                defined = m.IsDefined(score, span)
                zero = _points(Fraction(0), span)
                term = m.Choose(((defined, term),), zero, (), Unit.POINTS, span)
                counted = m.Choose(
                    ((defined, w),),
                    _constant(Fraction(0), Unit.NUMBER, span),
                    (),
                    Unit.NUMBER,
                    span,
                )
            terms.append(term)
            counts.append(counted)
            weight_total += share[0]
        numerator = self.summed(terms, Unit.POINTS, f"{name} (points)", grain, span)
        if not excluding:
            return numerator
        weight_defined = self.summed(counts, Unit.NUMBER, f"{name} (weights)", grain, span)
        scale = m.Arithmetic(
            "/", _constant(weight_total, Unit.NUMBER, span), weight_defined, Unit.NUMBER, span
        )
        return m.Arithmetic("*", numerator, scale, Unit.POINTS, span)

    def summed(
        self, terms: list[m.Expr], unit: Unit, name: str, grain: Grain, span: Span
    ) -> m.Expr:
        """The sum of many terms, a few at a time: each partial sum becomes a metric of its
        own, whose value is kept in lowest terms, so denominators do not multiply up.
        """
        if len(terms) <= _SUM_CHUNK:
            total: m.Expr = terms[0]
            for term in terms[1:]:
                total = m.Arithmetic("+", total, term, unit, span)
            return total
        partials = []
        for start in range(0, len(terms), _SUM_CHUNK):
            partial = f"{name} {start // _SUM_CHUNK + 1}"
            chunk = self.summed(terms[start : start + _SUM_CHUNK], unit, partial, grain, span)
            self.metrics[partial] = m.Metric(partial, None, grain, unit, m.Derived(chunk), span)
            partials.append(m.MetricValue(partial, unit, span))
        return self.summed(partials, unit, f"{name} +", grain, span)

    def card_total(
        self,
        decl: ast.ScorecardDecl,
        parts: list,
        grain: Grain,
        options: dict[str, Any],
        vetoes: tuple[m.Veto, ...],
    ) -> str | None:
        """A scorecard's total: weighted parts, deductions, cap/floor and vetoes' scores."""
        total = self.weighted_sum(parts, decl.span, decl.name.text, grain)
        if total is None:
            return None
        for deduction in decl.deductions:
            taken = self.expr(deduction.expr, grain)
            if taken is None:
                return None
            self.require_period_values(taken, deduction.expr.span)
            if taken.unit not in (Unit.NUMBER, Unit.POINTS, Unit.COUNT):
                self.error(
                    "E212",
                    f"a deduction is points, not {taken.unit.value}",
                    deduction.expr.span,
                    "write e.g. `deduct 2 * 三类投诉`",
                )
                return None
            if _policy_kind(options) != "n/a":
                # a deduction with no value takes nothing off, unless the policy is n/a
                taken = m.Choose(
                    ((m.IsDefined(taken, deduction.span), taken),),
                    _points(Fraction(0), deduction.span),
                    (),
                    Unit.POINTS,
                    deduction.span,
                )
            total = m.Arithmetic("-", total, taken, Unit.POINTS, deduction.span)
        total = self.clamped(total, _options(decl.options), decl.span, decl.name.text, grain)
        scored = [(v.condition, _points(v.score, v.span)) for v in vetoes if v.score is not None]
        if scored:
            total = m.Choose(tuple(scored), total, (), Unit.POINTS, decl.span)
        name = decl.name.text
        self.metrics[name] = m.Metric(
            name, decl.label, grain, Unit.POINTS, m.Derived(total), decl.span
        )
        return name

    def veto(self, veto: ast.Veto, grain: Grain, card: ast.ScorecardDecl) -> m.Veto | None:
        """A veto: its condition and effects."""
        condition = self.condition(veto.condition, grain)
        self.require_period_values(condition, veto.condition.span)
        if condition is None:
            return None
        score = grade = None
        no_bonus = False
        for effect in veto.effects:
            if effect.kind == "score":
                score = self.points_value(effect.score)
            elif effect.kind == "grade":
                grade = effect.grade
            else:
                no_bonus = True
        label = veto.label or f"veto of {card.name.text}"
        return m.Veto(label, condition, score, grade, no_bonus, veto.span)

    # -- grades and money ----------------------------------------------------------------

    def grade(self, decl: ast.GradeDecl) -> m.Grade | None:
        """A grade declaration, checked (a failed one is remembered, so bonuses stay quiet)."""
        grade = self.checked_grade(decl)
        if grade is None:
            self.failed.add(decl.name.text)
        return grade

    def checked_grade(self, decl: ast.GradeDecl) -> m.Grade | None:
        """Bands, quotas and the vetoes that cap this grade."""
        role = self.card_role(decl.role)
        total = self.name_value(decl.on, None if role is None or role.store_level else role.name)
        if role is None or total is None:
            return None
        checked = self.checked_bands(decl.bands, decl.otherwise, total.unit, decl.span)
        if checked is None:
            return None
        bands = tuple(
            (op, value, band.result) for (op, value), band in zip(checked, decl.bands, strict=True)
        )
        grades = (*dict.fromkeys(b[2] for b in bands), decl.otherwise)
        quotas = []
        for quota in decl.quotas:
            share = self.quantity(quota.share)
            if share is None:
                continue
            if share[1] != Unit.RATIO or not 0 <= share[0] <= 1:
                self.error(
                    "E231",
                    "a quota is a percent of the role's subjects",
                    quota.share.span,
                    'write e.g. `at most 20% "优秀"`',
                )
            elif quota.grade not in grades:
                self.unknown_grade(quota.grade, grades, quota.span)
            else:
                quotas.append((share[0], quota.grade))
        card = self.cards.get(decl.on.text)
        caps = tuple(v for v in (card.vetoes if card else ()) if v.grade_cap is not None)
        for veto in caps:
            if veto.grade_cap not in grades:
                self.unknown_grade(veto.grade_cap, grades, veto.span)
        return m.Grade(
            decl.name.text,
            decl.label,
            role.name,
            total.metric if isinstance(total, m.MetricValue) else decl.on.text,
            bands,
            decl.otherwise,
            tuple(quotas),
            caps,
            decl.span,
        )

    def unknown_grade(self, grade: str, grades: tuple[str, ...], span: Span) -> None:
        """Report a grade label that the grade does not have."""
        self.error(
            "E231",
            f"there is no grade {grade!r}",
            span,
            suggest(grade, grades) or "grades: " + ", ".join(grades),
        )

    def bonus(self, decl: ast.BonusDecl, grades: tuple[m.Grade, ...]) -> m.Bonus | None:
        """A bonus by grade or by an expression, with the vetoes that cancel it."""
        role = self.card_role(decl.role)
        if role is None:
            return None
        grain = None if role.store_level else role.name
        vetoes = tuple(
            v
            for card in self.cards.values()
            if card is not None and card.role == role.name
            for v in card.vetoes
            if v.no_bonus
        )
        if decl.expr is not None:
            value = self.expr(decl.expr, grain)
            self.require_period_values(value, decl.expr.span)
            if value is None:
                return None
            if value.unit not in (Unit.MONEY, Unit.NUMBER):
                self.error(
                    "E207",
                    f"a bonus is money, not {value.unit.value}",
                    decl.expr.span,
                    "write e.g. `总分 * 10 元`",
                )
                return None
            return m.Bonus(
                decl.name.text,
                decl.label,
                role.name,
                None,
                (),
                Decimal(0),
                value,
                vetoes,
                decl.span,
            )
        grade = next((g for g in grades if g.name == decl.grade.text), None)
        if grade is None and decl.grade.text in self.failed:
            return None
        if grade is None:
            self.error(
                "E231",
                f"there is no grade {decl.grade.text!r}",
                decl.grade.span,
                suggest(decl.grade.text, [g.name for g in grades]) or "declare it with `grade`",
            )
            return None
        amounts = []
        for label, quantity, span in decl.amounts:
            amount = self.money(quantity)
            if label not in grade.grades:
                self.unknown_grade(label, grade.grades, span)
            elif amount is not None:
                amounts.append((label, amount))
        otherwise = self.money(decl.otherwise) if decl.otherwise else Decimal(0)
        if otherwise is None:
            return None
        return m.Bonus(
            decl.name.text,
            decl.label,
            role.name,
            grade.name,
            tuple(amounts),
            otherwise,
            None,
            vetoes,
            decl.span,
        )

    def money(self, quantity: ast.Quantity, hint: str = "write e.g. `2000 元`") -> Decimal | None:
        """An amount in 元 with at most 2 decimals."""
        value = self.quantity(quantity)
        if value is None:
            return None
        if value[1] not in (Unit.NUMBER, Unit.MONEY):
            self.error(
                "E207",
                f"an amount is money, not {value[1].value}",
                quantity.span,
                hint,
            )
            return None
        exact = Decimal(quantity.value)
        if -exact.as_tuple().exponent > 2:
            self.error(
                "E207",
                f"{exact} has more than 2 decimals; money is paid in 元 and 分",
                quantity.span,
                f"write {exact.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}",
            )
            return None
        return exact

    def limit(self, decl: ast.LimitDecl) -> m.Limit | None:
        """A limit on what one subject gets in a period."""
        role = self.card_role(decl.role)
        reward = self.money(decl.reward) if decl.reward else None
        penalty = self.money(decl.penalty) if decl.penalty else None
        if role is None:
            return None
        return m.Limit(role.name, reward, penalty, decl.span)

    def pool(self, decl: ast.PoolDecl) -> m.Pool | None:
        """A limit on what a role's rewards add up to in a period."""
        role = self.card_role(decl.role)
        budget = self.money(decl.budget) if decl.budget else Decimal(0)
        if role is None or budget is None:
            return None
        return m.Pool(role.name, decl.with_penalties, budget, decl.span)

    # -- clauses that can never hold -----------------------------------------------------

    def check_reachable(self, conditions: list[m.Expr], spans: list[Span]) -> None:
        """In a first-match rule, a clause whose values are all taken by earlier clauses on
        the same value (``x >= 90`` before ``x >= 95``) can never pay.
        """
        covered: dict[str, list[tuple[str, Fraction]]] = {}
        for condition, span in zip(conditions, spans, strict=True):
            test = _threshold_test(condition)
            if test is None:
                continue
            key, operator, bound = test
            earlier = covered.setdefault(key, [])
            if any(_covers(op, b, operator, bound) for op, b in earlier):
                self.error(
                    "E232",
                    "this `when` can never apply: the clauses before it take every value it covers",
                    span,
                    "reorder the clauses (the first that holds pays) or remove this one",
                )
            earlier.append((operator, bound))


def _threshold_test(condition: m.Expr) -> tuple[str, str, Fraction] | None:
    """``metric op constant`` as (metric, op, value); None for anything else."""
    if not isinstance(condition, m.Comparison):
        return None
    left, right, operator = condition.left, condition.right, condition.operator
    if isinstance(left, m.Constant) and isinstance(right, m.MetricValue):
        left, right = right, left
        operator = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(operator, operator)
    if isinstance(left, m.MetricValue) and isinstance(right, m.Constant):
        return left.metric, operator, right.value
    return None


def _covers(earlier_op: str, earlier: Fraction, op: str, bound: Fraction) -> bool:
    """Whether every value satisfying ``x op bound`` also satisfies ``x earlier_op earlier``."""
    if earlier_op in _DESCENDING and op in _DESCENDING:
        return bound > earlier or (bound == earlier and (earlier_op == ">=" or op == ">"))
    if earlier_op in _ASCENDING and op in _ASCENDING:
        return bound < earlier or (bound == earlier and (earlier_op == "<=" or op == "<"))
    if earlier_op == "=" and op == "=":
        return bound == earlier
    return False


_SUM_CHUNK = 4
_CANONICAL = {"==": "=", "≤": "<=", "≥": ">=", "≠": "!="}


def canonical_operator(operator: str) -> str:
    """A comparison operator in one spelling: < <= = != > >=."""
    return _CANONICAL.get(operator, operator)


def _missing_only(options: dict[str, Any]) -> dict[str, Any]:
    """What a scorecard or dimension passes down to its items: the missing-data policy."""
    return {k: v for k, v in options.items() if k == "missing"}


def _options(options: tuple[ast.ItemOption, ...]) -> dict[str, Any]:
    """Options by kind: the ItemOption itself (``missing`` holds its policy)."""
    found: dict[str, Any] = {}
    for option in options:
        found[option.kind] = option.policy if option.kind == "missing" else option
    return found


def _policy_kind(options: dict[str, Any]) -> str | None:
    policy = options.get("missing")
    return policy.kind if policy is not None else None


def _item_name(item: Any, parent: str, position: int) -> str:
    """An item's own name, else its label, else its place: ``总分.2``."""
    if item.name is not None:
        return item.name.text
    return item.label or f"{parent}.{position}"


def _never_missing(metric: m.Metric) -> bool:
    definition = metric.definition
    return isinstance(definition, m.Derived) and not _has_metric(definition.expr)


def _has_metric(expr: m.Expr) -> bool:
    return bool(m.metric_names(expr))


def _quantity_text(q: ast.Quantity) -> str:
    unit = q.unit.text if q.unit else ""
    spacer = "" if unit in ("", "%") else " "
    return f"{q.value}{spacer}{unit}"


def _describe_clamps(options: tuple[ast.ItemOption, ...]) -> list[str]:
    """``cap 120`` and ``floor 0`` as written on the item: they change its points."""
    return [f"{o.kind} {_quantity_text(o.value)}" for o in options if o.value is not None]


def _in_table(diagnostic: Diagnostic, table: ScoringTable, used_at: Span) -> Diagnostic:
    """A problem found in a scoring table's method, told of the table and placed where the
    scheme names it (the table's own text is not in any file the person can open).
    """
    where = f"scoring table {table.name!r} of plugin {table.plugin!r}"
    return attrs.evolve(diagnostic, message=f"{where}: {diagnostic.message}", location=used_at)


def _describe_method(method: ast.Method) -> str:
    """The scoring method in the scheme's own words, for explanations."""
    match method:
        case ast.Bands(bands=bands, otherwise=otherwise):
            parts = [
                f"{b.operator} {_expr_text(b.threshold)} -> {_quantity_text(b.result)}"
                for b in bands
            ]
            if otherwise is not None:
                parts.append(f"else {_quantity_text(otherwise)}")
            return "bands " + " | ".join(parts)
        case ast.Linear(points=points):
            return "linear " + ", ".join(
                f"{_quantity_text(x)} -> {_quantity_text(y)}" for x, y in points
            )
        case ast.Attainment(target=target):
            return f"attainment of {_expr_text(target)}"
        case ast.DeductEach(amount=amount, per=per, start=start):
            per_text = f" per {_quantity_text(per)}" if per else ""
            return f"deduct {_quantity_text(amount)}{per_text} from {_quantity_text(start)}"
    return "score"


def _describe_rubric(rubric: ast.Rubric) -> str:
    scale = rubric.scale
    if scale is None:
        return "rubric"
    if scale.letters:
        written = ", ".join(f'"{k}" = {_quantity_text(v)}' for k, v in scale.letters)
    else:
        written = f"{scale.low.value}..{scale.high.value}"
    how = " ".join(w.text for w in rubric.aggregate) or "mean"
    return f"scale {written}, {how} of evaluators, criteria " + ", ".join(
        c.text for c in rubric.criteria
    )


def _describe_adjustments(decl: ast.ScorecardDecl) -> str:
    parts = [f"deduct {_expr_text(d.expr)}" for d in decl.deductions]
    parts += [f"veto {v.label or ''}".strip() for v in decl.vetoes]
    return "; ".join(parts)


def _expr_text(expr: ast.Expr) -> str:
    """A short rendering of a threshold or deduction as written."""
    match expr:
        case ast.Quantity():
            return _quantity_text(expr)
        case ast.NameRef(name=name):
            return name.text
        case ast.Binary(operator=op, left=a, right=b):
            return f"{_expr_text(a)} {op} {_expr_text(b)}"
        case ast.Negate(operand=a):
            return f"-{_expr_text(a)}"
        case ast.Call(function=f, arguments=args):
            inner = ", ".join(_expr_text(a.value) for a in args)
            return f"{f.text}({inner})"
        case ast.Text(value=value):
            return f'"{value}"'
    return "…"
